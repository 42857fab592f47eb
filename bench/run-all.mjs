// `npm run bench`: every bench/<name>/run.mjs in turn (build first: npm run build). Each prints its own
// figures as ratios against a raw baseline measured in the same run; pass a name to run just one.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv[2];
const names = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/run.mjs`) && (!only || d.name === only))
  .map((d) => d.name);
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench/${name}`);
  const r = spawnSync(process.execPath, [`${root}${name}/run.mjs`, ...process.argv.slice(3)], {
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
