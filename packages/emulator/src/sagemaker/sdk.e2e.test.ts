// End to end through the real AWS SDK v3 clients and waiters against startEmulator(): S3 for code and
// data, SageMaker for training and hosting, SageMaker Runtime for invocations, CloudWatch Logs for output.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  paginateListModels,
  SageMakerClient,
  type SageMakerServiceException,
  StopTrainingJobCommand,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../index.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
const EXAMPLES = resolve(fileURLToPath(new URL("../../../../examples", import.meta.url)));
const DATA = join(EXAMPLES, "sklearn-breast-cancer", "data");
const TEST_ROWS = readFileSync(join(DATA, "test.csv"), "utf8").trim().split("\n").slice(1);
// Label first: [label, ...features].
const rowFeatures = (row: string) => row.split(",").slice(1).join(",");
const rowLabel = (row: string) => Number(row.split(",")[0]);
const WAIT = { minDelay: 0.2, maxDelay: 1 };

let emulator: Emulator;
let s3: S3Client;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let logs: CloudWatchLogsClient;

async function uploadBundle(key: string, dir: string, files: string[]): Promise<string> {
  const tarball = join(tempDir(), "sourcedir.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: dir }, files);
  await s3.send(new PutObjectCommand({ Bucket: "mlship-e2e", Key: key, Body: readFileSync(tarball) }));
  return `s3://mlship-e2e/${key}`;
}

function trainingJob(
  name: string,
  image: string,
  program: string,
  sourceUri: string,
): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: "File" },
    HyperParameters: {
      sagemaker_program: JSON.stringify(program),
      sagemaker_submit_directory: JSON.stringify(sourceUri),
      sagemaker_container_log_level: "20",
      sagemaker_job_name: JSON.stringify(name),
      sagemaker_region: '"us-east-1"',
    },
    InputDataConfig: [
      {
        ChannelName: "train",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: "s3://mlship-e2e/data/train/",
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
      {
        ChannelName: "test",
        DataSource: {
          S3DataSource: {
            S3DataType: "S3Prefix",
            S3Uri: "s3://mlship-e2e/data/test",
            S3DataDistributionType: "FullyReplicated",
          },
        },
      },
    ],
    OutputDataConfig: { S3OutputPath: "s3://mlship-e2e/jobs" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 900 },
  };
}

async function deploy(
  name: string,
  image: string,
  modelData: string,
  env: Record<string, string>,
): Promise<void> {
  await sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: image, ModelDataUrl: modelData, Environment: env },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: "AllTraffic", ModelName: name, InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
      ],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  await waitUntilEndpointInService({ client: sm, maxWaitTime: 120, ...WAIT }, { EndpointName: name });
}

async function predict(endpoint: string, rows: string[]): Promise<number[]> {
  const answer = await runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpoint,
      ContentType: "text/csv",
      Accept: "application/json",
      Body: rows.map(rowFeatures).join("\n"),
    }),
  );
  expect(answer.InvokedProductionVariant).toBe("AllTraffic");
  return JSON.parse(new TextDecoder().decode(answer.Body)) as number[];
}

function accuracy(probabilities: number[], rows: string[]): number {
  return (
    probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === rowLabel(rows[i] as string)).length / rows.length
  );
}

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  s3 = new S3Client(config);
  sm = new SageMakerClient(config);
  runtime = new SageMakerRuntimeClient(config);
  logs = new CloudWatchLogsClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: "mlship-e2e" }));
  await s3.send(
    new PutObjectCommand({
      Bucket: "mlship-e2e",
      Key: "data/train/train.csv",
      Body: readFileSync(join(DATA, "train.csv")),
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: "mlship-e2e",
      Key: "data/test/test.csv",
      Body: readFileSync(join(DATA, "test.csv")),
    }),
  );
});

afterAll(async () => {
  for (const client of [s3, sm, runtime, logs]) client?.destroy();
  await emulator?.stop();
});

describe("SageMaker through the AWS SDK", () => {
  it("trains the Node example, hosts it, invokes it, and deletes it", async () => {
    const source = await uploadBundle(
      "node-job/source/sourcedir.tar.gz",
      join(EXAMPLES, "node-breast-cancer"),
      ["train.mjs", "inference.mjs"],
    );
    const created = await sm.send(
      new CreateTrainingJobCommand(trainingJob("Node-Job", NODE_RUNTIME_IMAGE, "train.mjs", source)),
    );
    expect(created.TrainingJobArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:training-job/node-job");
    await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 120, ...WAIT },
      { TrainingJobName: "Node-Job" },
    );
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "Node-Job" }));
    expect(job.TrainingJobStatus).toBe("Completed");
    expect(job.CreationTime).toBeInstanceOf(Date);
    expect(job.TrainingEndTime?.getTime()).toBeGreaterThanOrEqual(
      job.TrainingStartTime?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual([
      "Starting",
      "Downloading",
      "Training",
      "Uploading",
      "Completed",
    ]);
    const modelData = job.ModelArtifacts?.S3ModelArtifacts as string;
    expect(modelData).toBe("s3://mlship-e2e/jobs/Node-Job/output/model.tar.gz");
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: "mlship-e2e", Key: "jobs/Node-Job/output/model.tar.gz" }),
    );
    expect(head.ContentLength).toBeGreaterThan(0);

    const streams = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: "/aws/sagemaker/TrainingJobs",
        logStreamNamePrefix: "Node-Job/",
      }),
    );
    const stream = streams.logStreams?.[0]?.logStreamName as string;
    expect(stream).toMatch(/^Node-Job\/algo-1-\d{10}$/);
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: "/aws/sagemaker/TrainingJobs",
        logStreamName: stream,
        startFromHead: true,
      }),
    );
    expect(events.events?.map((e) => e.message).join("\n")).toMatch(/test_accuracy=0\.9\d+/);

    const listed = await sm.send(
      new ListTrainingJobsCommand({ NameContains: "node-job", StatusEquals: "Completed" }),
    );
    expect(listed.TrainingJobSummaries?.map((s) => s.TrainingJobName)).toEqual(["Node-Job"]);

    await deploy("node-endpoint", NODE_RUNTIME_IMAGE, modelData, {
      SAGEMAKER_PROGRAM: "inference.mjs",
      SAGEMAKER_SUBMIT_DIRECTORY: source,
    });
    const probabilities = await predict("node-endpoint", TEST_ROWS);
    expect(probabilities).toHaveLength(TEST_ROWS.length);
    expect(accuracy(probabilities, TEST_ROWS)).toBeGreaterThan(0.9);

    const modelError = await runtime
      .send(
        new InvokeEndpointCommand({ EndpointName: "node-endpoint", ContentType: "text/csv", Body: "1,2,3" }),
      )
      .catch((e: unknown) => e);
    expect(modelError).toBeInstanceOf(ModelError);
    const me = modelError as ModelError;
    expect(me.$metadata.httpStatusCode).toBe(424);
    expect(me.OriginalStatusCode).toBeGreaterThanOrEqual(400);
    expect(me.OriginalMessage).toMatch(/expected 30 features/);
    expect(me.LogStreamArn).toBe(
      "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/node-endpoint",
    );

    const crash = await fetch(`${emulator.endpoint}/_mlship/sagemaker/crash-endpoint`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ EndpointName: "node-endpoint" }),
    });
    expect(crash.status).toBe(200);
    await expect(
      runtime.send(
        new InvokeEndpointCommand({
          EndpointName: "node-endpoint",
          ContentType: "text/csv",
          Body: rowFeatures(TEST_ROWS[0] as string),
        }),
      ),
    ).rejects.toBeInstanceOf(ModelError);

    await sm.send(new DeleteEndpointCommand({ EndpointName: "node-endpoint" }));
    await waitUntilEndpointDeleted(
      { client: sm, maxWaitTime: 60, ...WAIT },
      { EndpointName: "node-endpoint" },
    );
    const unknown = await runtime
      .send(new InvokeEndpointCommand({ EndpointName: "node-endpoint", Body: "1" }))
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as ValidationError).message).toBe(
      "Endpoint node-endpoint of account 000000000000 not found.",
    );
  });

  it("reports failures the way the waiters and SDK exceptions expect", async () => {
    const failing = await uploadBundle(
      "failing/source/sourcedir.tar.gz",
      join(EXAMPLES, "node-breast-cancer"),
      ["inference.mjs"],
    );
    await sm.send(
      new CreateTrainingJobCommand(trainingJob("missing-script", NODE_RUNTIME_IMAGE, "train.mjs", failing)),
    );
    const waited = await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 60, ...WAIT },
      { TrainingJobName: "missing-script" },
    ).catch((e: unknown) => e);
    expect(String(waited)).toMatch(/FAILURE/);
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "missing-script" }));
    expect(job.TrainingJobStatus).toBe("Failed");
    expect(job.FailureReason).toMatch(/train\.mjs/);

    const duplicate = await sm
      .send(
        new CreateTrainingJobCommand(trainingJob("missing-script", NODE_RUNTIME_IMAGE, "train.mjs", failing)),
      )
      .catch((e: unknown) => e);
    expect((duplicate as SageMakerServiceException).name).toBe("ResourceInUse");

    const bad = await sm
      .send(new DescribeEndpointCommand({ EndpointName: "no_such" }))
      .catch((e: unknown) => e);
    expect((bad as SageMakerServiceException).name).toBe("ValidationException");
    expect((bad as SageMakerServiceException).$metadata.httpStatusCode).toBe(400);

    const stop = await sm
      .send(new StopTrainingJobCommand({ TrainingJobName: "missing-script" }))
      .catch((e: unknown) => e);
    expect((stop as Error).message).toBe(
      "The request was rejected because the training job is in status Failed.",
    );
  });

  it("stops a running job (the waiter succeeds on Stopped) and pages lists with the SDK paginators", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "train.mjs"), 'console.log("waiting for a stop"); setInterval(() => {}, 1000);');
    const source = await uploadBundle("sleeper/source/sourcedir.tar.gz", dir, ["train.mjs"]);
    await sm.send(
      new CreateTrainingJobCommand(trainingJob("sleeper", NODE_RUNTIME_IMAGE, "train.mjs", source)),
    );
    for (let i = 0; i < 200; i++) {
      const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "sleeper" }));
      if (d.SecondaryStatus === "Training") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await sm.send(new StopTrainingJobCommand({ TrainingJobName: "sleeper" }));
    const result = await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 60, ...WAIT },
      { TrainingJobName: "sleeper" },
    );
    expect(result.state).toBe("SUCCESS");
    const stopped = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "sleeper" }));
    expect([stopped.TrainingJobStatus, stopped.SecondaryStatus]).toEqual(["Stopped", "Stopped"]);

    for (let i = 0; i < 5; i++) {
      await sm.send(
        new CreateModelCommand({
          ModelName: `paged-${i}`,
          PrimaryContainer: { Image: NODE_RUNTIME_IMAGE, ModelDataUrl: "s3://mlship-e2e/x.tar.gz" },
        }),
      );
    }
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListModels(
      { client: sm, pageSize: 2 },
      { NameContains: "paged", SortBy: "Name", SortOrder: "Ascending" },
    )) {
      pages++;
      names.push(...(page.Models ?? []).map((m) => m.ModelName as string));
    }
    expect(pages).toBe(3);
    expect(names).toEqual(["paged-0", "paged-1", "paged-2", "paged-3", "paged-4"]);
  });

  it("trains and serves the scikit-learn example with real scikit-learn", async () => {
    const dir = join(EXAMPLES, "sklearn-breast-cancer");
    const source = await uploadBundle("sklearn-job/source/sourcedir.tar.gz", dir, [
      "train.py",
      "inference.py",
    ]);
    await sm.send(
      new CreateTrainingJobCommand(trainingJob("sklearn-job", SKLEARN_IMAGE, "train.py", source)),
    );
    await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 180, ...WAIT },
      { TrainingJobName: "sklearn-job" },
    );
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "sklearn-job" }));
    expect(job.TrainingJobStatus).toBe("Completed");
    await deploy("sklearn-endpoint", SKLEARN_IMAGE, job.ModelArtifacts?.S3ModelArtifacts as string, {
      SAGEMAKER_PROGRAM: "inference.py",
      SAGEMAKER_SUBMIT_DIRECTORY: source,
    });
    const probabilities = await predict("sklearn-endpoint", TEST_ROWS);
    expect(accuracy(probabilities, TEST_ROWS)).toBeGreaterThan(0.93);
    const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: "sklearn-endpoint" }));
    expect(endpoint.ProductionVariants?.[0]?.DeployedImages?.[0]?.SpecifiedImage).toBe(SKLEARN_IMAGE);
  });
});

describe("SageMaker state across an emulator restart", () => {
  it("brings an InService endpoint back up on the same dataDir", async () => {
    const dataDir = tempDir("mlship-emulator-restart-");
    const work = tempDir();
    // A hand-made model for the Node example's inference code: all weights 0, so every answer is 0.5.
    const features = 30;
    writeFileSync(
      join(work, "model.json"),
      JSON.stringify({
        featureNames: Array.from({ length: features }, (_, i) => `f${i}`),
        weights: new Array(features).fill(0),
        bias: 0,
        mean: new Array(features).fill(0),
        std: new Array(features).fill(1),
      }),
    );
    await createTar({ gzip: true, file: join(work, "model.tar.gz"), cwd: work }, ["model.json"]);

    let first: Emulator | undefined = await startEmulator({ dataDir });
    try {
      const config = emulatorClientConfig(first);
      const s3a = new S3Client(config);
      const sma = new SageMakerClient(config);
      await s3a.send(new CreateBucketCommand({ Bucket: "restart" }));
      await s3a.send(
        new PutObjectCommand({
          Bucket: "restart",
          Key: "model/model.tar.gz",
          Body: readFileSync(join(work, "model.tar.gz")),
        }),
      );
      await createTar(
        { gzip: true, file: join(work, "code.tar.gz"), cwd: join(EXAMPLES, "node-breast-cancer") },
        ["inference.mjs"],
      );
      await s3a.send(
        new PutObjectCommand({
          Bucket: "restart",
          Key: "code/sourcedir.tar.gz",
          Body: readFileSync(join(work, "code.tar.gz")),
        }),
      );
      await sma.send(
        new CreateModelCommand({
          ModelName: "kept",
          PrimaryContainer: {
            Image: NODE_RUNTIME_IMAGE,
            ModelDataUrl: "s3://restart/model/model.tar.gz",
            Environment: {
              SAGEMAKER_PROGRAM: "inference.mjs",
              SAGEMAKER_SUBMIT_DIRECTORY: "s3://restart/code/sourcedir.tar.gz",
            },
          },
        }),
      );
      await sma.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "kept",
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              ModelName: "kept",
              ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
            },
          ],
        }),
      );
      await sma.send(new CreateEndpointCommand({ EndpointName: "kept", EndpointConfigName: "kept" }));
      await waitUntilEndpointInService({ client: sma, maxWaitTime: 120, ...WAIT }, { EndpointName: "kept" });
      s3a.destroy();
      sma.destroy();
      await first.stop();
      first = undefined;

      const second = await startEmulator({ dataDir });
      try {
        const config2 = emulatorClientConfig(second);
        const smb = new SageMakerClient(config2);
        const rtb = new SageMakerRuntimeClient(config2);
        const logsb = new CloudWatchLogsClient(config2);
        const endpoint = await smb.send(new DescribeEndpointCommand({ EndpointName: "kept" }));
        expect(endpoint.EndpointStatus).toBe("InService");
        const answer = await rtb.send(
          new InvokeEndpointCommand({
            EndpointName: "kept",
            ContentType: "text/csv",
            Body: rowFeatures(TEST_ROWS[0] as string),
          }),
        );
        expect(JSON.parse(new TextDecoder().decode(answer.Body))).toEqual([0.5]);
        const streams = await logsb.send(
          new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/Endpoints/kept" }),
        );
        // One instance before the restart, a new one after it.
        expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual([
          expect.stringMatching(/^AllTraffic\/i-[0-9a-f]{17}$/),
          expect.stringMatching(/^AllTraffic\/i-[0-9a-f]{17}$/),
        ]);
        for (const client of [smb, rtb, logsb]) client.destroy();
      } finally {
        await second.stop();
      }
    } finally {
      await first?.stop();
    }
  });
});
