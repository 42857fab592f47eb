import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Bundles `score-process.ts` (and the workspace sources it imports) into one plain ESM file, so a test that
 * starts many scorer processes pays Node's start-up (~0.2 s CPU) per process, not a TypeScript loader's (~1 s).
 */
export async function bundleScoreProcess(dir: string): Promise<string> {
  const outfile = join(dir, "score-process.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./score-process.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@mlship/source"],
    outfile,
    logLevel: "error",
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
    banner: {
      js: 'import { createRequire as __mlshipRequire } from "node:module"; const require = __mlshipRequire(import.meta.url);',
    },
  });
  return outfile;
}
