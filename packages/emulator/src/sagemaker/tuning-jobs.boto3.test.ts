// The tuning API as boto3 and the AWS CLI use it (their documented calls), so the emulator and our
// JavaScript SDK usage cannot share one misunderstanding of the wire format.
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { awsCliAt, awsCliJson, boto3At } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../index.js";
import { withS3 } from "../test-support.js";
import { objectiveScore, uploadObjectiveCode } from "./tuning/test-support.js";

let emulator: Emulator;
let source: string;

beforeAll(async () => {
  emulator = await startEmulator();
  source = await withS3(emulator, (s3) => uploadObjectiveCode(s3, "boto"));
});

afterAll(async () => {
  await emulator?.stop();
});

// As boto3's documentation shows create_hyper_parameter_tuning_job, describe_hyper_parameter_tuning_job
// and list_training_jobs_for_hyper_parameter_tuning_job.
const BOTO3_SCRIPT = `
import json, sys, time
import boto3

sm = boto3.client("sagemaker", endpoint_url=sys.argv[1])
sm.create_hyper_parameter_tuning_job(
    HyperParameterTuningJobName="boto-tuning",
    HyperParameterTuningJobConfig={
        "Strategy": "Bayesian",
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "score"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        "ParameterRanges": {
            "ContinuousParameterRanges": [
                {"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Auto"},
            ],
            "IntegerParameterRanges": [],
            "CategoricalParameterRanges": [{"Name": "y", "Values": ["0.2", "0.7"]}],
        },
        "TrainingJobEarlyStoppingType": "Off",
    },
    TrainingJobDefinition={
        "StaticHyperParameters": {
            "sagemaker_program": '"objective.mjs"',
            "sagemaker_submit_directory": json.dumps(sys.argv[2]),
        },
        "AlgorithmSpecification": {
            "TrainingImage": sys.argv[3],
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "score", "Regex": "score=(-?[0-9.]+);"}],
        },
        "RoleArn": "arn:aws:iam::000000000000:role/SageMakerRole",
        "OutputDataConfig": {"S3OutputPath": "s3://boto/jobs"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 300},
    },
)
for _ in range(600):
    job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="boto-tuning")
    if job["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
        break
    time.sleep(0.1)
children = sm.list_training_jobs_for_hyper_parameter_tuning_job(
    HyperParameterTuningJobName="boto-tuning", SortBy="FinalObjectiveMetricValue", SortOrder="Descending"
)["TrainingJobSummaries"]
print(json.dumps({
    "status": job["HyperParameterTuningJobStatus"],
    "best": job["BestTrainingJob"],
    "counters": job["TrainingJobStatusCounters"],
    "children": children,
}, default=str))
`;

describe("tuning jobs through boto3 and the AWS CLI", () => {
  it("boto3 creates a tuning job, lists its child jobs and reads BestTrainingJob", async () => {
    const run = await boto3At(emulator, BOTO3_SCRIPT, [source, NODE_RUNTIME_IMAGE]);
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as {
      status: string;
      best: {
        TrainingJobName: string;
        TunedHyperParameters: Record<string, string>;
        FinalHyperParameterTuningJobObjectiveMetric: { Value: number };
      };
      counters: Record<string, number>;
      children: Array<{
        TrainingJobName: string;
        TunedHyperParameters: Record<string, string>;
        ObjectiveStatus: string;
      }>;
    };
    expect(out.status).toBe("Completed");
    expect(out.counters.Completed).toBe(4);
    expect(out.children).toHaveLength(4);
    expect(out.children.every((c) => c.ObjectiveStatus === "Succeeded")).toBe(true);
    // Sorted by objective, descending: the first child is the best job.
    expect(out.children[0]?.TrainingJobName).toBe(out.best.TrainingJobName);
    const scores = out.children.map((c) => objectiveScore(c.TunedHyperParameters));
    expect(out.best.FinalHyperParameterTuningJobObjectiveMetric.Value).toBe(Math.max(...scores));
  });

  it("the AWS CLI describes and lists tuning jobs and their training jobs, and refuses to stop a finished one", async () => {
    const cli = (...args: string[]) => awsCliAt(emulator, ["--output", "json", "sagemaker", ...args]);
    const aws = (...args: string[]) => awsCliJson(emulator, ["sagemaker", ...args]);
    const listed = (await aws("list-hyper-parameter-tuning-jobs", "--name-contains", "boto")) as {
      HyperParameterTuningJobSummaries: Array<{ HyperParameterTuningJobName: string; Strategy: string }>;
    };
    expect(listed.HyperParameterTuningJobSummaries).toMatchObject([
      { HyperParameterTuningJobName: "boto-tuning", Strategy: "Bayesian" },
    ]);
    const described = (await aws(
      "describe-hyper-parameter-tuning-job",
      "--hyper-parameter-tuning-job-name",
      "boto-tuning",
    )) as { ObjectiveStatusCounters: Record<string, number>; BestTrainingJob: { TrainingJobName: string } };
    expect(described.ObjectiveStatusCounters).toEqual({ Succeeded: 4, Pending: 0, Failed: 0 });
    const children = (await aws(
      "list-training-jobs-for-hyper-parameter-tuning-job",
      "--hyper-parameter-tuning-job-name",
      "boto-tuning",
      "--status-equals",
      "Completed",
    )) as { TrainingJobSummaries: Array<{ TrainingJobName: string }> };
    expect(children.TrainingJobSummaries.map((c) => c.TrainingJobName)).toContain(
      described.BestTrainingJob.TrainingJobName,
    );
    const stop = await cli(
      "stop-hyper-parameter-tuning-job",
      "--hyper-parameter-tuning-job-name",
      "boto-tuning",
    );
    expect(stop.code).not.toBe(0);
    expect(stop.stderr).toMatch(/ValidationException.*cannot be stopped/);
  });
});
