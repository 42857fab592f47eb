// Managed spot training, checkpoints and tags through the real AWS SDK v3 clients against startEmulator():
// CreateTrainingJob's spot/checkpoint validation, DescribeTrainingJob's fields, the checkpoint sync a
// resumed job relies on, and AddTags/ListTags/DeleteTags on the job's ARN.
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  AddTagsCommand,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DeleteTagsCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  SageMakerClient,
  type SageMakerServiceException,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../../index.js";
import { uploadResumingCode } from "./test-support.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const BUCKET = "spot-sdk";
const CHECKPOINTS = `s3://${BUCKET}/checkpoints/resumable`;
let emulator: Emulator;
let s3: S3Client;
let sm: SageMakerClient;
let source = "";

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  s3 = new S3Client(config);
  sm = new SageMakerClient(config);
  source = await uploadResumingCode(s3, BUCKET);
});

afterAll(async () => {
  s3?.destroy();
  sm?.destroy();
  await emulator?.stop();
});

function spotJob(
  name: string,
  extra: Partial<CreateTrainingJobCommandInput> = {},
): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: NODE_RUNTIME_IMAGE, TrainingInputMode: "File" },
    HyperParameters: {
      sagemaker_program: '"resume.mjs"',
      sagemaker_submit_directory: JSON.stringify(source),
    },
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/jobs` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
    EnableManagedSpotTraining: true,
    StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 1200 },
    CheckpointConfig: { S3Uri: CHECKPOINTS },
    ...extra,
  };
}

async function rejection(input: CreateTrainingJobCommandInput): Promise<SageMakerServiceException> {
  const error = await sm.send(new CreateTrainingJobCommand(input)).then(
    () => undefined,
    (e: unknown) => e as SageMakerServiceException,
  );
  expect(error, "CreateTrainingJob should have been refused").toBeDefined();
  return error as SageMakerServiceException;
}

async function finished(name: string) {
  await waitUntilTrainingJobCompletedOrStopped(
    { client: sm, maxWaitTime: 120, minDelay: 1, maxDelay: 1 },
    { TrainingJobName: name },
  );
  return sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
}

async function checkpoint(job: string): Promise<{ found: string[] }> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: `checkpoints/resumable/${job}.ckpt` }),
  );
  return JSON.parse(await (out.Body?.transformToString() ?? "{}")) as { found: string[] };
}

describe("managed spot training and checkpoints", () => {
  it("refuses a spot stopping condition SageMaker refuses, before any job exists", async () => {
    const noWait = await rejection(
      spotJob("spot-no-wait", { StoppingCondition: { MaxRuntimeInSeconds: 600 } }),
    );
    expect(noWait.name).toBe("ValidationException");
    expect(noWait.message).toMatch(/MaxWaitTimeInSeconds.*required when EnableManagedSpotTraining/);
    const short = await rejection(
      spotJob("spot-short", { StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 300 } }),
    );
    expect(short.message).toMatch(/MaxWaitTimeInSeconds.*greater than or equal to MaxRuntimeInSeconds/);
    // Without MaxRuntimeInSeconds the one-day default is what MaxWaitTimeInSeconds must cover.
    const underDefault = await rejection(
      spotJob("spot-default-runtime", { StoppingCondition: { MaxWaitTimeInSeconds: 3600 } }),
    );
    expect(underDefault.message).toMatch(/greater than or equal to MaxRuntimeInSeconds \(86400\)/);
    const onDemand = await rejection(spotJob("on-demand-wait", { EnableManagedSpotTraining: false }));
    expect(onDemand.message).toMatch(/only supported when EnableManagedSpotTraining is set to true/);
    const badUri = await rejection(spotJob("bad-ckpt", { CheckpointConfig: { S3Uri: "file:///tmp/ckpt" } }));
    expect(badUri.message).toMatch(/at 'checkpointConfig.s3Uri' failed to satisfy constraint/);
    const badTag = await rejection(spotJob("bad-tag", { Tags: [{ Key: "", Value: "x" }] }));
    expect(badTag.message).toMatch(/at 'tags.1.member.key' failed to satisfy constraint/);
    const created = await sm
      .send(new DescribeTrainingJobCommand({ TrainingJobName: "spot-short" }))
      .catch((e: SageMakerServiceException) => e);
    expect(created).toMatchObject({ name: "ValidationException" }); // nothing was created
  });

  it("runs a spot job; a second job with the same checkpoint URI starts from the first one's checkpoint", async () => {
    await sm.send(
      new CreateTrainingJobCommand(spotJob("resumable-1", { Tags: [{ Key: "team", Value: "ml" }] })),
    );
    const first = await finished("resumable-1");
    expect(first.TrainingJobStatus, first.FailureReason).toBe("Completed");
    expect(first.EnableManagedSpotTraining).toBe(true);
    expect(first.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 1200 });
    expect(first.CheckpointConfig).toEqual({ S3Uri: CHECKPOINTS });
    expect(first.BillableTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(first.BillableTimeInSeconds).toBeLessThanOrEqual(first.TrainingTimeInSeconds ?? 0);
    expect(await checkpoint("resumable-1")).toEqual({ found: [] });

    await sm.send(new CreateTrainingJobCommand(spotJob("resumable-2")));
    const second = await finished("resumable-2");
    expect(second.TrainingJobStatus, second.FailureReason).toBe("Completed");
    expect(await checkpoint("resumable-2")).toEqual({ found: ["resumable-1.ckpt"] });
  });

  it("returns the tags given at create from ListTags; AddTags and DeleteTags change them", async () => {
    const arn = (await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "resumable-1" })))
      .TrainingJobArn;
    const tags = async () => (await sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags;
    expect(await tags()).toEqual([{ Key: "team", Value: "ml" }]);
    await sm.send(
      new AddTagsCommand({
        ResourceArn: arn,
        Tags: [
          { Key: "team", Value: "platform" },
          { Key: "cost-center", Value: "42" },
        ],
      }),
    );
    expect(await tags()).toEqual([
      { Key: "team", Value: "platform" },
      { Key: "cost-center", Value: "42" },
    ]);
    await sm.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["team"] }));
    expect(await tags()).toEqual([{ Key: "cost-center", Value: "42" }]);
    const missing = await sm
      .send(new ListTagsCommand({ ResourceArn: `${arn}-missing` }))
      .catch((e: SageMakerServiceException) => e);
    expect(missing).toMatchObject({ name: "ValidationException" });
  });
});
