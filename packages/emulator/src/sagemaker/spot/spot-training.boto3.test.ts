// Spot training, checkpoints and tags as boto3 and the AWS CLI use them (their documented calls), so the
// emulator and our JavaScript SDK usage cannot share one misunderstanding of the wire format.
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { awsCliAt, awsCliJson, boto3At } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../index.js";
import { withS3 } from "../../test-support.js";
import { uploadResumingCode } from "./test-support.js";

let emulator: Emulator;
let source: string;

beforeAll(async () => {
  emulator = await startEmulator();
  source = await withS3(emulator, (s3) => uploadResumingCode(s3, "spot-boto"));
});

afterAll(async () => {
  await emulator?.stop();
});

// As boto3's documentation shows create_training_job (EnableManagedSpotTraining, StoppingCondition,
// CheckpointConfig, Tags), describe_training_job, list_tags, add_tags and delete_tags.
const BOTO3_SCRIPT = `
import json, sys, time
import boto3
from botocore.exceptions import ClientError

sm = boto3.client("sagemaker", endpoint_url=sys.argv[1])
s3 = boto3.client("s3", endpoint_url=sys.argv[1])

def job(name, **extra):
    request = dict(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": sys.argv[3], "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::000000000000:role/SageMakerRole",
        HyperParameters={"sagemaker_program": '"resume.mjs"', "sagemaker_submit_directory": json.dumps(sys.argv[2])},
        OutputDataConfig={"S3OutputPath": "s3://spot-boto/jobs"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        EnableManagedSpotTraining=True,
        StoppingCondition={"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 900},
        CheckpointConfig={"S3Uri": "s3://spot-boto/checkpoints", "LocalPath": "/opt/ml/checkpoints"},
    )
    request.update(extra)
    return request

refused = []
for name, extra in [
    ("short-wait", {"StoppingCondition": {"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 60}}),
    ("no-wait", {"StoppingCondition": {"MaxRuntimeInSeconds": 600}}),
]:
    try:
        sm.create_training_job(**job(name, **extra))
    except ClientError as e:
        refused.append(e.response["Error"]["Code"])

waiter = sm.get_waiter("training_job_completed_or_stopped")
for name in ["boto-spot-1", "boto-spot-2"]:
    sm.create_training_job(**job(name, Tags=[{"Key": "team", "Value": "ml"}]))
    waiter.wait(TrainingJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
described = sm.describe_training_job(TrainingJobName="boto-spot-2")
arn = described["TrainingJobArn"]
created_tags = sm.list_tags(ResourceArn=arn)["Tags"]
sm.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
added = sm.list_tags(ResourceArn=arn)["Tags"]
sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
left = sm.list_tags(ResourceArn=arn)["Tags"]
resumed = json.loads(s3.get_object(Bucket="spot-boto", Key="checkpoints/boto-spot-2.ckpt")["Body"].read())
print(json.dumps({
    "refused": refused,
    "status": described["TrainingJobStatus"],
    "spot": described["EnableManagedSpotTraining"],
    "stopping": described["StoppingCondition"],
    "checkpoint": described["CheckpointConfig"],
    "billable": described["BillableTimeInSeconds"],
    "tags": [created_tags, added, left],
    "resumed": resumed,
}))
`;

describe("spot training, checkpoints and tags through boto3 and the AWS CLI", () => {
  it("boto3 runs two spot jobs on one checkpoint URI (the second resumes), and lists, adds and deletes tags", async () => {
    const run = await boto3At(emulator, BOTO3_SCRIPT, [source, NODE_RUNTIME_IMAGE]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      refused: ["ValidationException", "ValidationException"],
      status: "Completed",
      spot: true,
      stopping: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 900 },
      checkpoint: { S3Uri: "s3://spot-boto/checkpoints", LocalPath: "/opt/ml/checkpoints" },
      billable: expect.any(Number),
      tags: [
        [{ Key: "team", Value: "ml" }],
        [
          { Key: "team", Value: "ml" },
          { Key: "stage", Value: "dev" },
        ],
        [{ Key: "stage", Value: "dev" }],
      ],
      resumed: { found: ["boto-spot-1.ckpt"] },
    });
  });

  it("the AWS CLI describes a spot job, manages its tags, and shows SageMaker's refusal of a short max wait", async () => {
    const cli = (...args: string[]) => awsCliAt(emulator, ["--output", "json", "sagemaker", ...args]);
    const aws = (...args: string[]) => awsCliJson(emulator, ["sagemaker", ...args]);
    const described = await aws("describe-training-job", "--training-job-name", "boto-spot-1");
    expect(described).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 600, MaxWaitTimeInSeconds: 900 },
      CheckpointConfig: { S3Uri: "s3://spot-boto/checkpoints" },
    });
    const arn = described.TrainingJobArn as string;
    await aws("add-tags", "--resource-arn", arn, "--tags", "Key=owner,Value=cli");
    expect(await aws("list-tags", "--resource-arn", arn)).toEqual({
      Tags: [
        { Key: "team", Value: "ml" },
        { Key: "owner", Value: "cli" },
      ],
    });
    await aws("delete-tags", "--resource-arn", arn, "--tag-keys", "owner", "team");
    expect(await aws("list-tags", "--resource-arn", arn)).toEqual({ Tags: [] });

    const refused = await cli(
      "create-training-job",
      "--training-job-name",
      "cli-short-wait",
      "--role-arn",
      "arn:aws:iam::000000000000:role/SageMakerRole",
      "--algorithm-specification",
      `TrainingImage=${NODE_RUNTIME_IMAGE},TrainingInputMode=File`,
      "--output-data-config",
      "S3OutputPath=s3://spot-boto/jobs",
      "--resource-config",
      "InstanceType=ml.m5.large,InstanceCount=1,VolumeSizeInGB=30",
      "--enable-managed-spot-training",
      "--stopping-condition",
      "MaxRuntimeInSeconds=600,MaxWaitTimeInSeconds=60",
      "--checkpoint-config",
      "S3Uri=s3://spot-boto/checkpoints",
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /ValidationException.*MaxWaitTimeInSeconds.*greater than or equal to MaxRuntimeInSeconds/,
    );
  });
});
