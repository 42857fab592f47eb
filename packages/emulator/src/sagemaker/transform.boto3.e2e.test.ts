// Batch transform driven by boto3 and the AWS CLI as their documentation shows (CreateTransformJob with
// DataProcessing filters), on a scikit-learn model the emulator trained: the output layout and join
// semantics SageMaker gives, with the scores scikit-learn itself computes for the same rows.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateModelCommand,
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { awsCli, boto3Python, runAwsTool, tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../index.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
const BUCKET = "transform-py";
const EXAMPLE = resolve(
  fileURLToPath(new URL("../../../../examples/sklearn-breast-cancer", import.meta.url)),
);
const ROWS = readFileSync(join(EXAMPLE, "data", "test.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1);
const DATA_PROCESSING = { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-1]" };

// boto3 as its documentation shows: create_transform_job, the transform waiter, get_object. The expected
// scores come from scikit-learn directly (the model artifact loaded with joblib), not from the emulator.
const BOTO3_SCRIPT = `
import io, json, sys, tarfile
import boto3, joblib, numpy as np
endpoint, bucket, model = sys.argv[1:4]
sm = boto3.client("sagemaker", endpoint_url=endpoint)
s3 = boto3.client("s3", endpoint_url=endpoint)
sm.create_transform_job(
    TransformJobName="boto3-join",
    ModelName=model,
    MaxConcurrentTransforms=2,
    MaxPayloadInMB=1,
    BatchStrategy="MultiRecord",
    TransformInput={
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/input/"}},
        "ContentType": "text/csv",
        "SplitType": "Line",
    },
    TransformOutput={"S3OutputPath": f"s3://{bucket}/boto3-output", "Accept": "text/csv", "AssembleWith": "Line"},
    TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 2},
    DataProcessing=${JSON.stringify(DATA_PROCESSING)},
)
sm.get_waiter("transform_job_completed_or_stopped").wait(
    TransformJobName="boto3-join", WaiterConfig={"Delay": 1, "MaxAttempts": 180}
)
job = sm.describe_transform_job(TransformJobName="boto3-join")
listed = s3.list_objects_v2(Bucket=bucket, Prefix="boto3-output/")
outputs = {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode() for o in listed["Contents"]}
artifact = sm.describe_model(ModelName=model)["PrimaryContainer"]["ModelDataUrl"].split("/", 3)[3]
with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=artifact)["Body"].read())) as tar:
    estimator = joblib.load(tar.extractfile("model.joblib"))
features = np.loadtxt(io.StringIO(sys.stdin.read()), delimiter=",")[:, 1:]
print(json.dumps({
    "status": job["TransformJobStatus"],
    "dataProcessing": job["DataProcessing"],
    "outputs": outputs,
    "expected": estimator.predict_proba(features)[:, 1].tolist(),
}))
`;

let emulator: Emulator;
let s3: S3Client;
let sm: SageMakerClient;

const aws = async (args: string[]): Promise<string> => {
  const r = await runAwsTool(awsCli(), ["--endpoint-url", emulator.endpoint, "--output", "json", ...args], {
    region: emulator.region,
  });
  if (r.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};

/** Output lines in input order: the objects sorted as their inputs (part-1, part-2). */
function lines(outputs: Record<string, string>, prefix: string): string[] {
  expect(Object.keys(outputs).sort()).toEqual([`${prefix}/part-1.csv.out`, `${prefix}/part-2.csv.out`]);
  return [
    ...(outputs[`${prefix}/part-1.csv.out`] ?? "").trim().split("\n"),
    ...(outputs[`${prefix}/part-2.csv.out`] ?? "").trim().split("\n"),
  ];
}

function expectJoined(joined: string[], expected: number[]): void {
  expect(joined).toHaveLength(ROWS.length);
  joined.forEach((line, i) => {
    const [label, scoreText, ...rest] = line.split(",");
    expect(rest).toEqual([]);
    expect(label).toBe(ROWS[i]?.split(",")[0]);
    expect(Math.abs(Number(scoreText) - (expected[i] as number))).toBeLessThanOrEqual(1e-12);
  });
}

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  s3 = new S3Client(config);
  sm = new SageMakerClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const bundle = join(tempDir(), "sourcedir.tar.gz");
  await createTar({ gzip: true, file: bundle, cwd: EXAMPLE }, ["train.py", "inference.py"]);
  const put = (Key: string, Body: Buffer | string) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  await put("code/sourcedir.tar.gz", readFileSync(bundle));
  await put("train/train.csv", readFileSync(join(EXAMPLE, "data", "train.csv")));
  await put("test/test.csv", readFileSync(join(EXAMPLE, "data", "test.csv")));
  await put("input/part-1.csv", `${ROWS.slice(0, 70).join("\n")}\n`);
  await put("input/part-2.csv", `${ROWS.slice(70).join("\n")}\n`);
  await sm.send(
    new CreateTrainingJobCommand({
      TrainingJobName: "sklearn-train",
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: SKLEARN_IMAGE, TrainingInputMode: "File" },
      HyperParameters: {
        sagemaker_program: '"train.py"',
        sagemaker_submit_directory: `"s3://${BUCKET}/code/sourcedir.tar.gz"`,
      },
      InputDataConfig: ["train", "test"].map((channel) => ({
        ChannelName: channel,
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/${channel}/` } },
      })),
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/jobs` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
    }),
  );
  await waitUntilTrainingJobCompletedOrStopped(
    { client: sm, maxWaitTime: 240, minDelay: 0.2, maxDelay: 1 },
    { TrainingJobName: "sklearn-train" },
  );
  const trained = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "sklearn-train" }));
  await sm.send(
    new CreateModelCommand({
      ModelName: "sklearn-model",
      ExecutionRoleArn: ROLE,
      PrimaryContainer: {
        Image: SKLEARN_IMAGE,
        ModelDataUrl: trained.ModelArtifacts?.S3ModelArtifacts,
        Environment: {
          SAGEMAKER_PROGRAM: "inference.py",
          SAGEMAKER_SUBMIT_DIRECTORY: `s3://${BUCKET}/code/sourcedir.tar.gz`,
        },
      },
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const client of [s3, sm]) client?.destroy();
  await emulator?.stop();
});

describe("batch transform from boto3 and the AWS CLI, on a scikit-learn model", () => {
  let expected: number[] = [];

  it("boto3: create_transform_job with DataProcessing, the waiter, one <key>.out per input object", async () => {
    const script = join(tempDir(), "transform.py");
    writeFileSync(script, BOTO3_SCRIPT);
    // Debian's python3 has boto3 and scikit-learn (python3-boto3, python3-sklearn).
    const ran = await runAwsTool(boto3Python(), [script, emulator.endpoint, BUCKET, "sklearn-model"], {
      region: emulator.region,
      input: `${ROWS.join("\n")}\n`,
      timeoutMs: 240_000,
    });
    expect(ran.stderr).toBe("");
    const answer = JSON.parse(ran.stdout) as {
      status: string;
      dataProcessing: unknown;
      outputs: Record<string, string>;
      expected: number[];
    };
    expect(answer.status).toBe("Completed");
    expect(answer.dataProcessing).toEqual(DATA_PROCESSING);
    expected = answer.expected;
    expectJoined(lines(answer.outputs, "boto3-output"), expected);
  }, 240_000);

  it("AWS CLI: create-transform-job with --data-processing, then describe and s3 cp", async () => {
    await aws([
      "sagemaker",
      "create-transform-job",
      "--transform-job-name",
      "cli-join",
      "--model-name",
      "sklearn-model",
      "--batch-strategy",
      "MultiRecord",
      "--transform-input",
      JSON.stringify({
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/input/` } },
        ContentType: "text/csv",
        SplitType: "Line",
      }),
      "--transform-output",
      JSON.stringify({
        S3OutputPath: `s3://${BUCKET}/cli-output/`,
        Accept: "text/csv",
        AssembleWith: "Line",
      }),
      "--transform-resources",
      "InstanceType=ml.m5.large,InstanceCount=1",
      "--data-processing",
      JSON.stringify(DATA_PROCESSING),
    ]);
    let status = "InProgress";
    for (let i = 0; i < 240 && (status === "InProgress" || status === "Stopping"); i++) {
      await new Promise((r) => setTimeout(r, 500));
      const stdout = await aws(["sagemaker", "describe-transform-job", "--transform-job-name", "cli-join"]);
      status = (JSON.parse(stdout) as { TransformJobStatus: string }).TransformJobStatus;
    }
    expect(status).toBe("Completed");
    const dir = tempDir();
    await aws(["s3", "cp", `s3://${BUCKET}/cli-output/`, dir, "--recursive"]);
    const outputs = Object.fromEntries(
      ["part-1.csv.out", "part-2.csv.out"].map((f) => [
        `cli-output/${f}`,
        readFileSync(join(dir, f), "utf8"),
      ]),
    );
    expectJoined(lines(outputs, "cli-output"), expected);
    const stdout = await aws(["sagemaker", "list-transform-jobs", "--status-equals", "Completed"]);
    const names = (
      JSON.parse(stdout) as { TransformJobSummaries: Array<{ TransformJobName: string }> }
    ).TransformJobSummaries.map((s) => s.TransformJobName).sort();
    expect(names).toEqual(["boto3-join", "cli-join"]);
  }, 240_000);
});
