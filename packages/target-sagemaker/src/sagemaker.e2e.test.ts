// End to end: the production SageMaker code path (real AWS SDK v3 clients over HTTP) against the emulator.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import {
  collectingSink,
  createContainer,
  createTargetPlugin,
  encodeNpy,
  ModelResolverToken,
  resolveDeployTarget,
  resolveTrainTarget,
  type Values,
} from "@mlship/core";
import { createS3Client, downloadAndExtract, parseS3Uri } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig } from "@mlship/emulator";
import { mlshipRejection, tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import plugin, { createSageMakerTarget, type SageMakerTarget } from "./index.js";
import { ROLE, startTargetOnEmulator, stopTargetOnEmulator } from "./test/target-on-emulator.js";

const EXAMPLES = resolve(fileURLToPath(new URL("../../../examples", import.meta.url)));
const NODE_EXAMPLE = join(EXAMPLES, "node-breast-cancer");
const SKLEARN_EXAMPLE = join(EXAMPLES, "sklearn-breast-cancer");
const DATA = join(SKLEARN_EXAMPLE, "data");
// Label first: target,<30 features>.
const TEST_ROWS = readFileSync(join(DATA, "test.csv"), "utf8").trim().split("\n").slice(1);
const FEATURES: number[][] = TEST_ROWS.map((r) => r.split(",").slice(1).map(Number));
const LABELS = TEST_ROWS.map((r) => Number(r.split(",")[0]));

let emulator: Emulator;
let target: SageMakerTarget;
let sm: SageMakerClient;
let nodeJob: string;

const accuracy = (probabilities: number[], labels: number[]) =>
  probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === labels[i]).length / labels.length;

/** Keys of everything a training call puts in the default bucket for `jobName`: code, output, staged data. */
async function keysOfJob(jobName: string): Promise<string[]> {
  const s3 = createS3Client(emulatorClientConfig(emulator));
  const keys: string[] = [];
  try {
    for (const Prefix of [`${jobName}/`, `mlship-data/${jobName}/`]) {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: `sagemaker-${emulator.region}-${emulator.accountId}`, Prefix }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    }
  } finally {
    s3.destroy();
  }
  return keys;
}

async function addFault(rule: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator.endpoint}/_mlship/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  expect(res.status).toBe(201);
}

/** model.tar.gz + inference code whose modelFn throws: an endpoint that cannot load. */
async function brokenModel(): Promise<{ modelData: string; sourceDir: string; entryPoint: string }> {
  const sourceDir = tempDir();
  writeFileSync(
    join(sourceDir, "broken.mjs"),
    'export async function modelFn() { throw new Error("cannot load model: corrupt"); }\n',
  );
  const modelDir = tempDir();
  writeFileSync(join(modelDir, "model.json"), "{}");
  const tarball = join(tempDir(), "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: modelDir }, ["model.json"]);
  const run = await target.describe(nodeJob);
  const modelData = (run.modelArtifact as string).replace(/model\.tar\.gz$/, "broken-model.tar.gz");
  await emulator.objectStore.upload(tarball, modelData);
  return { modelData, sourceDir, entryPoint: "broken.mjs" };
}

beforeAll(async () => {
  ({ emulator, target, sm } = await startTargetOnEmulator());
}, 60_000);

afterAll(() => stopTargetOnEmulator({ emulator, target, sm }), 60_000);

describe("training", () => {
  it("trains the Node example from an s3:// channel: uploads code, streams status and logs", async () => {
    const s3 = createS3Client(emulatorClientConfig(emulator));
    await s3.send(new CreateBucketCommand({ Bucket: "e2e-data" }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "e2e-data",
        Key: "bc/train/train.csv",
        Body: readFileSync(join(DATA, "train.csv")),
      }),
    );
    s3.destroy();
    const events = collectingSink();
    const run = await target.train(
      {
        entryPoint: "train.mjs",
        sourceDir: NODE_EXAMPLE,
        channels: { train: "s3://e2e-data/bc/train/" },
        hyperparameters: { epochs: 200 },
      },
      { events },
    );
    nodeJob = run.jobName;
    expect(run.status).toBe("Completed");
    expect(run.jobName).toMatch(/^train-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}$/);
    const bucket = `sagemaker-${emulator.region}-${emulator.accountId}`;
    expect(run.modelArtifact).toBe(`s3://${bucket}/${run.jobName}/output/model.tar.gz`);
    expect(run.sourceBundle).toBe(`s3://${bucket}/${run.jobName}/source/sourcedir.tar.gz`);
    expect(run.framework).toBe("node");

    // The wire the SDK convention prescribes.
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: run.jobName }));
    expect(d.HyperParameters).toMatchObject({
      epochs: "200",
      sagemaker_program: '"train.mjs"',
      sagemaker_submit_directory: JSON.stringify(run.sourceBundle),
      sagemaker_container_log_level: "20",
      sagemaker_job_name: JSON.stringify(run.jobName),
      sagemaker_region: JSON.stringify(emulator.region),
    });
    expect(d.OutputDataConfig?.S3OutputPath).toBe(`s3://${bucket}/`);
    // What was sent, plus the channel defaults SageMaker's DescribeTrainingJob fills in.
    expect(d.InputDataConfig?.[0]).toEqual({
      ChannelName: "train",
      CompressionType: "None",
      RecordWrapperType: "None",
      DataSource: {
        S3DataSource: {
          S3DataType: "S3Prefix",
          S3Uri: "s3://e2e-data/bc/train/",
          S3DataDistributionType: "FullyReplicated",
        },
      },
    });

    const statuses = events.of("training.status");
    expect(statuses.at(-1)).toMatchObject({ status: "Completed" });
    expect(new Set(statuses.map((s) => s.secondaryStatus)).size).toBeGreaterThan(1);
    const keys = statuses.map((s) => `${s.status}/${s.secondaryStatus}`);
    expect(keys.filter((k, i) => k === keys[i - 1])).toEqual([]); // transitions only
    const logs = events.of("training.log");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((l) => l.stream?.startsWith(`${run.jobName}/algo-1`))).toBe(true);
    const times = logs.map((l) => l.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }, 90_000);

  it("describes, lists, reads logs and downloads the artifacts of a finished job", async () => {
    const described = await target.describe(nodeJob);
    expect(described).toMatchObject({ jobName: nodeJob, status: "Completed", entryPoint: "train.mjs" });
    expect(described.hyperparameters).toEqual({ epochs: "200" });
    const listed = await target.listTrainingJobs({ nameContains: nodeJob });
    expect(listed.map((r) => r.jobName)).toEqual([nodeJob]);
    const lines = [];
    for await (const line of target.logs(nodeJob)) lines.push(line);
    expect(lines.length).toBeGreaterThan(0);
    const dir = tempDir();
    const files = await target.downloadArtifacts(nodeJob, dir);
    expect(files.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, "model.json"), "utf8")).weights).toHaveLength(30);
    // output.tar.gz (SM_OUTPUT_DATA_DIR) lands beside it, under output/.
    expect(existsSync(join(dir, "output", "metrics.json"))).toBe(true);
    await expect(target.describe("no-such-job")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  }, 30_000);

  it("rejects a failing job with E_TRAINING_FAILED, the reason and the last log lines", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "fail.mjs"), 'console.log("about to fail: bad input");\nprocess.exit(3);\n');
    const err = await mlshipRejection(target.train({ entryPoint: "fail.mjs", sourceDir: dir }));
    expect(err.code).toBe("E_TRAINING_FAILED");
    expect(err.details?.failureReason).toBeTruthy();
    expect(err.message).toContain("about to fail: bad input");
    expect(err.details?.lastLogLines).toContain("about to fail: bad input");
    // The CLI command first; the method and the group for code that runs without the CLI.
    const job = err.details?.jobName as string;
    expect(err.hint).toBe(
      `Its log says why: \`mlship jobs logs ${job}\` (the training target's logs() in code; CloudWatch group /aws/sagemaker/TrainingJobs, streams ${job}/*).`,
    );
    const logged: string[] = [];
    for await (const event of target.logs(job)) logged.push(event.message);
    expect(logged).toContain("about to fail: bad input");
  }, 60_000);

  it("ships the entry point alone when no sourceDir is given, never the rest of its folder", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "alone.mjs"), 'console.log("trained");\n');
    mkdirSync(join(dir, ".aws"));
    writeFileSync(join(dir, ".aws", "credentials"), "[default]\naws_secret_access_key = not-for-s3\n");
    writeFileSync(join(dir, "notes.txt"), "private\n");
    const run = await target.train({ entryPoint: join(dir, "alone.mjs") });
    expect(run.status).toBe("Completed");
    const s3 = createS3Client(emulatorClientConfig(emulator));
    const code = tempDir();
    try {
      const bucket = `sagemaker-${emulator.region}-${emulator.accountId}`;
      const files = await downloadAndExtract(
        s3,
        `s3://${bucket}/${run.jobName}/source/sourcedir.tar.gz`,
        code,
      );
      expect(files).toEqual([join(code, "alone.mjs")]);
    } finally {
      s3.destroy();
    }
  }, 60_000);

  it("stops the job when aborted during training and rejects with E_ABORTED", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "slow.mjs"),
      'console.log("training slowly");\nawait new Promise((r) => setTimeout(r, 120_000));\n',
    );
    const controller = new AbortController();
    const events = collectingSink();
    const sink = (e: Parameters<typeof events>[0]) => {
      events(e);
      if (e.type === "training.log" && e.message.includes("training slowly")) controller.abort();
    };
    const err = await mlshipRejection(
      target.train(
        { entryPoint: "slow.mjs", sourceDir: dir, baseJobName: "slow" },
        { events: sink, signal: controller.signal },
      ),
    );
    expect(err.code).toBe("E_ABORTED");
    const job = events.of("training.status")[0]?.job as string;
    expect((await target.describe(job)).status).toBe("Stopped");
  }, 60_000);

  it("starts without waiting, then follows the job's logs to the end", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "count.mjs"), 'for (let i = 1; i <= 3; i++) console.log("line " + i);\n');
    const run = await target.train({ entryPoint: "count.mjs", sourceDir: dir, wait: false });
    expect(run.status).toBe("InProgress");
    const lines: string[] = [];
    for await (const event of target.logs(run.jobName, { follow: true })) lines.push(event.message);
    expect(lines.filter((l) => l.startsWith("line "))).toEqual(["line 1", "line 2", "line 3"]);
    expect((await target.describe(run.jobName)).status).toBe("Completed");
  }, 60_000);

  it("the plugin provides the training and deployment views and the model resolver", async () => {
    const container = createContainer();
    const { endpoint, region, credentials } = emulatorClientConfig(emulator);
    const found = { name: plugin.name, specifier: "@mlship/target-sagemaker", resolved: "", plugin };
    const config = { endpoint, region, credentials, role: ROLE, maxAttempts: "2" };
    const loaded = await createTargetPlugin(found, { config }, container);
    expect(loaded.options).toMatchObject({ role: ROLE, maxAttempts: 2 });
    const training = resolveTrainTarget(container, "sagemaker");
    const deployment = resolveDeployTarget(container, "sagemaker");
    expect((await training.list({ nameContains: nodeJob })).map((r) => r.jobName)).toEqual([nodeJob]);
    expect(await deployment.list({ nameContains: "no-such-endpoint" })).toEqual([]);
    const [models] = container.resolveAll(ModelResolverToken);
    expect(await models?.resolve(nodeJob)).toMatchObject({ jobName: nodeJob, entryPoint: "train.mjs" });
    const typo = createTargetPlugin(
      found,
      { config: { ...config, regoin: "x" }, configFile: "mlship.config.json" },
      container,
    );
    await expect(typo).rejects.toMatchObject({
      code: "E_CONFIG",
      where: "mlship.config.json#targets.sagemaker.regoin",
    });
  });

  it("checks limits, channels and hyperparameters before uploading code or staging data", async () => {
    const base = {
      entryPoint: "train.mjs",
      sourceDir: NODE_EXAMPLE,
      channels: { train: join(DATA, "train.csv") },
    };
    const cases: [string, Record<string, unknown>][] = [
      ["instanceCount", { instanceCount: 0 }],
      ["volumeSizeGb", { volumeSizeGb: -1 }],
      ["spot.maxWaitSeconds", { spot: { maxWaitSeconds: 10 }, maxRuntimeSeconds: 100 }],
      ["channels.bad name", { channels: { ...base.channels, "bad name": "s3://e2e-data/bc/" } }],
      ["x", { channels: { ...base.channels, test: "s3://x/test/" } }],
      ["channels.test", { channels: { ...base.channels, test: { path: join(DATA, "test.csv") } } }],
      ["hyperparameters.seed", { hyperparameters: { seed: 1n } }],
    ];
    for (const [where, extra] of cases) {
      const jobName = `precheck-${where.replace(/\W/g, "-")}`;
      const err = await mlshipRejection(target.train({ ...base, ...extra, jobName } as never));
      expect([err.code, err.where]).toEqual(["E_INVALID_INPUT", where]);
      expect(await keysOfJob(jobName)).toEqual([]);
    }
  });

  it("removes the code and data it uploaded when staging a later channel fails", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty.csv"), "");
    const jobName = "staging-fails";
    const err = await mlshipRejection(
      target.train({
        entryPoint: "train.mjs",
        sourceDir: NODE_EXAMPLE,
        jobName,
        channels: { train: join(DATA, "train.csv"), test: join(dir, "empty.csv") },
      }),
    );
    expect(err.message).toMatch(/empty dataset/);
    expect(await keysOfJob(jobName)).toEqual([]);
  });

  it("refuses a job name in use before replacing that job's code bundle", async () => {
    const s3 = createS3Client(emulatorClientConfig(emulator));
    const { sourceBundle } = await target.describe(nodeJob);
    const { bucket, key } = parseS3Uri(sourceBundle as string);
    const etag = async () => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
    try {
      const before = await etag();
      const dir = tempDir();
      writeFileSync(join(dir, "train.mjs"), 'console.log("other code");\n');
      const err = await mlshipRejection(
        target.train({ entryPoint: "train.mjs", sourceDir: dir, jobName: nodeJob }),
      );
      expect(await etag()).toBe(before);
      expect([err.code, err.where]).toEqual(["E_ALREADY_EXISTS", "jobName"]);
    } finally {
      s3.destroy();
    }
  });

  it("stops waiting for a slow bucket lookup when aborted", async () => {
    const fresh = createSageMakerTarget({ ...emulatorClientConfig(emulator), role: ROLE });
    const controller = new AbortController();
    await addFault({ service: "sts", kind: "latency", latencyMs: 20_000 });
    try {
      setTimeout(() => controller.abort(), 100);
      const err = await mlshipRejection(
        fresh.train(
          { entryPoint: "train.mjs", sourceDir: NODE_EXAMPLE, jobName: "slow-bucket" },
          { signal: controller.signal },
        ),
      );
      expect(err.code).toBe("E_ABORTED");
      expect(await keysOfJob("slow-bucket")).toEqual([]);
    } finally {
      await fetch(`${emulator.endpoint}/_mlship/faults`, { method: "DELETE" });
      await fresh.close();
    }
  }, 10_000);

  it("rejects an unknown framework version before uploading anything", async () => {
    const err = await mlshipRejection(
      target.train({ entryPoint: "train.py", sourceDir: SKLEARN_EXAMPLE, frameworkVersion: "0.99" }),
    );
    expect(err.code).toBe("E_INVALID_INPUT");
    expect(err.hint).toContain("1.2-1");
  });

  it("reports missing credentials from the SDK default chain as E_CREDENTIALS", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config"), "");
    writeFileSync(join(dir, "credentials"), "");
    const keys = [
      "AWS_CONFIG_FILE",
      "AWS_SHARED_CREDENTIALS_FILE",
      "AWS_EC2_METADATA_DISABLED",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_PROFILE",
    ];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const anonymous = createSageMakerTarget({
      endpoint: emulator.endpoint,
      region: emulator.region,
      profile: "nobody",
    });
    try {
      const err = await mlshipRejection(anonymous.describe(nodeJob));
      expect(err.code).toBe("E_CREDENTIALS");
      expect(err.hint).toMatch(/credentials/i);
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await anonymous.close();
    }
  });

  it("refuses to start without a role", async () => {
    const config = emulatorClientConfig(emulator);
    const noRole = createSageMakerTarget({
      endpoint: config.endpoint,
      region: config.region,
      credentials: config.credentials,
    });
    const saved = process.env.MLSHIP_SAGEMAKER_ROLE;
    delete process.env.MLSHIP_SAGEMAKER_ROLE;
    try {
      const err = await mlshipRejection(noRole.train({ entryPoint: "train.mjs", sourceDir: NODE_EXAMPLE }));
      expect(err.code).toBe("E_CONFIG");
    } finally {
      if (saved !== undefined) process.env.MLSHIP_SAGEMAKER_ROLE = saved;
      await noRole.close();
    }
  });
});

describe("hosting", () => {
  const name = "e2e-node";

  it("reuses the training job's role when none is configured, as estimator.deploy() does", async () => {
    const config = emulatorClientConfig(emulator);
    const noRole = createSageMakerTarget({ ...config, poll: { intervalMs: 100, maxIntervalMs: 500 } });
    const saved = process.env.MLSHIP_SAGEMAKER_ROLE;
    delete process.env.MLSHIP_SAGEMAKER_ROLE;
    try {
      const dep = await noRole.deploy({
        name: "e2e-role",
        model: { trainingJob: nodeJob, entryPoint: "inference.mjs" },
        instanceType: "ml.m5.large",
      });
      const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: dep.name }));
      const endpointConfig = await sm.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
      );
      const model = await sm.send(
        new DescribeModelCommand({ ModelName: endpointConfig.ProductionVariants?.[0]?.ModelName }),
      );
      expect(model.ExecutionRoleArn).toBe(ROLE);
      await noRole.delete(dep.name);
    } finally {
      if (saved !== undefined) process.env.MLSHIP_SAGEMAKER_ROLE = saved;
      await noRole.close();
    }
  });

  it("deploys the Node model from its training job and invokes it with csv, json and npy", async () => {
    const events = collectingSink();
    const dep = await target.deploy(
      { name, model: { trainingJob: nodeJob, entryPoint: "inference.mjs" }, instanceType: "ml.m5.large" },
      { events },
    );
    expect(dep).toMatchObject({
      name,
      status: "InService",
      target: "sagemaker",
      instanceType: "ml.m5.large",
    });
    const statuses = events.of("deploy.status").map((e) => e.status);
    expect(statuses[0]).toBe("Creating");
    expect(statuses.at(-1)).toBe("InService");
    expect(statuses.filter((st, i) => st === statuses[i - 1])).toEqual([]); // transitions only

    const model = await sm.send(new DescribeModelCommand({ ModelName: dep.details?.modelName as string }));
    expect(model.PrimaryContainer?.Environment).toMatchObject({
      SAGEMAKER_PROGRAM: "inference.mjs",
      // The training job's own bundle: no second upload.
      SAGEMAKER_SUBMIT_DIRECTORY: (await target.describe(nodeJob)).sourceBundle,
      SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
      SAGEMAKER_REGION: emulator.region,
    });
    const config = await sm.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: dep.details?.endpointConfigName as string }),
    );
    expect(config.ProductionVariants?.[0]).toMatchObject({
      VariantName: "AllTraffic",
      InitialInstanceCount: 1,
    });
  }, 60_000);

  it("redeploys in place with new inference code, then removes the old config and model", async () => {
    const before = await target.get(name);
    const dep = await target.deploy({
      name,
      model: { trainingJob: nodeJob, sourceDir: NODE_EXAMPLE, entryPoint: "inference.mjs" },
    });
    expect(dep.status).toBe("InService");
    expect(dep.details?.endpointConfigName).not.toBe(before.details?.endpointConfigName);
    expect(dep.details?.program).toBe("inference.mjs");
    expect(dep.details?.submitDirectory).toBe(
      `s3://sagemaker-${emulator.region}-${emulator.accountId}/${dep.details?.modelName}/sourcedir.tar.gz`,
    );
    await expect(
      sm.send(
        new DescribeEndpointConfigCommand({
          EndpointConfigName: before.details?.endpointConfigName as string,
        }),
      ),
    ).rejects.toThrow();
    await expect(
      sm.send(new DescribeModelCommand({ ModelName: before.details?.modelName as string })),
    ).rejects.toThrow();
    expect((await target.listDeployments({ nameContains: name })).map((d) => d.name)).toEqual([name]);
  }, 60_000);

  it("invokes with csv, json and npy and gets sensible probabilities", async () => {
    const invoker = await target.invoker(name);
    const csv = (await invoker.predict(FEATURES, { contentType: "text/csv" })) as number[];
    expect(csv).toHaveLength(FEATURES.length);
    expect(csv.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(accuracy(csv, LABELS)).toBeGreaterThan(0.9);
    const json = (await invoker.predict(FEATURES.slice(0, 5), {
      contentType: "application/json",
      accept: "text/csv",
    })) as Values;
    expect((json as number[][]).flat()).toHaveLength(5);
    const npy = await invoker.invoke({
      body: encodeNpy(FEATURES.slice(0, 3)),
      contentType: "application/x-npy",
      accept: "application/json",
    });
    expect(JSON.parse(new TextDecoder().decode(npy.body))).toHaveLength(3);
  }, 30_000);

  it("keeps serving the previous model when an update cannot load, and drops the new config and model", async () => {
    const before = await target.get(name);
    const err = await mlshipRejection(target.deploy({ name, model: await brokenModel(), framework: "node" }));
    expect(err.code).toBe("E_DEPLOY_FAILED");
    expect(err.details?.updated).toBe(true);
    const after = await target.get(name);
    expect(after.status).toBe("InService");
    expect(after.details?.endpointConfigName).toBe(before.details?.endpointConfigName);
    const invoker = await target.invoker(name);
    expect(await invoker.predict(FEATURES.slice(0, 1))).toHaveLength(1);
  }, 60_000);

  it("maps a model's 4xx to E_MODEL_ERROR and refuses bodies over 6 MB up front", async () => {
    const invoker = await target.invoker(name);
    const err = await mlshipRejection(invoker.invoke({ body: "1,2,3\n", contentType: "text/csv" }));
    expect(err.code).toBe("E_MODEL_ERROR");
    expect(err.details?.originalStatusCode).toBeGreaterThanOrEqual(400);
    const big = await mlshipRejection(
      invoker.invoke({ body: new Uint8Array(6 * 1024 * 1024 + 1), contentType: "text/csv" }),
    );
    expect(big.code).toBe("E_PAYLOAD_TOO_LARGE");
    expect(big.hint).toMatch(/batch/);
  }, 30_000);

  it("retries throttled invocations through the SDK's retry strategy", async () => {
    const events = collectingSink();
    const invoker = await target.invoker(name, { events });
    await addFault({ service: "runtime.sagemaker", operation: "InvokeEndpoint", kind: "throttle", count: 2 });
    const ok = (await invoker.predict(FEATURES.slice(0, 2))) as number[];
    expect(ok).toHaveLength(2);
    expect(events.of("invoke.retry").map((r) => [r.attempt, r.reason])).toEqual([
      [2, "ThrottlingException"],
      [3, "ThrottlingException"],
    ]);
    await addFault({ service: "runtime.sagemaker", operation: "InvokeEndpoint", kind: "throttle", count: 3 });
    const err = await mlshipRejection(invoker.predict(FEATURES.slice(0, 2)));
    expect(err.code).toBe("E_THROTTLED");
  }, 30_000);

  it("updates only endpoints that exist", async () => {
    const err = await mlshipRejection(target.update("e2e-missing", { model: { trainingJob: nodeJob } }));
    expect(err.code).toBe("E_NOT_FOUND");
  });

  it("deletes endpoint, config and model; delete is idempotent", async () => {
    const dep = await target.get(name);
    await target.delete(name);
    await expect(target.get(name)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(
      sm.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: dep.details?.endpointConfigName as string }),
      ),
    ).rejects.toThrow();
    await expect(
      sm.send(new DescribeModelCommand({ ModelName: dep.details?.modelName as string })),
    ).rejects.toThrow();
    await target.delete(name);
    // The training data and code are untouched.
    const run = await target.describe(nodeJob);
    const { Bucket, Key } =
      /^s3:\/\/(?<Bucket>[^/]+)\/(?<Key>.+)$/.exec(run.sourceBundle as string)?.groups ?? {};
    const s3 = createS3Client(emulatorClientConfig(emulator));
    await s3.send(new HeadObjectCommand({ Bucket, Key }));
    s3.destroy();
  }, 60_000);

  it("fails a deployment whose model cannot load with E_DEPLOY_FAILED, then replaces the failed endpoint", async () => {
    const err = await mlshipRejection(
      target.deploy({ name: "e2e-broken", model: await brokenModel(), framework: "node" }),
    );
    expect(err.code).toBe("E_DEPLOY_FAILED");
    expect(err.message).toMatch(/cannot load model|Failed/);
    expect(err.details?.lastLogLines).toContain("Error: cannot load model: corrupt");
    expect((await target.get("e2e-broken")).status).toBe("Failed");
    // A failed endpoint cannot be updated: deploying to its name replaces it.
    const fixed = await target.deploy({
      name: "e2e-broken",
      model: { trainingJob: nodeJob, entryPoint: "inference.mjs" },
    });
    expect(fixed.status).toBe("InService");
    await target.delete("e2e-broken");
    await expect(target.get("e2e-broken")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  }, 60_000);
});

describe("scikit-learn", () => {
  it("trains the scikit-learn example, deploys it and scores the test set", async () => {
    const events = collectingSink();
    const run = await target.train(
      {
        entryPoint: "train.py",
        sourceDir: SKLEARN_EXAMPLE,
        framework: "sklearn",
        frameworkVersion: "1.2-1",
        channels: { train: join(DATA, "train.csv"), test: join(DATA, "test.csv") },
        hyperparameters: { C: 1.0 },
        baseJobName: "sklearn-bc",
      },
      { events },
    );
    expect(run.status).toBe("Completed");
    // Local files were staged under the data prefix and stay there (reported, never deleted as a side effect).
    const staged = run.details?.staged as { uri: string; channel: string }[];
    expect(staged.map((r) => r.channel).sort()).toEqual(["test", "train"]);
    const bucket = `sagemaker-${emulator.region}-${emulator.accountId}`;
    expect(staged.every((r) => r.uri.startsWith(`s3://${bucket}/mlship-data/`))).toBe(true);
    // Cleanup of staged data is explicit.
    await target.cleanupStagedData(staged as never);
    const s3 = createS3Client(emulatorClientConfig(emulator));
    const [, Bucket, Key] =
      /^s3:\/\/([^/]+)\/(.+)$/.exec((staged[0] as unknown as { objects: string[] }).objects[0] as string) ??
      [];
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key }))).rejects.toThrow();
    s3.destroy();
    expect(run.image).toBe(
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    );
    expect(events.of("training.log").some((l) => l.message.includes("test_auc"))).toBe(true);
    const dep = await target.deploy({
      name: "e2e-sklearn",
      model: { trainingJob: run.jobName, sourceDir: SKLEARN_EXAMPLE, entryPoint: "inference.py" },
      serverless: { memorySizeMb: 2048, maxConcurrency: 2 },
    });
    expect(dep.status).toBe("InService");
    expect(dep.details?.serverless).toEqual({ memorySizeMb: 2048, maxConcurrency: 2 });
    const invoker = await target.invoker("e2e-sklearn");
    const probabilities = (await invoker.predict(FEATURES, { contentType: "text/csv" })) as number[];
    expect(probabilities.flat()).toHaveLength(FEATURES.length);
    expect(accuracy(probabilities.flat() as number[], LABELS)).toBeGreaterThan(0.9);
    const npy = (await invoker.predict(FEATURES.slice(0, 4), {
      contentType: "application/x-npy",
      accept: "application/x-npy",
    })) as number[];
    expect(npy.flat()).toHaveLength(4);
    await target.delete("e2e-sklearn");
    expect(existsSync(SKLEARN_EXAMPLE)).toBe(true);
  }, 120_000);
});
