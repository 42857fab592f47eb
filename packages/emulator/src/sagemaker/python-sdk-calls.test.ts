// The calls the SageMaker Python SDK v2 makes where the emulator used to fall short, reproduced with the
// real client-sagemaker and with boto3 the way the SDK sends them: Estimator.attach's DescribeTrainingJob,
// a training job with network isolation (code shipped as the `code` channel), and the endpoint clean-up's
// ListMonitoringSchedules.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type Channel,
  CreateModelCommand,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  ListMonitoringSchedulesCommand,
  SageMakerClient,
  SageMakerServiceException,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { boto3Python, runAwsTool, tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../index.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const BUCKET = "sagemaker-us-east-1-000000000000";
const CODE_PATH = "/opt/ml/input/data/code/sourcedir.tar.gz"; // the SDK's CONTAINER_CODE_CHANNEL_SOURCEDIR_PATH

let emulator: Emulator;
let s3: S3Client;
let sm: SageMakerClient;

beforeAll(async () => {
  emulator = await startEmulator();
  s3 = new S3Client(emulatorClientConfig(emulator));
  sm = new SageMakerClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const dir = tempDir();
  // Reads its channel and writes a model, so a job that completes shows the code ran from the bundle.
  writeFileSync(
    join(dir, "train.mjs"),
    [
      'import { readFileSync, writeFileSync } from "node:fs";',
      'const rows = readFileSync(process.env.SM_CHANNEL_TRAIN + "/data.csv", "utf8").trim().split("\\n");',
      'writeFileSync(process.env.SM_MODEL_DIR + "/model.json", JSON.stringify({ rows: rows.length }));',
    ].join("\n"),
  );
  const tarball = join(tempDir(), "sourcedir.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: dir }, ["train.mjs"]);
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: "isolated/source/sourcedir.tar.gz",
      Body: readFileSync(tarball),
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "data/train/data.csv", Body: "1,2\n3,4\n" }));
});

afterAll(async () => {
  s3?.destroy();
  sm?.destroy();
  await emulator?.stop();
});

/** A CreateTrainingJob as the SDK sends it for `SKLearn(..., enable_network_isolation=True).fit(...)`. */
function isolatedJob(name: string): CreateTrainingJobCommandInput {
  const channel = (ChannelName: string, S3Uri: string): Channel => ({
    ChannelName,
    DataSource: {
      S3DataSource: { S3DataType: "S3Prefix", S3Uri, S3DataDistributionType: "FullyReplicated" },
    },
  });
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: NODE_RUNTIME_IMAGE, TrainingInputMode: "File" },
    HyperParameters: {
      sagemaker_program: '"train.mjs"',
      sagemaker_submit_directory: JSON.stringify(CODE_PATH),
      sagemaker_container_log_level: "20",
      sagemaker_job_name: JSON.stringify(name),
      sagemaker_region: '"us-east-1"',
    },
    InputDataConfig: [
      channel("train", `s3://${BUCKET}/data/train`),
      channel("code", `s3://${BUCKET}/isolated/source/sourcedir.tar.gz`),
    ],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    EnableNetworkIsolation: true,
  };
}

describe("network isolation", () => {
  it("runs the code the `code` channel stages at /opt/ml/input/data/code/sourcedir.tar.gz", async () => {
    await sm.send(new CreateTrainingJobCommand(isolatedJob("isolated-job")));
    await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 120, minDelay: 0.2, maxDelay: 1 },
      { TrainingJobName: "isolated-job" },
    );
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "isolated-job" }));
    expect(job.FailureReason).toBeUndefined();
    expect(job.TrainingJobStatus).toBe("Completed");
    expect(job.EnableNetworkIsolation).toBe(true);
    expect(job.HyperParameters?.sagemaker_submit_directory).toBe(JSON.stringify(CODE_PATH));
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "isolated-job/output/model.tar.gz" }));
  });

  it("runs the same job sent by boto3 as the SDK sends it (create_training_job, then the SDK's waiter)", async () => {
    const job = isolatedJob("isolated-boto3");
    const code = `
import sys, json, boto3
sm = boto3.client("sagemaker", endpoint_url=sys.argv[1])
sm.create_training_job(**json.loads(sys.argv[2]))
sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="isolated-boto3", WaiterConfig={"Delay": 1, "MaxAttempts": 120})
d = sm.describe_training_job(TrainingJobName="isolated-boto3")
print(json.dumps([d["TrainingJobStatus"], d.get("FailureReason"), d["EnableNetworkIsolation"], d["ModelArtifacts"]["S3ModelArtifacts"]]))
`;
    const run = await runAwsTool(boto3Python(), ["-c", code, emulator.endpoint, JSON.stringify(job)], {
      region: emulator.region,
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([
      "Completed",
      null,
      true,
      `s3://${BUCKET}/isolated-boto3/output/model.tar.gz`,
    ]);
  });

  it("fails a job whose code path names a channel it does not have, or a file outside the channel", async () => {
    const missing = isolatedJob("no-code-channel");
    missing.InputDataConfig = missing.InputDataConfig?.filter((c) => c.ChannelName !== "code");
    await sm.send(new CreateTrainingJobCommand(missing));
    const outside = isolatedJob("outside-channel");
    outside.HyperParameters = {
      ...outside.HyperParameters,
      sagemaker_submit_directory: '"/opt/ml/input/data/code/other.tar.gz"',
    };
    await sm.send(new CreateTrainingJobCommand(outside));
    for (const [name, reason] of [
      ["no-code-channel", /has no input channel 'code'/],
      ["outside-channel", /not a file channel 'code' stages/],
    ] as const) {
      await waitUntilTrainingJobCompletedOrStopped(
        { client: sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 1 },
        { TrainingJobName: name },
      ).catch(() => undefined);
      const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      expect(job.TrainingJobStatus).toBe("Failed");
      expect(job.FailureReason).toMatch(reason);
    }
  });
});

describe("describe defaults", () => {
  it("fills in what SageMaker fills in: KmsKeyId, compression, channel defaults, container Mode", async () => {
    const input = isolatedJob("defaults-job");
    await sm.send(
      new CreateTrainingJobCommand({
        ...input,
        InputDataConfig: [
          {
            ChannelName: "train",
            DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/data/train` } },
          },
        ],
        HyperParameters: {
          ...input.HyperParameters,
          sagemaker_submit_directory: `"s3://${BUCKET}/isolated/source/sourcedir.tar.gz"`,
        },
      }),
    );
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "defaults-job" }));
    expect(job.OutputDataConfig).toEqual({
      S3OutputPath: `s3://${BUCKET}/`,
      KmsKeyId: "",
      CompressionType: "GZIP",
    });
    expect(job.InputDataConfig?.[0]).toMatchObject({
      CompressionType: "None",
      RecordWrapperType: "None",
      DataSource: { S3DataSource: { S3DataDistributionType: "FullyReplicated" } },
    });
    await sm.send(
      new CreateModelCommand({
        ModelName: "defaults-model",
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: NODE_RUNTIME_IMAGE, ModelDataUrl: `s3://${BUCKET}/m.tar.gz` },
      }),
    );
    const model = await sm.send(new DescribeModelCommand({ ModelName: "defaults-model" }));
    expect(model.PrimaryContainer?.Mode).toBe("SingleModel");
  });

  it("lets boto3 read a job the way Estimator.attach does, and list monitors as the endpoint clean-up does", async () => {
    // Estimator._prepare_init_params_from_job_description reads these members without .get(); then
    // Predictor.list_monitors -> Session.list_monitoring_schedules(endpoint_name=...).
    const code = `
import sys, json, boto3
sm = boto3.client("sagemaker", endpoint_url=sys.argv[1])
d = sm.describe_training_job(TrainingJobName="defaults-job")
init = {
  "role": d["RoleArn"],
  "instance_count": d["ResourceConfig"]["InstanceCount"],
  "instance_type": d["ResourceConfig"]["InstanceType"],
  "volume_size": d["ResourceConfig"]["VolumeSizeInGB"],
  "max_run": d["StoppingCondition"]["MaxRuntimeInSeconds"],
  "input_mode": d["AlgorithmSpecification"]["TrainingInputMode"],
  "output_path": d["OutputDataConfig"]["S3OutputPath"],
  "output_kms_key": d["OutputDataConfig"]["KmsKeyId"],
  "image_uri": d["AlgorithmSpecification"]["TrainingImage"],
}
monitors = sm.list_monitoring_schedules(EndpointName="some-endpoint", SortBy="CreationTime", SortOrder="Descending", MaxResults=100)
print(json.dumps({"init": init, "monitors": monitors["MonitoringScheduleSummaries"]}))
`;
    const run = await runAwsTool(boto3Python(), ["-c", code, emulator.endpoint], { region: emulator.region });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as { init: Record<string, unknown>; monitors: unknown[] };
    expect(out.init).toMatchObject({ role: ROLE, output_kms_key: "", instance_count: 1, max_run: 600 });
    expect(out.monitors).toEqual([]);
  });
});

describe("ListMonitoringSchedules", () => {
  it("answers an empty list and validates its request", async () => {
    const list = await sm.send(
      new ListMonitoringSchedulesCommand({
        EndpointName: "any-endpoint",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: 100,
      }),
    );
    expect(list.MonitoringScheduleSummaries).toEqual([]);
    const bad = await sm
      .send(new ListMonitoringSchedulesCommand({ MaxResults: 1000 }))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SageMakerServiceException);
    expect((bad as SageMakerServiceException).name).toBe("ValidationException");
  });
});
