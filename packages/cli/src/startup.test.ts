import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "./test/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-cli-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tracer = fileURLToPath(new URL("./test/trace-imports.mjs", import.meta.url));

function importsOf(args: string[]): string[] {
  const file = join(dir, `trace-${args.join("-")}.txt`);
  const r = spawnSync(process.execPath, ["--import", tracer, BIN, ...args], {
    cwd: dir,
    env: { ...process.env, MLSHIP_TRACE_FILE: file },
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

describe("start-up", () => {
  it("`mlship --help` loads commander but no cloud SDK and no command module", () => {
    const urls = importsOf(["--help"]);
    expect(urls.some((u) => u.includes("/commander/"))).toBe(true);
    expect(urls.filter((u) => /@aws-sdk|@smithy|@kubernetes|\/commands\//.test(u))).toEqual([]);
  });

  it("a command loads only its own module", () => {
    const urls = importsOf(["targets", "--json"]);
    expect(urls.some((u) => u.endsWith("/commands/targets.js"))).toBe(true);
    expect(urls.filter((u) => /\/commands\/(train|deploy|score|demo)\.js$/.test(u))).toEqual([]);
  });
});
