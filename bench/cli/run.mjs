// Cold start of the built CLI against `node -e 0`, measured in the same run (the machine is shared and noisy).
// Usage: node bench/cli/run.mjs [runs=20]   (build first: npm run build)
import { fileURLToPath } from "node:url";
import { medianWall } from "../lib/wall.mjs";

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL("../../packages/cli/bin/mlship.js", import.meta.url));

const cases = [
  ["node -e 0", ["-e", "0"]],
  ["mlship --version", [bin, "--version"]],
  ["mlship --help", [bin, "--help"]],
  ["mlship train --help", [bin, "train", "--help"]],
];
medianWall(["-e", "0"], runs); // warm the file cache
const base = medianWall(cases[0][1], runs);
console.log(`runs per case: ${runs} (median wall time)`);
console.log("case                     ms      vs node -e 0   added ms");
for (const [name, args] of cases) {
  const ms = name === "node -e 0" ? base : medianWall(args, runs);
  console.log(
    `${name.padEnd(24)} ${ms.toFixed(1).padStart(6)}  ${(ms / base).toFixed(2).padStart(8)}x  ${(ms - base).toFixed(1).padStart(9)}`,
  );
}
