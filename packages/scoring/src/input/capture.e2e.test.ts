// Captured traffic scored later: an endpoint on the emulator captures what it serves (SageMaker's data
// capture format), the capture prefix is copied down, turned into a dataset, and scored again against the
// endpoint; the new scores must equal the answers captured at the time.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { createS3Client, downloadUri } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { createSageMakerTarget, type SageMakerTarget } from "@mlship/target-sagemaker";
import { tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelSource } from "../model-source.js";
import { score } from "../score.js";
import { CAPTURE_COLUMNS, captureToDataset } from "./capture.js";

// A logistic model of two features, so answers are probabilities.
const INFERENCE = `export function modelFn() { return {}; }
export function predictFn(input) {
  const rows = input.length > 0 && !Array.isArray(input[0]) ? [input] : input;
  return rows.map(([a, b]) => 1 / (1 + Math.exp(-(0.5 * Number(a) - 0.25 * Number(b)))));
}
`;
const BUCKET = "capture-e2e";
let emulator: Emulator;
let target: SageMakerTarget;

beforeAll(async () => {
  emulator = await startEmulator({ dataCaptureFlushSeconds: 0.2 });
  const config = emulatorClientConfig(emulator);
  target = createSageMakerTarget({
    ...config,
    role: "arn:aws:iam::000000000000:role/R",
    poll: { intervalMs: 100, maxIntervalMs: 300 },
  });
  await createS3Client(config).send(new CreateBucketCommand({ Bucket: BUCKET }));
  const code = tempDir();
  writeFileSync(join(code, "inference.mjs"), INFERENCE);
  const modelDir = tempDir();
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, "model.json"), "{}");
  const tarball = join(tempDir(), "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: modelDir }, ["model.json"]);
  await emulator.objectStore.upload(tarball, `s3://${BUCKET}/model.tar.gz`);
  await target.deploy({
    name: "captured",
    image: NODE_RUNTIME_IMAGE,
    model: { modelData: `s3://${BUCKET}/model.tar.gz`, sourceDir: code, entryPoint: "inference.mjs" },
    dataCapture: { destinationS3Uri: `s3://${BUCKET}/capture`, samplingPercentage: 100 },
  });
}, 120_000);

afterAll(async () => {
  await target?.close();
  await emulator?.stop();
});

describe("scoring captured traffic", () => {
  it("scores a copied capture prefix and matches the answers the endpoint gave when it was captured", async () => {
    const invoker = await target.invoker("captured");
    for (const body of ["1,2", "3,4\n5,6", "-2,0"]) {
      await invoker.invoke({ body, contentType: "text/csv", accept: "application/json" });
    }
    const s3 = createS3Client(emulatorClientConfig(emulator));
    // The capture is written in batches: copy the prefix down until all three requests are in it.
    const dataset = join(tempDir(), "captured.jsonl");
    let rows = 0;
    for (let i = 0; i < 50 && rows < 4; i++) {
      const local = join(tempDir(), "capture");
      const files = await downloadUri(s3, `s3://${BUCKET}/capture/captured/`, local).catch(() => []);
      rows = files.length > 0 ? (await captureToDataset(local, dataset, ["a", "b"])).rows : 0;
      if (rows < 4) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toBe(4);

    const out = join(tempDir(), "rescored.csv");
    const summary = await score({
      model: createModelSource({ invoker, features: ["a", "b"] }),
      data: dataset,
      features: ["a", "b"],
      keep: [...CAPTURE_COLUMNS],
      out,
    });
    expect(summary.rows).toBe(4);
    expect(summary.failed).toBe(0);
    const [header, ...lines] = readFileSync(out, "utf8").trim().split("\n");
    expect(header).toBe("capture_event_id,capture_inference_time,captured_output,score,error");
    for (const line of lines) {
      const [, , then, now] = line.split(",");
      expect(Number(now)).toBeCloseTo(Number(then), 12);
    }
  }, 60_000);
});
