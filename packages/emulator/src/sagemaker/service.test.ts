// The SageMaker service driven through handle()/invokeEndpoint() with the real local runtime
// (@mlship/target-local) running the Node example: training, serving, stop, update, delete, faults.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsApiError } from "../aws-error.js";
import { createSageMakerService, type SageMakerService } from "./service.js";
import { directoryObjectStore, memoryLogStore } from "./test-support.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const EXAMPLES = resolve(fileURLToPath(new URL("../../../../examples", import.meta.url)));
const NODE_EXAMPLE = join(EXAMPLES, "node-breast-cancer");
const TRAIN_CSV = join(EXAMPLES, "sklearn-breast-cancer", "data", "train.csv");
// The first malignant row (label 1, first column) of the test set, label dropped: what the endpoint expects.
const FEATURE_ROW = (
  readFileSync(join(EXAMPLES, "sklearn-breast-cancer", "data", "test.csv"), "utf8")
    .split("\n")
    .find((line) => line.startsWith("1,")) as string
)
  .split(",")
  .slice(1)
  .join(",");

let dataDir: string;
let s3: ReturnType<typeof directoryObjectStore>;
let logs: ReturnType<typeof memoryLogStore>;
let sm: SageMakerService;
let modelData: string;

async function bundle(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(dataDir, "bundles", name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const tarball = join(dataDir, "bundles", `${name}.tar.gz`);
  await createTar({ gzip: true, file: tarball, cwd: dir }, Object.keys(files));
  const uri = `s3://bucket/${name}/source/sourcedir.tar.gz`;
  await s3.upload(tarball, uri);
  return uri;
}

const exampleFiles = () => ({
  "train.mjs": readFileSync(join(NODE_EXAMPLE, "train.mjs"), "utf8"),
  "inference.mjs": readFileSync(join(NODE_EXAMPLE, "inference.mjs"), "utf8"),
});

function trainingJob(name: string, sourceUri: string, extra: Record<string, unknown> = {}) {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: NODE_RUNTIME_IMAGE, TrainingInputMode: "File" },
    HyperParameters: {
      epochs: "200",
      sagemaker_program: '"train.mjs"',
      sagemaker_submit_directory: JSON.stringify(sourceUri),
    },
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: "s3://bucket/data/train/",
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
    ],
    OutputDataConfig: { S3OutputPath: "s3://bucket/output" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...extra,
  };
}

async function describeJob(name: string): Promise<Record<string, unknown>> {
  return (await sm.handle("DescribeTrainingJob", { TrainingJobName: name })) as Record<string, unknown>;
}

async function describeEndpoint(name: string): Promise<Record<string, unknown>> {
  return (await sm.handle("DescribeEndpoint", { EndpointName: name })) as Record<string, unknown>;
}

/** Polls until `check` returns a value (bounded). */
async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function awsError(promise: Promise<unknown>): Promise<AwsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsApiError);
  return error as AwsApiError;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function deployModel(
  endpoint: string,
  model: string,
  env: Record<string, string>,
  data = modelData,
): Promise<void> {
  await sm.handle("CreateModel", {
    ModelName: model,
    ExecutionRoleArn: ROLE,
    PrimaryContainer: { Image: NODE_RUNTIME_IMAGE, ModelDataUrl: data, Environment: env },
  });
  await sm.handle("CreateEndpointConfig", {
    EndpointConfigName: `${model}-config`,
    ProductionVariants: [
      { VariantName: "AllTraffic", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
    ],
  });
  await sm.handle("CreateEndpoint", { EndpointName: endpoint, EndpointConfigName: `${model}-config` });
}

beforeAll(async () => {
  dataDir = tempDir("mlship-sagemaker-");
  s3 = directoryObjectStore(join(dataDir, "s3"));
  logs = memoryLogStore();
  sm = createSageMakerService({
    region: "us-east-1",
    accountId: "000000000000",
    dataDir,
    objectStore: s3,
    logs,
  });
  await s3.upload(TRAIN_CSV, "s3://bucket/data/train/train.csv");
});

afterAll(async () => {
  await sm?.close();
});

describe("training jobs", () => {
  it("runs the Node example through the status sequence and uploads the artifacts", async () => {
    const source = await bundle("node-train", exampleFiles());
    const seen = new Set<string>();
    await sm.handle("CreateTrainingJob", trainingJob("node-train", source));
    const job = await until(async () => {
      const d = await describeJob("node-train");
      seen.add(`${d.TrainingJobStatus}/${d.SecondaryStatus}`);
      return d.TrainingJobStatus === "InProgress" ? undefined : d;
    }, "the job to end");
    expect(job.FailureReason).toBeUndefined();
    expect(job).toMatchObject({
      TrainingJobStatus: "Completed",
      SecondaryStatus: "Completed",
      ModelArtifacts: { S3ModelArtifacts: "s3://bucket/output/node-train/output/model.tar.gz" },
    });
    expect(
      seen.has("InProgress/Starting") ||
        seen.has("InProgress/Downloading") ||
        seen.has("InProgress/Training"),
    ).toBe(true);
    const transitions = job.SecondaryStatusTransitions as Array<{
      Status: string;
      StartTime: number;
      EndTime?: number;
      StatusMessage: string;
    }>;
    expect(transitions.map((t) => t.Status)).toEqual([
      "Starting",
      "Downloading",
      "Training",
      "Uploading",
      "Completed",
    ]);
    for (const t of transitions) expect(t.EndTime).toBeGreaterThanOrEqual(t.StartTime);
    expect(transitions[3]?.StatusMessage).toBe("Uploading generated training model");
    expect(job.BillableTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(job.TrainingEndTime as number).toBeGreaterThanOrEqual(job.TrainingStartTime as number);
    modelData = job.ModelArtifacts
      ? (job.ModelArtifacts as { S3ModelArtifacts: string }).S3ModelArtifacts
      : "";
    expect(readFileSync(s3.pathOf(modelData)).length).toBeGreaterThan(0);
    expect(
      readFileSync(s3.pathOf("s3://bucket/output/node-train/output/output.tar.gz")).length,
    ).toBeGreaterThan(0);

    const streams = logs.streams("/aws/sagemaker/TrainingJobs");
    expect(streams).toEqual([expect.stringMatching(/^node-train\/algo-1-\d{10}$/)]);
    const lines = logs.events("/aws/sagemaker/TrainingJobs").map((e) => e.message);
    expect(lines.some((l) => l.includes("training on 455 rows"))).toBe(true);
  });

  it("fails with the script's failure file as FailureReason", async () => {
    const source = await bundle("failing", {
      "train.mjs": [
        'import { writeFileSync } from "node:fs";',
        'console.log("about to fail");',
        'writeFileSync((process.env.SM_OUTPUT_DIR ?? "/opt/ml/output") + "/failure", "bad input: the train channel has no label column");',
        "process.exit(1);",
      ].join("\n"),
    });
    await sm.handle("CreateTrainingJob", trainingJob("failing-job", source));
    await sm.settled("training-job", "failing-job");
    const job = await describeJob("failing-job");
    expect(job).toMatchObject({ TrainingJobStatus: "Failed", SecondaryStatus: "Failed" });
    expect(job.FailureReason).toMatch(/^AlgorithmError: .*bad input: the train channel has no label column/s);
    expect(job.ModelArtifacts).toBeUndefined();
    const lines = logs.events("/aws/sagemaker/TrainingJobs").map((e) => e.message);
    expect(lines).toContain("about to fail");
  });

  it("stops a running job: Stopping, then Stopped, and the script's process is gone", async () => {
    const pidFile = join(dataDir, "sleeper.pid");
    const source = await bundle("sleeper", {
      "train.mjs": [
        'import { writeFileSync } from "node:fs";',
        `writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));`,
        'console.log("sleeping");',
        "setInterval(() => {}, 1000);",
      ].join("\n"),
    });
    await sm.handle("CreateTrainingJob", trainingJob("sleeper", source));
    const pid = await until(() => {
      try {
        return Number(readFileSync(pidFile, "utf8")) || undefined;
      } catch {
        return undefined;
      }
    }, "the script to start");
    expect(isAlive(pid)).toBe(true);
    await sm.handle("StopTrainingJob", { TrainingJobName: "sleeper" });
    const stopping = await describeJob("sleeper");
    expect(stopping).toMatchObject({ TrainingJobStatus: "Stopping", SecondaryStatus: "Stopping" });
    const again = await awsError(sm.handle("StopTrainingJob", { TrainingJobName: "sleeper" }));
    expect(again.message).toMatch(/in status Stopping/);
    await sm.settled("training-job", "sleeper");
    const stopped = await describeJob("sleeper");
    expect(stopped).toMatchObject({ TrainingJobStatus: "Stopped", SecondaryStatus: "Stopped" });
    expect(
      (stopped.SecondaryStatusTransitions as Array<{ Status: string }>).map((t) => t.Status).slice(-2),
    ).toEqual(["Stopping", "Stopped"]);
    await until(() => (isAlive(pid) ? undefined : true), "the script to exit");
  });

  it("stops a job that outlives MaxRuntimeInSeconds: Stopped with MaxRuntimeExceeded", async () => {
    const source = await bundle("slow", { "train.mjs": 'console.log("slow"); setInterval(() => {}, 1000);' });
    await sm.handle(
      "CreateTrainingJob",
      trainingJob("slow-job", source, { StoppingCondition: { MaxRuntimeInSeconds: 1 } }),
    );
    await sm.settled("training-job", "slow-job");
    const job = await describeJob("slow-job");
    expect(job).toMatchObject({ TrainingJobStatus: "Stopped", SecondaryStatus: "MaxRuntimeExceeded" });
    expect((job.SecondaryStatusTransitions as Array<{ Status: string }>).at(-1)?.Status).toBe(
      "MaxRuntimeExceeded",
    );
  });

  it("fails a running job on the fail-training-job fault", async () => {
    const source = await bundle("doomed", {
      "train.mjs": 'console.log("working"); setInterval(() => {}, 1000);',
    });
    await sm.handle("CreateTrainingJob", trainingJob("doomed", source));
    await until(
      async () => ((await describeJob("doomed")).SecondaryStatus === "Training" ? true : undefined),
      "training",
    );
    await sm.fault("fail-training-job", { TrainingJobName: "doomed", reason: "AlgorithmError: injected" });
    expect(await describeJob("doomed")).toMatchObject({
      TrainingJobStatus: "Failed",
      FailureReason: "AlgorithmError: injected",
    });
  });
});

describe("endpoints", () => {
  const inference = { SAGEMAKER_PROGRAM: "inference.mjs" };

  it("serves the trained model: Creating -> InService, invocations, logs", async () => {
    expect(modelData).toMatch(/model\.tar\.gz$/);
    const source = await bundle("node-serve", exampleFiles());
    await deployModel("node-endpoint", "node-model", { ...inference, SAGEMAKER_SUBMIT_DIRECTORY: source });
    expect(await describeEndpoint("node-endpoint")).toMatchObject({
      EndpointStatus: "Creating",
      EndpointConfigName: "node-model-config",
    });
    await sm.settled("endpoint", "node-endpoint");
    const described = await describeEndpoint("node-endpoint");
    expect(described.FailureReason).toBeUndefined();
    expect(described).toMatchObject({
      EndpointStatus: "InService",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          CurrentInstanceCount: 1,
          CurrentWeight: 1,
          DeployedImages: [{ SpecifiedImage: NODE_RUNTIME_IMAGE }],
        },
      ],
    });
    const answer = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
      accept: "application/json",
      customAttributes: "trace=1",
    });
    expect(answer.invokedVariant).toBe("AllTraffic");
    expect(answer.contentType).toMatch(/^application\/json/);
    const [probability] = JSON.parse(answer.body.toString("utf8")) as number[];
    expect(probability).toBeGreaterThan(0.5); // the row is malignant
    expect(probability).toBeLessThanOrEqual(1);
    expect(logs.streams("/aws/sagemaker/Endpoints/node-endpoint")).toEqual([
      expect.stringMatching(/^AllTraffic\/i-[0-9a-f]{17}$/),
    ]);
  });

  it("answers ModelError (424) with the model's status and message when the model rejects a request", async () => {
    const error = await awsError(
      sm.invokeEndpoint({
        endpointName: "node-endpoint",
        body: Buffer.from("1,2,3"),
        contentType: "text/csv",
      }),
    );
    expect(error.code).toBe("ModelError");
    expect(error.status).toBe(424);
    expect(error.extra.OriginalStatusCode).toBeGreaterThanOrEqual(400);
    expect(String(error.extra.OriginalMessage)).toMatch(/expected 30 features per row, got 3/);
    expect(error.extra.LogStreamArn).toBe(
      "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/node-endpoint",
    );
    expect(error.message).toMatch(/^Received (client|server) error \(\d{3}\) from primary with message "/);
  });

  it("updates without downtime: the old process serves until the new one is up", async () => {
    await sm.handle("CreateEndpointConfig", {
      EndpointConfigName: "node-config-v2",
      ProductionVariants: [
        {
          VariantName: "Blue",
          ModelName: "node-model",
          ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 },
        },
        // Weight 0: no traffic unless a request targets it.
        {
          VariantName: "Canary",
          ModelName: "node-model",
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
          InitialVariantWeight: 0,
        },
      ],
    });
    await sm.handle("UpdateEndpoint", {
      EndpointName: "node-endpoint",
      EndpointConfigName: "node-config-v2",
    });
    const updating = await describeEndpoint("node-endpoint");
    expect(updating).toMatchObject({
      EndpointStatus: "Updating",
      EndpointConfigName: "node-model-config",
      PendingDeploymentSummary: { EndpointConfigName: "node-config-v2" },
    });
    const again = await awsError(
      sm.handle("UpdateEndpoint", { EndpointName: "node-endpoint", EndpointConfigName: "node-config-v2" }),
    );
    expect(again.message).toMatch(/^Cannot update in-progress endpoint/);
    const variants: string[] = [];
    let failures = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const r = await sm.invokeEndpoint({
          endpointName: "node-endpoint",
          body: Buffer.from(FEATURE_ROW),
          contentType: "text/csv",
        });
        variants.push(r.invokedVariant);
      } catch {
        failures++;
      }
      if ((await describeEndpoint("node-endpoint")).EndpointStatus === "InService") break;
    }
    expect(failures).toBe(0);
    expect(variants[0]).toBe("AllTraffic");
    const done = await describeEndpoint("node-endpoint");
    expect(done).toMatchObject({
      EndpointStatus: "InService",
      EndpointConfigName: "node-config-v2",
      ProductionVariants: [
        {
          VariantName: "Blue",
          CurrentServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 },
          CurrentWeight: 1,
        },
        { VariantName: "Canary", CurrentInstanceCount: 1, CurrentWeight: 0 },
      ],
    });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    const after = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
    });
    expect(after.invokedVariant).toBe("Blue");
    const targeted = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
      targetVariant: "Canary",
    });
    expect(targeted.invokedVariant).toBe("Canary");
    const unknownVariant = await awsError(
      sm.invokeEndpoint({
        endpointName: "node-endpoint",
        body: Buffer.from(FEATURE_ROW),
        targetVariant: "Nope",
      }),
    );
    expect([unknownVariant.code, unknownVariant.status]).toEqual(["ValidationError", 400]);
  });

  it("rolls back a failed update: back InService on the running config, with the reason", async () => {
    const broken = await bundle("broken-update", {
      "inference.mjs": 'export async function modelFn() { throw new Error("cannot read weights"); }\n',
    });
    await sm.handle("CreateModel", {
      ModelName: "unloadable",
      PrimaryContainer: {
        Image: NODE_RUNTIME_IMAGE,
        ModelDataUrl: modelData,
        Environment: { ...inference, SAGEMAKER_SUBMIT_DIRECTORY: broken },
      },
    });
    await sm.handle("CreateEndpointConfig", {
      EndpointConfigName: "unloadable-config",
      ProductionVariants: [
        {
          VariantName: "Green",
          ModelName: "unloadable",
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        },
      ],
    });
    await sm.handle("UpdateEndpoint", {
      EndpointName: "node-endpoint",
      EndpointConfigName: "unloadable-config",
    });
    await sm.settled("endpoint", "node-endpoint");
    const described = await describeEndpoint("node-endpoint");
    expect(described).toMatchObject({ EndpointStatus: "InService", EndpointConfigName: "node-config-v2" });
    expect(described.FailureReason).toMatch(/production variant Green .*cannot read weights/s);
    const ok = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
    });
    expect(ok.invokedVariant).toBe("Blue");
  });

  it("crash-endpoint makes invocations fail until an update replaces the process", async () => {
    const crashed = (await sm.fault("crash-endpoint", { EndpointName: "node-endpoint" })) as {
      KilledPids: number[];
    };
    expect(crashed.KilledPids.length).toBeGreaterThan(0);
    const error = await awsError(
      sm.invokeEndpoint({
        endpointName: "node-endpoint",
        body: Buffer.from(FEATURE_ROW),
        contentType: "text/csv",
      }),
    );
    expect(error.code).toBe("ModelError");
    await sm.handle("UpdateEndpoint", {
      EndpointName: "node-endpoint",
      EndpointConfigName: "node-config-v2",
    });
    await sm.settled("endpoint", "node-endpoint");
    const ok = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
    });
    expect(ok.status).toBe(200);

    // With ReplaceAfterSeconds the emulator replaces the dead process by itself, on a new instance.
    const before = sm.processes("node-endpoint");
    await sm.fault("crash-endpoint", { EndpointName: "node-endpoint", ReplaceAfterSeconds: 0.2 });
    await expect(
      sm.invokeEndpoint({
        endpointName: "node-endpoint",
        body: Buffer.from(FEATURE_ROW),
        contentType: "text/csv",
      }),
    ).rejects.toMatchObject({
      code: "ModelError",
    });
    const healed = await until(
      () =>
        sm
          .invokeEndpoint({
            endpointName: "node-endpoint",
            body: Buffer.from(FEATURE_ROW),
            contentType: "text/csv",
          })
          .catch(() => undefined),
      "the replacement to serve",
    );
    expect(healed.invokedVariant).toBe("Blue");
    const canary = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
      targetVariant: "Canary",
    });
    expect(canary.invokedVariant).toBe("Canary");
    expect(sm.processes("node-endpoint").some((pid) => before.includes(pid))).toBe(false);
    expect(await describeEndpoint("node-endpoint")).toMatchObject({ EndpointStatus: "InService" });
  });

  it("fails an endpoint whose model cannot load, with the load error as FailureReason", async () => {
    const source = await bundle("broken-serve", {
      "inference.mjs": 'export async function modelFn() { throw new Error("model.json is corrupt"); }\n',
    });
    await deployModel("broken-endpoint", "broken-model", {
      ...inference,
      SAGEMAKER_SUBMIT_DIRECTORY: source,
    });
    await sm.settled("endpoint", "broken-endpoint");
    const described = await describeEndpoint("broken-endpoint");
    expect(described.EndpointStatus).toBe("Failed");
    expect(described.FailureReason).toMatch(
      /production variant AllTraffic did not pass the ping health check: .*model\.json is corrupt/s,
    );
    const invoke = await awsError(
      sm.invokeEndpoint({ endpointName: "broken-endpoint", body: Buffer.from("1") }),
    );
    expect(invoke.code).toBe("ValidationError");
  });

  it("serves code shipped inside model.tar.gz (SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code)", async () => {
    const dir = join(dataDir, "repacked");
    mkdirSync(join(dir, "code"), { recursive: true });
    writeFileSync(join(dir, "model.json"), JSON.stringify({ answer: 42 }));
    writeFileSync(
      join(dir, "code", "inference.mjs"),
      [
        'import { readFileSync } from "node:fs";',
        'export function modelFn(modelDir) { return JSON.parse(readFileSync(modelDir + "/model.json", "utf8")); }',
        "export function predictFn(input, model) { return [model.answer]; }",
      ].join("\n"),
    );
    const tarball = join(dataDir, "repacked.tar.gz");
    await createTar({ gzip: true, file: tarball, cwd: dir }, ["model.json", "code"]);
    await s3.upload(tarball, "s3://bucket/repacked/model.tar.gz");
    await deployModel(
      "repacked",
      "repacked-model",
      { ...inference, SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code" },
      "s3://bucket/repacked/model.tar.gz",
    );
    await sm.settled("endpoint", "repacked");
    expect(await describeEndpoint("repacked")).toMatchObject({ EndpointStatus: "InService" });
    const answer = await sm.invokeEndpoint({
      endpointName: "repacked",
      body: Buffer.from("1,2"),
      contentType: "text/csv",
    });
    expect(JSON.parse(answer.body.toString("utf8"))).toEqual([42]);
    await sm.handle("DeleteEndpoint", { EndpointName: "repacked" });
    await sm.settled("endpoint", "repacked");
  });

  it("throttles a serverless endpoint beyond its MaxConcurrency", async () => {
    const slow = await bundle("slow-serve", {
      "inference.mjs": [
        "export async function modelFn() { return {}; }",
        "export async function predictFn(input) { await new Promise((r) => setTimeout(r, 300)); return [1]; }",
      ].join("\n"),
    });
    await sm.handle("CreateModel", {
      ModelName: "slow-model",
      PrimaryContainer: {
        Image: NODE_RUNTIME_IMAGE,
        ModelDataUrl: modelData,
        Environment: { ...inference, SAGEMAKER_SUBMIT_DIRECTORY: slow },
      },
    });
    await sm.handle("CreateEndpointConfig", {
      EndpointConfigName: "slow-config",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: "slow-model",
          ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
        },
      ],
    });
    await sm.handle("CreateEndpoint", { EndpointName: "slow-endpoint", EndpointConfigName: "slow-config" });
    await sm.settled("endpoint", "slow-endpoint");
    expect(await describeEndpoint("slow-endpoint")).toMatchObject({ EndpointStatus: "InService" });
    const call = () =>
      sm.invokeEndpoint({ endpointName: "slow-endpoint", body: Buffer.from("1"), contentType: "text/csv" });
    const [first, second] = await Promise.allSettled([call(), call()]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    const error = (second as PromiseRejectedResult).reason as AwsApiError;
    expect([error.code, error.message]).toEqual(["ThrottlingException", "Rate exceeded"]);
    expect((await call()).status).toBe(200);
    await sm.handle("DeleteEndpoint", { EndpointName: "slow-endpoint" });
    await sm.settled("endpoint", "slow-endpoint");
  });

  it("comes back InService after a restart, then deletes: Deleting, gone, process stopped", async () => {
    await sm.close();
    sm = createSageMakerService({
      region: "us-east-1",
      accountId: "000000000000",
      dataDir,
      objectStore: s3,
      logs,
    });
    await sm.restore();
    expect(await describeEndpoint("node-endpoint")).toMatchObject({
      EndpointStatus: "InService",
      EndpointConfigName: "node-config-v2",
    });
    expect(await describeEndpoint("broken-endpoint")).toMatchObject({ EndpointStatus: "Failed" });
    const ok = await sm.invokeEndpoint({
      endpointName: "node-endpoint",
      body: Buffer.from(FEATURE_ROW),
      contentType: "text/csv",
    });
    expect(ok.invokedVariant).toBe("Blue");

    const pids = sm.processes("node-endpoint");
    expect(pids.length).toBeGreaterThan(0);
    await sm.handle("DeleteEndpoint", { EndpointName: "node-endpoint" });
    expect(await describeEndpoint("node-endpoint")).toMatchObject({ EndpointStatus: "Deleting" });
    await sm.settled("endpoint", "node-endpoint");
    const gone = await awsError(sm.handle("DescribeEndpoint", { EndpointName: "node-endpoint" }));
    expect(gone.message).toMatch(/^Could not find endpoint/);
    const invoke = await awsError(
      sm.invokeEndpoint({ endpointName: "node-endpoint", body: Buffer.from(FEATURE_ROW) }),
    );
    expect(invoke.message).toBe("Endpoint node-endpoint of account 000000000000 not found.");
    await until(() => (pids.some(isAlive) ? undefined : true), "the serving processes to exit");
  });
});
