import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** vitest globalSetup: `tsc -b` the CLI and everything it references (a no-op when up to date). */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const project = fileURLToPath(new URL("../../tsconfig.lib.json", import.meta.url));
  execFileSync(process.execPath, [tsc, "-b", project], { stdio: "inherit" });
}
