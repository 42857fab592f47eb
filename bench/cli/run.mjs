// Cold start of the built CLI against `node -e 0`, measured in the same run (the machine is shared and noisy).
// Usage: node bench/cli/run.mjs [runs=20]   (build first: npm run build)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL("../../packages/cli/bin/mlship.js", import.meta.url));

function median(args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const cases = [
  ["node -e 0", ["-e", "0"]],
  ["mlship --version", [bin, "--version"]],
  ["mlship --help", [bin, "--help"]],
  ["mlship train --help", [bin, "train", "--help"]],
];
median(["-e", "0"]); // warm the file cache
const base = median(cases[0][1]);
console.log(`runs per case: ${runs} (median wall time)`);
console.log("case                     ms      vs node -e 0   added ms");
for (const [name, args] of cases) {
  const ms = name === "node -e 0" ? base : median(args);
  console.log(
    `${name.padEnd(24)} ${ms.toFixed(1).padStart(6)}  ${(ms / base).toFixed(2).padStart(8)}x  ${(ms - base).toFixed(1).padStart(9)}`,
  );
}
