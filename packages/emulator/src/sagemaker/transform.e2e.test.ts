// Batch transform through the real AWS SDK v3 clients against startEmulator(): input objects in S3,
// CreateTransformJob doing the work on model-server processes, outputs and logs read back over the wire.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopTransformJobCommand,
  waitUntilTrainingJobCompletedOrStopped,
  waitUntilTransformJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../index.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const BUCKET = "transform-e2e";
const EXAMPLES = resolve(fileURLToPath(new URL("../../../../examples", import.meta.url)));
const DATA = join(EXAMPLES, "sklearn-breast-cancer", "data");
// Label first, then the 30 features; no header (batch transform splits every line into a record).
const ROWS = readFileSync(join(DATA, "test.csv"), "utf8").trim().split("\n").slice(1);
const WAIT = { minDelay: 0.2, maxDelay: 1 };

// A model that answers, for every row, how many rows its request carried (and can be slowed down).
const BATCH_SIZE_MODEL = `
export function modelFn() { return { delayMs: Number(process.env.DELAY_MS ?? 0) }; }
export async function predictFn(rows, model) {
  if (model.delayMs) await new Promise((r) => setTimeout(r, model.delayMs));
  return rows.map(() => rows.length);
}
`;

let emulator: Emulator;
let s3: S3Client;
let sm: SageMakerClient;
let logs: CloudWatchLogsClient;

async function put(key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function get(key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return answer.Body?.transformToString() ?? "";
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key as string).sort();
}

async function tarball(name: string, files: Record<string, string>): Promise<Buffer> {
  const dir = tempDir();
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const out = join(tempDir(), name);
  await createTar({ gzip: true, file: out, cwd: dir }, Object.keys(files));
  return readFileSync(out);
}

function transformJob(
  name: string,
  model: string,
  input: string,
  extra: Partial<CreateTransformJobCommandInput> = {},
): CreateTransformJobCommandInput {
  return {
    TransformJobName: name,
    ModelName: model,
    BatchStrategy: "MultiRecord",
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/${input}` } },
      ContentType: "text/csv",
      SplitType: "Line",
    },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/out/${name}`, Accept: "text/csv", AssembleWith: "Line" },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    ...extra,
  };
}

async function runToEnd(input: CreateTransformJobCommandInput) {
  await sm.send(new CreateTransformJobCommand(input));
  await waitUntilTransformJobCompletedOrStopped(
    { client: sm, maxWaitTime: 180, ...WAIT },
    { TransformJobName: input.TransformJobName },
  ).catch(() => {}); // a Failed job ends the waiter with an error; the describe below is what is checked
  return sm.send(new DescribeTransformJobCommand({ TransformJobName: input.TransformJobName }));
}

async function logStreams(job: string): Promise<string[]> {
  const answer = await logs.send(
    new DescribeLogStreamsCommand({
      logGroupName: "/aws/sagemaker/TransformJobs",
      logStreamNamePrefix: `${job}/`,
    }),
  );
  return (answer.logStreams ?? []).map((s) => s.logStreamName as string).sort();
}

async function logText(stream: string): Promise<string> {
  const answer = await logs.send(
    new GetLogEventsCommand({
      logGroupName: "/aws/sagemaker/TransformJobs",
      logStreamName: stream,
      startFromHead: true,
    }),
  );
  return (answer.events ?? []).map((e) => e.message).join("\n");
}

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sm = new SageMakerClient(config);
  logs = new CloudWatchLogsClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The Node example, trained by the emulator: the model every job below scores with.
  await put(
    "code/node.tar.gz",
    await tarball("sourcedir.tar.gz", {
      "train.mjs": readFileSync(join(EXAMPLES, "node-breast-cancer", "train.mjs"), "utf8"),
      "inference.mjs": readFileSync(join(EXAMPLES, "node-breast-cancer", "inference.mjs"), "utf8"),
    }),
  );
  await put("data/train/train.csv", readFileSync(join(DATA, "train.csv")));
  await put("data/test/test.csv", readFileSync(join(DATA, "test.csv")));
  await sm.send(
    new CreateTrainingJobCommand({
      TrainingJobName: "node-train",
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: NODE_RUNTIME_IMAGE, TrainingInputMode: "File" },
      HyperParameters: {
        sagemaker_program: '"train.mjs"',
        sagemaker_submit_directory: `"s3://${BUCKET}/code/node.tar.gz"`,
      },
      InputDataConfig: ["train", "test"].map((channel) => ({
        ChannelName: channel,
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/data/${channel}/` } },
      })),
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/jobs` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    }),
  );
  await waitUntilTrainingJobCompletedOrStopped(
    { client: sm, maxWaitTime: 120, ...WAIT },
    { TrainingJobName: "node-train" },
  );
  const trained = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "node-train" }));
  await sm.send(
    new CreateModelCommand({
      ModelName: "node-model",
      ExecutionRoleArn: ROLE,
      PrimaryContainer: {
        Image: NODE_RUNTIME_IMAGE,
        ModelDataUrl: trained.ModelArtifacts?.S3ModelArtifacts,
        Environment: {
          SAGEMAKER_PROGRAM: "inference.mjs",
          SAGEMAKER_SUBMIT_DIRECTORY: `s3://${BUCKET}/code/node.tar.gz`,
        },
      },
    }),
  );
  await put(
    "code/batch-size.tar.gz",
    await tarball("sourcedir.tar.gz", { "inference.mjs": BATCH_SIZE_MODEL }),
  );
  await put("models/empty.tar.gz", await tarball("model.tar.gz", { "model.json": "{}" }));
  for (const [name, env] of [
    ["batch-size", {}],
    ["slow", { DELAY_MS: "200" }],
  ] as const) {
    await sm.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: {
          Image: NODE_RUNTIME_IMAGE,
          ModelDataUrl: `s3://${BUCKET}/models/empty.tar.gz`,
          Environment: {
            SAGEMAKER_PROGRAM: "inference.mjs",
            SAGEMAKER_SUBMIT_DIRECTORY: `s3://${BUCKET}/code/batch-size.tar.gz`,
            ...env,
          },
        },
      }),
    );
  }
  // Three input objects, one in a sub-folder: their keys name the outputs.
  await put("in/part-1.csv", `${ROWS.slice(0, 50).join("\n")}\n`);
  await put("in/part-2.csv", `${ROWS.slice(50, 90).join("\n")}\n`);
  await put("in/sub/part-3.csv", `${ROWS.slice(90).join("\n")}\n`);
}, 180_000);

afterAll(async () => {
  for (const client of [s3, sm, logs]) client?.destroy();
  await emulator?.stop();
});

const label = (row: string) => row.split(",")[0] as string;

describe("CreateTransformJob through the AWS SDK", () => {
  let joinedScores: string[] = [];

  it("shards input objects over 2 instances, joins each score with its input's label (InputFilter $[1:], OutputFilter $[0,-1])", async () => {
    const job = await runToEnd(
      transformJob("two-instances", "node-model", "in/", {
        MaxConcurrentTransforms: 2,
        TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 2 },
        DataProcessing: { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-1]" },
      }),
    );
    expect(job.FailureReason).toBeUndefined();
    expect(job.TransformJobStatus).toBe("Completed");
    expect(job.TransformJobArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:transform-job/two-instances");
    expect(job.TransformEndTime?.getTime()).toBeGreaterThanOrEqual(
      job.TransformStartTime?.getTime() ?? Infinity,
    );
    expect(await keys("out/two-instances/")).toEqual([
      "out/two-instances/part-1.csv.out",
      "out/two-instances/part-2.csv.out",
      "out/two-instances/sub/part-3.csv.out",
    ]);
    const lines = [
      ...(await get("out/two-instances/part-1.csv.out")).trim().split("\n"),
      ...(await get("out/two-instances/part-2.csv.out")).trim().split("\n"),
      ...(await get("out/two-instances/sub/part-3.csv.out")).trim().split("\n"),
    ];
    expect(lines.map((l) => l.split(",")[0])).toEqual(ROWS.map(label));
    joinedScores = lines.map((l) => l.split(",")[1] as string);
    const correct = lines.filter((l) => (Number(l.split(",")[1]) >= 0.5 ? "1" : "0") === l.split(",")[0]);
    expect(correct.length / lines.length).toBeGreaterThan(0.9);
    const streams = await logStreams("two-instances");
    expect(streams).toHaveLength(2);
    for (const s of streams) expect(s).toMatch(/^two-instances\/i-[0-9a-f]{17}$/);
    const text = (await Promise.all(streams.map(logText))).join("\n");
    expect(text).toContain("Transformed part-1.csv: 50 records");
    expect(text).toContain("Transformed sub/part-3.csv");
  }, 120_000);

  it("scores the same one record per request (SingleRecord) as in mini-batches, without a join", async () => {
    const job = await runToEnd(
      transformJob("single-record", "node-model", "in/", {
        BatchStrategy: "SingleRecord",
        DataProcessing: { InputFilter: "$[1:]" },
        TransformOutput: {
          S3OutputPath: `s3://${BUCKET}/out/single-record`,
          Accept: "text/csv",
          AssembleWith: "Line",
        },
      }),
    );
    expect(job.TransformJobStatus).toBe("Completed");
    const lines = [
      ...(await get("out/single-record/part-1.csv.out")).trim().split("\n"),
      ...(await get("out/single-record/part-2.csv.out")).trim().split("\n"),
      ...(await get("out/single-record/sub/part-3.csv.out")).trim().split("\n"),
    ];
    expect(lines).toEqual(joinedScores);
  }, 120_000);

  it("cuts mini-batches at MaxPayloadInMB, never mixing input files, and fails a record larger than the limit", async () => {
    // ~2.6 MB of 300-byte records in one object: at 1 MB per request that is at least 3 requests.
    const record = `${"1234567,".repeat(37)}1234`;
    const count = 9000;
    await put("big/records.csv", `${Array.from({ length: count }, () => record).join("\n")}\n`);
    await put("big/too-large.csv", `${"9".repeat(1024 * 1024 + 10)}\n`);
    const job = await runToEnd(
      transformJob("payload", "batch-size", "big/", { MaxPayloadInMB: 1, MaxConcurrentTransforms: 3 }),
    );
    expect(job.TransformJobStatus).toBe("Failed");
    expect(job.FailureReason).toMatch(
      /^ClientError: 1 of 2 input files failed; first: too-large\.csv: Record 1 is \d+ bytes, larger than MaxPayloadInMB \(1 MB\)/,
    );
    expect(await keys("out/payload/")).toEqual(["out/payload/records.csv.out"]);
    const sizes = (await get("out/payload/records.csv.out")).trim().split("\n").map(Number);
    expect(sizes).toHaveLength(count);
    // Every record reports the size of its request; consecutive records of one request report the same.
    const batches: number[] = [];
    for (let i = 0; i < sizes.length; i += sizes[i] as number) batches.push(sizes[i] as number);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(count);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    const perRecord = record.length + 1;
    for (const b of batches) expect(b * perRecord).toBeLessThanOrEqual(1024 * 1024);
    expect(batches[0]).toBe(Math.floor((1024 * 1024) / perRecord));
  }, 120_000);

  it("fails the job on a record the model rejects: no output for that file, the others still written", async () => {
    const bad = ROWS.slice(0, 10).map((r, i) => (i === 4 ? r.replace(/,[^,]+$/, ",oops") : r));
    await put("mixed/good.csv", `${ROWS.slice(0, 10).join("\n")}\n`);
    await put("mixed/bad.csv", `${bad.join("\n")}\n`);
    const job = await runToEnd(
      transformJob("rejected", "node-model", "mixed/", {
        DataProcessing: { InputFilter: "$[1:]" },
        ModelClientConfig: { InvocationsMaxRetries: 0 },
      }),
    );
    expect(job.TransformJobStatus).toBe("Failed");
    expect(job.FailureReason).toMatch(
      /^ClientError: 1 of 2 input files failed; first: bad\.csv: Records 1-10: Bad HTTP status received from algorithm: 5\d\d: Error: feature worst_fractal_dimension is not a number: oops/,
    );
    expect(await keys("out/rejected/")).toEqual(["out/rejected/good.csv.out"]);
    const streams = await logStreams("rejected");
    const dataLog = streams.find((s) => s.endsWith("/data-log")) as string;
    expect(await logText(dataLog)).toMatch(/is not a number: oops/);
    const listed = await sm.send(new ListTransformJobsCommand({ StatusEquals: "Failed" }));
    expect(listed.TransformJobSummaries?.map((s) => s.TransformJobName)).toContain("rejected");
  }, 120_000);

  it("stops a running job: Stopping, then Stopped, and no output", async () => {
    await put("slow/records.csv", `${Array.from({ length: 200 }, (_, i) => `${i}`).join("\n")}\n`);
    await sm.send(
      new CreateTransformJobCommand(
        transformJob("stopped", "slow", "slow/", { BatchStrategy: "SingleRecord" }),
      ),
    );
    for (let i = 0; i < 100; i++) {
      const d = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "stopped" }));
      if (d.TransformStartTime) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await sm.send(new StopTransformJobCommand({ TransformJobName: "stopped" }));
    const stopping = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "stopped" }));
    expect(["Stopping", "Stopped"]).toContain(stopping.TransformJobStatus);
    await waitUntilTransformJobCompletedOrStopped(
      { client: sm, maxWaitTime: 60, ...WAIT },
      { TransformJobName: "stopped" },
    );
    const stopped = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "stopped" }));
    expect(stopped.TransformJobStatus).toBe("Stopped");
    expect(await keys("out/stopped/")).toEqual([]);
  }, 120_000);

  it("rejects what SageMaker rejects at creation", async () => {
    const bad = sm.send(
      new CreateTransformJobCommand(
        transformJob("bad-filter", "node-model", "in/", { DataProcessing: { InputFilter: "$[0:2,5:]" } }),
      ),
    );
    await expect(bad).rejects.toThrow(/only single range filters/);
    const noModel = sm.send(new CreateTransformJobCommand(transformJob("no-model", "missing", "in/")));
    await expect(noModel).rejects.toThrow(/Could not find model/);
  });
});
