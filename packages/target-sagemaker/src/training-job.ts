import type { DescribeTrainingJobCommandOutput, TrainingJobSummary } from "@aws-sdk/client-sagemaker";
import {
  type Framework,
  isNodeRuntimeImage,
  MlshipError,
  type TrainingRun,
  type TrainingStatus,
} from "@mlship/core";
import { aws, sklearnVersionFromImage } from "@mlship/data-s3";
import type { SageMakerApi } from "./api.js";
import { userHyperparameters } from "./hyperparameters.js";
import { DEFAULT_CHECKPOINT_LOCAL_PATH } from "./training-request.js";

export const TARGET_NAME = "sagemaker";

/** What deploying (here or on Kyma) needs to know about a finished training job. */
export interface TrainingJobModel {
  jobName: string;
  /** `s3://.../<job>/output/model.tar.gz`. */
  modelData: string;
  /** `s3://.../<job>/source/sourcedir.tar.gz` (`sagemaker_submit_directory`). */
  sourceBundle: string;
  /** `sagemaker_program`. */
  entryPoint: string;
  /** The training image (sklearn containers serve with the same image). */
  image: string;
  region: string;
  frameworkVersion?: string;
  /** The job's execution role: a deploy reuses it, as the SageMaker SDK's `estimator.deploy()` does. */
  role?: string;
}

/** A hyperparameter value as the wire carries it (JSON-encoded string), decoded when it is a JSON string. */
function wireString(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === "string" ? parsed : value;
  } catch {
    return value;
  }
}

const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);

function regionFromArn(arn: string | undefined): string | undefined {
  return arn?.split(":")[3] || undefined;
}

export function frameworkOfImage(image: string | undefined): Framework | undefined {
  if (!image) return undefined;
  if (isNodeRuntimeImage(image)) return "node";
  return sklearnVersionFromImage(image) ? "sklearn" : undefined;
}

/** `<S3OutputPath>/<job>/output/<file>`: where SageMaker writes a job's artifacts. */
export function artifactUri(
  outputPath: string,
  jobName: string,
  file: "model.tar.gz" | "output.tar.gz",
): string {
  return `${outputPath.replace(/\/+$/, "")}/${jobName}/output/${file}`;
}

/** DescribeTrainingJob -> the JSON-safe TrainingRun every target returns. */
export function trainingRunFromDescription(d: DescribeTrainingJobCommandOutput): TrainingRun {
  const jobName = d.TrainingJobName ?? "";
  const image = d.AlgorithmSpecification?.TrainingImage;
  const hps = d.HyperParameters ?? {};
  const outputPath = d.OutputDataConfig?.S3OutputPath;
  const run: TrainingRun = {
    target: TARGET_NAME,
    jobName,
    status: (d.TrainingJobStatus ?? "InProgress") as TrainingStatus,
    secondaryStatus: d.SecondaryStatus,
    failureReason: d.FailureReason,
    modelArtifact: d.ModelArtifacts?.S3ModelArtifacts,
    outputArtifact:
      d.TrainingJobStatus === "Completed" && outputPath
        ? artifactUri(outputPath, jobName, "output.tar.gz")
        : undefined,
    sourceBundle: wireString(hps.sagemaker_submit_directory),
    entryPoint: wireString(hps.sagemaker_program),
    framework: frameworkOfImage(image),
    frameworkVersion: image ? sklearnVersionFromImage(image) : undefined,
    image,
    hyperparameters: userHyperparameters(hps),
    createdAt: iso(d.CreationTime),
    startedAt: iso(d.TrainingStartTime),
    endedAt: iso(d.TrainingEndTime),
    billableSeconds: d.BillableTimeInSeconds,
    finalMetrics: d.FinalMetricDataList?.length
      ? d.FinalMetricDataList.map((m) => ({
          name: m.MetricName ?? "",
          value: m.Value ?? Number.NaN,
          ...(m.Timestamp ? { timestamp: iso(m.Timestamp) } : {}),
        }))
      : undefined,
    details: {
      arn: d.TrainingJobArn ?? null,
      role: d.RoleArn ?? null,
      instanceType: d.ResourceConfig?.InstanceType ?? null,
      instanceCount: d.ResourceConfig?.InstanceCount ?? null,
      outputPath: outputPath ?? null,
      spot: d.EnableManagedSpotTraining ?? false,
      ...(d.StoppingCondition?.MaxRuntimeInSeconds
        ? { maxRuntimeSeconds: d.StoppingCondition.MaxRuntimeInSeconds }
        : {}),
      ...(d.StoppingCondition?.MaxWaitTimeInSeconds
        ? { maxWaitSeconds: d.StoppingCondition.MaxWaitTimeInSeconds }
        : {}),
      ...(d.CheckpointConfig?.S3Uri
        ? {
            checkpoint: {
              s3Uri: d.CheckpointConfig.S3Uri,
              localPath: d.CheckpointConfig.LocalPath || DEFAULT_CHECKPOINT_LOCAL_PATH,
            },
          }
        : {}),
    },
  };
  for (const key of Object.keys(run) as (keyof TrainingRun)[]) if (run[key] === undefined) delete run[key];
  return run;
}

export function trainingRunFromSummary(s: TrainingJobSummary): TrainingRun {
  const run: TrainingRun = {
    target: TARGET_NAME,
    jobName: s.TrainingJobName ?? "",
    status: (s.TrainingJobStatus ?? "InProgress") as TrainingStatus,
    secondaryStatus: s.SecondaryStatus,
    createdAt: iso(s.CreationTime),
    endedAt: iso(s.TrainingEndTime),
  };
  for (const key of Object.keys(run) as (keyof TrainingRun)[]) if (run[key] === undefined) delete run[key];
  return run;
}

export async function describeTrainingJob(
  api: SageMakerApi,
  jobName: string,
  signal?: AbortSignal,
): Promise<DescribeTrainingJobCommandOutput> {
  return aws(
    `Describing training job ${jobName}`,
    () => api.describeTrainingJob({ TrainingJobName: jobName }, { abortSignal: signal }),
    {
      where: jobName,
    },
  );
}

/**
 * The model a completed training job produced, with the code and image to serve it — what the SDK's
 * `Estimator.attach(job).create_model()` recovers. E_NOT_FOUND for an unknown job, E_INVALID_INPUT when it has no model.
 */
export async function lookupTrainingJob(api: SageMakerApi, jobName: string): Promise<TrainingJobModel> {
  const d = await describeTrainingJob(api, jobName);
  const run = trainingRunFromDescription(d);
  if (d.TrainingJobStatus !== "Completed" || !run.modelArtifact) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Training job ${jobName} has no model (status ${d.TrainingJobStatus})`,
      {
        hint: "Deploy a job once it has Completed.",
        where: jobName,
        details: { status: d.TrainingJobStatus, failureReason: d.FailureReason },
      },
    );
  }
  if (!run.sourceBundle || !run.entryPoint || !run.image) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Training job ${jobName} is not a script-mode job (no sagemaker_program/submit_directory)`,
      {
        hint: "Pass the model data URI, source dir and entry point explicitly.",
        where: jobName,
      },
    );
  }
  const region = wireString(d.HyperParameters?.sagemaker_region) ?? regionFromArn(d.TrainingJobArn) ?? "";
  return {
    jobName,
    modelData: run.modelArtifact,
    sourceBundle: run.sourceBundle,
    entryPoint: run.entryPoint,
    image: run.image,
    region,
    ...(run.frameworkVersion ? { frameworkVersion: run.frameworkVersion } : {}),
    ...(d.RoleArn ? { role: d.RoleArn } : {}),
  };
}
