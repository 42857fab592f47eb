// The transform engine against the client-side scorer, on the emulator with the scikit-learn example:
// same rows scored both ways must give the same output files and the same metrics.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeTransformJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { collectingSink } from "@mlship/core";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { createSageMakerTarget, type SageMakerTarget } from "@mlship/target-sagemaker";
import { mlshipRejection, tempDir } from "@mlship/testing";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelSource } from "./model-source.js";
import { score } from "./score.js";
import { scoreByTransform } from "./transform-engine.js";

const EXAMPLE = resolve(fileURLToPath(new URL("../../../examples/sklearn-breast-cancer", import.meta.url)));
const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const [HEADER = "", ...ROWS] = readFileSync(join(EXAMPLE, "data", "test.csv"), "utf8")
  .trim()
  .split("\n");
const FEATURES = HEADER.split(",").slice(1);

let emulator: Emulator;
let target: SageMakerTarget;
let trainingJob: string;
let dir: string;
let data: string;

beforeAll(async () => {
  emulator = await startEmulator();
  target = createSageMakerTarget({
    ...emulatorClientConfig(emulator),
    role: ROLE,
    poll: { intervalMs: 200, maxIntervalMs: 500 },
  });
  dir = tempDir("mlship-transform-");
  // An id column first (kept in the output), the label second (metrics), then the 30 features.
  data = join(dir, "data.csv");
  writeFileSync(data, `${[`id,${HEADER}`, ...ROWS.map((r, i) => `case-${1000 + i},${r}`)].join("\n")}\n`);
  const run = await target.train({
    entryPoint: "train.py",
    sourceDir: EXAMPLE,
    channels: { train: join(EXAMPLE, "data", "train.csv"), test: join(EXAMPLE, "data", "test.csv") },
  });
  trainingJob = run.jobName;
  await target.deploy({ name: "breast-cancer", model: { trainingJob, entryPoint: "inference.py" } });
}, 300_000);

afterAll(async () => {
  await target?.close();
  await emulator?.stop();
});

const common = () => ({ data, features: FEATURES, label: "target", keep: ["id"] });

async function clientSide(out: string) {
  const model = createModelSource({ invoker: await target.invoker("breast-cancer"), features: FEATURES });
  return score({ ...common(), model, out });
}

function csvScores(file: string): { header: string; ids: string[]; scores: number[]; errors: string[] } {
  const [header = "", ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const cells = lines.map((l) => l.split(","));
  return {
    header,
    ids: cells.map((c) => c[0] as string),
    scores: cells.map((c) => Number(c[1])),
    errors: cells.map((c) => c[2] as string),
  };
}

/**
 * Metrics computed from the same scores: equal, except that numbers may differ in the last bits (scikit-learn's
 * float sums depend on how rows are batched, and thresholds are scores).
 */
function expectSameMetrics(a: unknown, b: unknown, path = "metrics"): void {
  if (Object.is(a, b)) return;
  if (typeof a === "number" && typeof b === "number") {
    expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-9);
  } else if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    expect(Object.keys(b), path).toEqual(Object.keys(a));
    for (const [k, v] of Object.entries(a))
      expectSameMetrics(v, (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else expect(b, path).toEqual(a);
}

function expectClose(a: number[], b: number[]): void {
  expect(a).toHaveLength(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThanOrEqual(1e-9);
}

const ROOT = resolve(EXAMPLE, "../..");

/** The README's example, as written (imports dropped: their bindings are handed in). */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "packages/target-sagemaker/README.md"), "utf8");
  const block = /<!-- example: batch-transform[^>]*-->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("the README lost its batch-transform example");
  return block.replace(/^import .*$/gm, "");
}

describe("scoreByTransform on the emulator", () => {
  it("runs target-sagemaker's README example", async () => {
    const printed: unknown[][] = [];
    const out = join(dir, "scores.csv");
    const code = readmeExample()
      .replace(
        '"examples/sklearn-breast-cancer/data/test.csv"',
        JSON.stringify(join(EXAMPLE, "data", "test.csv")),
      )
      .replace('"scores.csv"', JSON.stringify(out));
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    await new AsyncFunction("sagemaker", "scoreByTransform", "console", code)(target, scoreByTransform, {
      log: (...a: unknown[]) => printed.push(a),
    });
    expect(printed.map((p) => p[1]).slice(0, 2)).toEqual(["InProgress", "Completed"]);
    const [job, rows, auc] = printed.at(-1) ?? [];
    expect(job).toMatch(/^breast-cancer-transform-/);
    expect(rows).toBe(ROWS.length);
    expect(auc).toBeGreaterThan(0.95);
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("score,error");
  }, 240_000);

  it("gives the client-side scorer's CSV output and metrics (deployment's model, 2 instances, 1 MB payloads)", async () => {
    const client = await clientSide(join(dir, "client.csv"));
    const events = collectingSink();
    const transform = await scoreByTransform({
      ...common(),
      out: join(dir, "transform.csv"),
      transformer: target.transformer,
      model: { deployment: "breast-cancer" },
      instanceCount: 2,
      maxPayloadMB: 1,
      events,
    });
    const a = csvScores(join(dir, "client.csv"));
    const b = csvScores(join(dir, "transform.csv"));
    expect(b.header).toBe("id,score,error");
    expect(b.header).toBe(a.header);
    expect(b.ids).toEqual(a.ids);
    expect(b.errors).toEqual(a.errors);
    expectClose(b.scores, a.scores);
    expectSameMetrics(client.metrics, transform.metrics);
    expect(transform).toMatchObject({
      rows: ROWS.length,
      scored: ROWS.length,
      failed: 0,
      columns: client.columns,
    });
    expect(transform.job).toMatch(/^breast-cancer-transform-\d{4}-/);
    expect(events.of("transform.status").map((e) => e.status)).toEqual(["InProgress", "Completed"]);
    expect(events.of("transform.log").some((e) => /Transformed part-00001\.csv/.test(e.message))).toBe(true);
  }, 240_000);

  it("scores with a training job's model into Parquet, as the client-side scorer does", async () => {
    const client = await clientSide(join(dir, "client.parquet"));
    const transform = await scoreByTransform({
      ...common(),
      out: join(dir, "transform.parquet"),
      transformer: target.transformer,
      model: { trainingJob, entryPoint: "inference.py" },
    });
    const read = async (file: string) =>
      parquetReadObjects({ file: new Uint8Array(readFileSync(file)).buffer });
    const a = (await read(join(dir, "client.parquet"))) as Array<{ id: string; score: number }>;
    const b = (await read(join(dir, "transform.parquet"))) as Array<{ id: string; score: number }>;
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    expectClose(
      b.map((r) => r.score),
      a.map((r) => r.score),
    );
    expect(Object.keys(b[0] ?? {})).toEqual(Object.keys(a[0] ?? {}));
    expectSameMetrics(client.metrics, transform.metrics);
  }, 240_000);

  it("lists, describes, reads the logs of and stops transform jobs through the transformer", async () => {
    const jobs = await target.transformer.list();
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    const job = jobs[0]?.job as string;
    expect(jobs[0]?.status).toBe("Completed");
    const described = await target.transformer.describe(job);
    expect(described).toMatchObject({ job, status: "Completed", instanceType: "ml.m5.large" });
    expect(described.output).toMatch(/^s3:\/\/sagemaker-us-east-1-000000000000\/.*\/output$/);
    const lines: string[] = [];
    for await (const e of target.transformer.logs(job)) lines.push(e.message);
    expect(lines.some((l) => /^Transformed part-00000\.csv: \d+ records/.test(l))).toBe(true);
    await target.transformer.stop(job); // ended: left as it is
    expect((await target.transformer.describe(job)).status).toBe("Completed");
    expect((await mlshipRejection(target.transformer.describe("no-such-job"))).code).toBe("E_NOT_FOUND");
  }, 60_000);

  it("stops the job when the caller aborts, and rejects E_ABORTED", async () => {
    const controller = new AbortController();
    let job = "";
    const err = await mlshipRejection(
      scoreByTransform({
        ...common(),
        out: join(dir, "aborted.csv"),
        transformer: target.transformer,
        model: { deployment: "breast-cancer" },
        signal: controller.signal,
        events: (e) => {
          if (e.type === "transform.status" && e.status === "InProgress") {
            job = e.job;
            controller.abort();
          }
        },
      }),
    );
    expect(err.code).toBe("E_ABORTED");
    const sm = new SageMakerClient(emulatorClientConfig(emulator));
    const described = await sm.send(new DescribeTransformJobCommand({ TransformJobName: job }));
    sm.destroy();
    expect(described.TransformJobStatus).toBe("Stopped");
  }, 120_000);
});
