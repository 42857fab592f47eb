import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CONTENT_TYPES,
  createHttpInvoker,
  decodeCsv,
  decodeJson,
  decodeNpy,
  encodeNpy,
  ndArrayToValues,
} from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  nodeExample,
  SAMPLE_ROW,
  sklearnExample,
  tempDir,
  testCsv,
  trainCsv,
  waitGone,
} from "../test-support/fixtures.js";
import { runTrainingJob } from "../training/run-training-job.js";
import { type ModelServer, startModelServer } from "./model-server.js";

async function testRows(): Promise<{ X: number[][]; y: number[] }> {
  const [, ...lines] = (await readFile(testCsv, "utf8")).trim().split("\n");
  const rows = lines.map((l) => l.split(",").map(Number));
  return { X: rows.map((r) => r.slice(1)), y: rows.map((r) => r[0] as number) };
}

const examples: Array<{
  name: string;
  dir: string;
  train: string;
  program: string;
  hps: Record<string, string>;
}> = [
  {
    name: "scikit-learn",
    dir: sklearnExample,
    train: "train.py",
    program: "inference.py",
    hps: { C: "1.0" },
  },
  { name: "Node", dir: nodeExample, train: "train.mjs", program: "inference.mjs", hps: { epochs: "300" } },
];

describe.each(examples)("the $name example end to end", (example) => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: ModelServer;
  let invoker: ReturnType<typeof createHttpInvoker>;
  let pids: number[] = [];

  beforeAll(async () => {
    tmp = await tempDir();
    const run = await runTrainingJob({
      jobName: `breast-cancer-${example.train.replace(".", "-")}`,
      workDir: join(tmp.dir, "job"),
      entryPoint: example.train,
      sourceDir: example.dir,
      channels: { train: trainCsv, test: testCsv },
      hyperparameters: example.hps,
    });
    expect(run.failureReason).toBeUndefined();
    expect(run.modelTarGz).toBeDefined();
    server = await startModelServer({
      workDir: join(tmp.dir, "serve"),
      modelData: run.modelTarGz,
      program: example.program,
      submitDirectory: example.dir,
      workers: 2,
    });
    await server.ready();
    pids = server.pids();
    invoker = createHttpInvoker({ url: server.url, retries: 0 });
  });

  afterAll(async () => {
    await invoker?.close();
    await server?.close();
    expect(await waitGone(pids)).toEqual([]);
    await tmp?.cleanup();
  });

  it("answers /ping and runs one master plus two workers", async () => {
    expect(await invoker.ping()).toBe(true);
    expect(pids).toHaveLength(3);
  });

  it("scores the test set from CSV: probabilities of malignant in [0,1] that classify well", async () => {
    const { X, y } = await testRows();
    const body = X.map((r) => r.join(",")).join("\n");
    const res = await invoker.invoke({ body, contentType: CONTENT_TYPES.csv });
    expect(res.contentType).toMatch(/^application\/json/);
    const p = decodeJson(new TextDecoder().decode(res.body)) as number[];
    expect(p).toHaveLength(X.length);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
    const correct = p.filter((v, i) => (v >= 0.5 ? 1 : 0) === y[i]).length;
    expect(correct / y.length).toBeGreaterThan(0.9);
  });

  it("accepts JSON and answers CSV when asked", async () => {
    const res = await invoker.invoke({
      body: JSON.stringify([SAMPLE_ROW, SAMPLE_ROW.map((v) => v / 2)]),
      contentType: CONTENT_TYPES.json,
      accept: CONTENT_TYPES.csv,
    });
    expect(res.contentType).toMatch(/^text\/csv/);
    const p = decodeCsv(new TextDecoder().decode(res.body)).flat() as number[];
    expect(p).toHaveLength(2);
    expect(p[0]).toBeGreaterThan(0.5);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
  });

  it("accepts .npy and answers .npy", async () => {
    const { X } = await testRows();
    const body = encodeNpy(X.slice(0, 7), { dtype: "<f8" });
    const res = await invoker.invoke({ body, contentType: CONTENT_TYPES.npy, accept: CONTENT_TYPES.npy });
    const array = decodeNpy(res.body);
    expect(array.shape).toEqual([7]);
    for (const v of ndArrayToValues(array) as number[]) expect(v >= 0 && v <= 1).toBe(true);
  });
});
