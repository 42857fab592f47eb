// Tuning the scikit-learn breast-cancer example on the emulator through the production SageMaker code
// path: real child training jobs (real scikit-learn), the best one deployed by the tuning job's name.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { collectingSink, type MetricDefinition } from "@mlship/core";
import type { Emulator } from "@mlship/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerTarget } from "./index.js";
import { startTargetOnEmulator, stopTargetOnEmulator } from "./test/target-on-emulator.js";

const EXAMPLE = resolve(fileURLToPath(new URL("../../../examples/sklearn-breast-cancer", import.meta.url)));
const TEST_ROWS = readFileSync(join(EXAMPLE, "data", "test.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1);
const METRICS: MetricDefinition[] = [
  { name: "test_auc", regex: "test_auc=([0-9.]+);" },
  { name: "train_accuracy", regex: "train_accuracy=([0-9.]+);" },
];
const training = {
  entryPoint: "train.py",
  sourceDir: EXAMPLE,
  channels: { train: join(EXAMPLE, "data", "train.csv"), test: join(EXAMPLE, "data", "test.csv") },
  metricDefinitions: METRICS,
};

let emulator: Emulator;
let target: SageMakerTarget;
let sm: SageMakerClient;

beforeAll(async () => {
  ({ emulator, target, sm } = await startTargetOnEmulator());
}, 60_000);

afterAll(() => stopTargetOnEmulator({ emulator, target, sm }), 60_000);

/** ROC AUC by ranks (ties averaged), as scikit-learn's roc_auc_score computes it. */
function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]?.[1] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  const rankSum = labels.reduce((s, l, i) => s + (l === 1 ? (ranks[i] as number) : 0), 0);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The README's tuning example, as written, with the example's paths made absolute. */
function readmeExample(): string {
  const readme = readFileSync(join(EXAMPLE, "../../packages/target-sagemaker/README.md"), "utf8");
  const block = /<!-- example: tuning[^>]*-->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("the README lost its tuning example");
  return block.replaceAll('"examples/sklearn-breast-cancer', JSON.stringify(EXAMPLE).slice(0, -1));
}

describe("training metrics and tuning on SageMaker (emulated)", () => {
  let defaultAuc: number;

  it("a training job reports its metrics as events and as finalMetrics", async () => {
    const events = collectingSink();
    const run = await target.train({ ...training, baseJobName: "defaults" }, { events });
    const auc = run.finalMetrics?.find((m) => m.name === "test_auc");
    expect(auc?.value).toBeGreaterThan(0.9);
    defaultAuc = auc?.value as number;
    expect(
      events
        .of("training.metric")
        .map((e) => e.name)
        .sort(),
    ).toEqual(["test_auc", "train_accuracy"]);
    expect((await target.describe(run.jobName)).finalMetrics).toEqual(run.finalMetrics);
  });

  it("a bad metric regex is E_INVALID_INPUT before anything is uploaded", async () => {
    await expect(
      target.train({
        ...training,
        jobName: "bad-metric",
        metricDefinitions: [{ name: "auc", regex: "auc=[0-9.]+" }],
      }),
    ).rejects.toMatchObject({ code: "E_INVALID_INPUT", where: "metricDefinitions[0].regex" });
    await expect(target.describe("bad-metric")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("runs the README's tuning example: C (log scale) and max_iter, 8 jobs 2 at a time; the best is at least the defaults; deploy serves it", async () => {
    const printed: unknown[][] = [];
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    await new AsyncFunction("sagemaker", "console", readmeExample())(target, {
      log: (...a: unknown[]) => printed.push(a),
    });
    const tuned = await target.tuning.describe("bc-tune");
    expect(tuned.status).toBe("Completed");
    expect(tuned.trials).toHaveLength(8);
    expect(tuned.counters).toMatchObject({ Completed: 8 });
    const best = tuned.best;
    expect(best?.objective).toBeGreaterThanOrEqual(defaultAuc);
    expect(Math.max(...(tuned.trials ?? []).map((t) => t.objective ?? 0))).toBe(best?.objective);
    expect(printed.find((p) => p[0] === "best")).toEqual(["best", best?.jobName, best?.objective]);
    // Progress: counters and the best so far, which only ever improves and ends at the best job.
    const progress = printed.filter((p) => p[0] !== "best" && p[0] !== "deployed");
    expect(progress.at(-1)?.[0]).toBe("Completed");
    const bests = progress.flatMap((p) => (p[2] ? [(p[2] as { objective: number }).objective] : []));
    expect(bests.every((b, i) => i === 0 || b >= (bests[i - 1] as number))).toBe(true);
    expect(bests.at(-1)).toBe(best?.objective);
    expect(printed.find((p) => p[0] === "deployed")).toEqual([
      "deployed",
      `training job ${best?.jobName} (best of tuning job bc-tune)`,
    ]);

    const deployment = await target.get("breast-cancer-best");
    const model = await sm.send(
      new DescribeModelCommand({ ModelName: deployment.details?.modelName as string }),
    );
    const bestJob = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: best?.jobName }));
    expect(model.PrimaryContainer?.ModelDataUrl).toBe(bestJob.ModelArtifacts?.S3ModelArtifacts);
    // The served model is that job's: its predictions on the test set give the AUC the job reported.
    const invoker = await target.invoker("breast-cancer-best");
    const answer = await invoker.invoke({
      body: TEST_ROWS.map((r) => r.split(",").slice(1).join(",")).join("\n"),
      contentType: "text/csv",
      accept: "application/json",
    });
    const probabilities = JSON.parse(new TextDecoder().decode(answer.body)) as number[];
    const labels = TEST_ROWS.map((r) => Number(r.split(",")[0]));
    expect(rocAuc(probabilities, labels)).toBeCloseTo(best?.objective as number, 4);
    await target.delete("breast-cancer-best");
  });

  it("describes, lists and refuses to re-create a tuning job", async () => {
    const described = await target.tuning.describe("bc-tune");
    expect(described).toMatchObject({ name: "bc-tune", status: "Completed", strategy: "Bayesian" });
    expect((await target.tuning.list({ nameContains: "bc-tune" })).map((r) => r.name)).toEqual(["bc-tune"]);
    await expect(
      target.tuning.tune({
        name: "bc-tune",
        training,
        ranges: { C: { type: "continuous", min: 0.1, max: 1 } },
        objective: { metric: "test_auc" },
        maxJobs: 1,
      }),
    ).rejects.toMatchObject({ code: "E_ALREADY_EXISTS" });
    await expect(
      target.tuning.tune({
        training,
        ranges: { C: { type: "continuous", min: 0, max: 1, scaling: "Logarithmic" } },
        objective: { metric: "test_auc" },
        maxJobs: 1,
      }),
    ).rejects.toMatchObject({ code: "E_INVALID_INPUT", where: "ranges.C" });
  });
});
