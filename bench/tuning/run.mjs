// Random vs Bayesian search on the emulator, over seeds: each seed is a synthetic objective (a cheap
// Node training script whose optimum moves with the seed) tuned twice, once per strategy, with the same
// budget. Prints how often Bayesian reaches Random's final best in fewer jobs, counted two ways: fewer than
// Random's whole budget (the jobs Random ran to get there), and fewer than the job at which Random happened
// to find it (stricter: a lucky early Random draw counts against Bayesian). Also the 1-minute load (the
// machine is shared; the figures do not depend on speed, the run time does).
//   node --conditions=@mlship/source --import tsx bench/tuning/run.mjs [--seeds 20] [--jobs 20] [--parallel 2]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { createSageMakerTarget } from "@mlship/target-sagemaker";
import { load1 } from "../lib/proc.mjs";

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "20" },
    jobs: { type: "string", default: "20" },
    parallel: { type: "string", default: "2" },
  },
});
const SEEDS = Number(args.seeds);
const JOBS = Number(args.jobs);
const PARALLEL = Number(args.parallel);

// A smooth bowl with ripples in (x, y, log10 lr); the seed places the optimum. Higher is better, max ~1.
const OBJECTIVE = `const a = {};
const v = process.argv.slice(2);
for (let i = 0; i < v.length; i += 2) a[v[i].replace(/^--?/, "")] = v[i + 1];
let s = Number(a.seed) * 2654435761 >>> 0;
const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const cx = 0.15 + 0.7 * r(), cy = 0.15 + 0.7 * r(), cl = -3.5 + 2 * r();
const x = Number(a.x), y = Number(a.y), l = Math.log10(Number(a.lr));
const d = (x - cx) ** 2 + (y - cy) ** 2 + ((l - cl) / 3) ** 2;
const value = Math.exp(-6 * d) + 0.05 * Math.cos(12 * x) * Math.cos(12 * y);
console.log("objective=" + value.toFixed(6) + ";");
`;

const emulator = await startEmulator();
const config = emulatorClientConfig(emulator);
const target = createSageMakerTarget({
  endpoint: config.endpoint,
  region: config.region,
  credentials: config.credentials,
  role: "arn:aws:iam::000000000000:role/SageMakerRole",
  poll: { intervalMs: 200, maxIntervalMs: 500 },
});
const dir = await mkdtemp(join(tmpdir(), "mlship-bench-tuning-"));
await writeFile(join(dir, "objective.mjs"), OBJECTIVE);

/** The objective values of a finished tuning job's trials, in launch order (`<name>-NNN-<hash>`). */
async function tuneOnce(strategy, seed) {
  const run = await target.tuning.tune({
    name: `${strategy.slice(0, 5).toLowerCase()}-s${seed}`,
    training: {
      entryPoint: "objective.mjs",
      sourceDir: dir,
      hyperparameters: { seed },
      metricDefinitions: [{ name: "objective", regex: "objective=(-?[0-9.]+);" }],
    },
    ranges: {
      x: { type: "continuous", min: 0, max: 1 },
      y: { type: "continuous", min: 0, max: 1 },
      lr: { type: "continuous", min: 0.0001, max: 0.1, scaling: "Logarithmic" },
    },
    objective: { metric: "objective", type: "Maximize" },
    strategy,
    maxJobs: JOBS,
    maxParallelJobs: PARALLEL,
    // Independent draws per strategy (the same RandomSeed would give both the same first points).
    randomSeed: strategy === "Random" ? seed : seed + 1000,
  });
  return [...(run.trials ?? [])]
    .sort((p, q) => p.jobName.localeCompare(q.jobName))
    .map((t) => t.objective ?? Number.NEGATIVE_INFINITY);
}

/** 1-based number of jobs until the running best reaches `level` (Infinity if never). */
const jobsToReach = (values, level) => {
  const i = values.findIndex((v) => v >= level);
  return i < 0 ? Number.POSITIVE_INFINITY : i + 1;
};

const started = Date.now();
let wins = 0;
let withinBudget = 0;
const rows = [];
try {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const [random, bayesian] = await Promise.all([tuneOnce("Random", seed), tuneOnce("Bayesian", seed)]);
    const randomBest = Math.max(...random);
    const randomJobs = jobsToReach(random, randomBest);
    const bayesJobs = jobsToReach(bayesian, randomBest);
    if (bayesJobs < randomJobs) wins++;
    if (bayesJobs < JOBS) withinBudget++;
    rows.push({ seed, randomBest, randomJobs, bayesBest: Math.max(...bayesian), bayesJobs });
    console.log(
      `seed ${String(seed).padStart(2)}: Random best ${randomBest.toFixed(4)} at job ${randomJobs}; Bayesian reaches it at job ${bayesJobs === Number.POSITIVE_INFINITY ? "never" : bayesJobs} (its best ${Math.max(...bayesian).toFixed(4)})  [load ${load1().toFixed(2)}]`,
    );
  }
} finally {
  await target.close();
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
const better = rows.filter((r) => r.bayesBest > r.randomBest).length;
const pct = (n) => `${Math.round((100 * n) / SEEDS)}%`;
console.log(
  `\nBayesian reached Random's final best in fewer than Random's ${JOBS} jobs on ${withinBudget}/${SEEDS} seeds (${pct(withinBudget)}); ` +
    `before the job at which Random found it on ${wins}/${SEEDS} (${pct(wins)}); ` +
    `its own final best was higher on ${better}/${SEEDS}. ${JOBS} jobs per tuning job, ${PARALLEL} in parallel; ` +
    `${Math.round((Date.now() - started) / 1000)} s, load ${load1().toFixed(2)}.`,
);
