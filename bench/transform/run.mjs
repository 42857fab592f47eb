// Batch transform as a scoring engine, against the client-side scorer on the same model and machine: the
// emulator hosts bench/score's Node logistic regression as a SageMaker endpoint, then the same generated
// N-row x 10-feature CSV (with a label, for metrics) is scored
//   (a) client-side: score() through the SageMaker Runtime invoker (the default engine, the baseline), and
//   (b) by scoreByTransform(): stage to S3, CreateTransformJob on --instances model servers, merge,
// and a one-row transform job gives the fixed overhead (job start to first record).
// Prints (b)/(a) end to end, the job's own rows/s (TransformStartTime -> TransformEndTime) against (a),
// and the 1-minute load with every figure (the machine is shared).
//   node --conditions=@mlship/source --import tsx bench/transform/run.mjs [--rows 200000] [--instances 2]
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeTransformJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { ensureBucket } from "@mlship/data-s3";
import { emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { createModelSource, score, scoreByTransform } from "@mlship/scoring";
import { createSageMakerTarget } from "@mlship/target-sagemaker";
import { create as createTar } from "tar";
import { load1 } from "../lib/proc.mjs";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    instances: { type: "string", default: "2" },
    concurrency: { type: "string", default: "4" },
  },
});
const ROWS = Number(args.rows);
const INSTANCES = Number(args.instances);
const CONCURRENCY = Number(args.concurrency);
const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);
const modelDir = fileURLToPath(new URL("../score/model/", import.meta.url));
const loadNote = () => `load ${load1().toFixed(2)}`;
const rate = (rows, ms) => `${Math.round((rows * 1000) / ms).toLocaleString()} rows/s`;

function generate(path, rows) {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const lines = [`${FEATURES.join(",")},y`];
  for (let i = 0; i < rows; i++) {
    let line = "";
    for (let j = 0; j < 10; j++) line += `${((rand() - 0.5) * 4).toFixed(4)},`;
    lines.push(`${line}${rand() < 0.5 ? 1 : 0}`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

const dir = await mkdtemp(join(tmpdir(), "bench-transform-"));
const emulator = await startEmulator({ dataDir: join(dir, "emulator") });
const config = emulatorClientConfig(emulator);
const target = createSageMakerTarget({
  ...config,
  role: "arn:aws:iam::000000000000:role/bench",
  poll: { intervalMs: 200, maxIntervalMs: 500 },
});
const sm = new SageMakerClient(config);
try {
  const tarball = join(dir, "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: modelDir }, ["inference.mjs"]);
  const s3 = new S3Client(config);
  // The target's default bucket, which deploy and the transform also use.
  const bucket = `sagemaker-${emulator.region}-${emulator.accountId}`;
  await ensureBucket(s3, bucket, emulator.region);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "bench/model.tar.gz", Body: readFileSync(tarball) }),
  );
  s3.destroy();
  await target.deploy({
    name: "bench",
    model: {
      modelData: `s3://${bucket}/bench/model.tar.gz`,
      sourceDir: modelDir,
      entryPoint: "inference.mjs",
    },
  });
  const data = join(dir, "data.csv");
  generate(data, ROWS);
  const one = join(dir, "one.csv");
  generate(one, 1);
  const common = { features: FEATURES, label: "y" };
  console.log(`${ROWS.toLocaleString()} rows x 10 features; ${INSTANCES} transform instances; ${loadNote()}`);

  let t = performance.now();
  const model = createModelSource({ invoker: await target.invoker("bench"), features: FEATURES });
  const a = await score({ ...common, data, model, out: join(dir, "client.csv"), concurrency: CONCURRENCY });
  const aMs = performance.now() - t;
  console.log(`(a) client-side score(): ${rate(a.rows, aMs)} (${(aMs / 1000).toFixed(1)} s); ${loadNote()}`);

  t = performance.now();
  const b = await scoreByTransform({
    ...common,
    data,
    out: join(dir, "transform.csv"),
    transformer: target.transformer,
    model: { deployment: "bench" },
    instanceCount: INSTANCES,
    maxConcurrentTransforms: CONCURRENCY,
  });
  const bMs = performance.now() - t;
  const job = await sm.send(new DescribeTransformJobCommand({ TransformJobName: b.job }));
  const jobMs = job.TransformEndTime.getTime() - job.TransformStartTime.getTime();
  const startMs = job.TransformStartTime.getTime() - job.CreationTime.getTime();
  console.log(
    `(b) scoreByTransform(): ${rate(b.rows, bMs)} end to end (${(bMs / 1000).toFixed(1)} s), b/a ${(aMs / bMs).toFixed(2)}; ` +
      `inside the job ${rate(b.rows, jobMs)} (job/a ${(aMs / jobMs).toFixed(2)}), instances up after ${(startMs / 1000).toFixed(1)} s; ${loadNote()}`,
  );
  const same = JSON.stringify(a.metrics?.rocAuc) === JSON.stringify(b.metrics?.rocAuc);
  console.log(
    `    metrics: ROC AUC client ${a.metrics?.rocAuc}, transform ${b.metrics?.rocAuc} (${same ? "same" : "DIFFERENT"})`,
  );

  t = performance.now();
  await scoreByTransform({
    ...common,
    data: one,
    transformer: target.transformer,
    model: { deployment: "bench" },
  });
  console.log(
    `(c) one-row transform job, job start to first record: ${((performance.now() - t) / 1000).toFixed(1)} s wall-clock; ${loadNote()}`,
  );
} finally {
  sm.destroy();
  await target.close();
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
