import type { CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import { checkMetricDefinitions, type MetricDefinition, MlshipError } from "@mlship/core";

export const DEFAULT_TRAINING_INSTANCE_TYPE = "ml.m5.large";
/** The SDK's defaults: 30 GB volume, 24 h max runtime, checkpoints at /opt/ml/checkpoints. */
export const DEFAULT_VOLUME_SIZE_GB = 30;
export const DEFAULT_MAX_RUNTIME_SECONDS = 24 * 60 * 60;
export const DEFAULT_CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints";

export interface TrainingChannel {
  name: string;
  /** `s3://bucket/prefix/` (S3Prefix) or one object. */
  uri: string;
  contentType?: string;
  distribution?: "FullyReplicated" | "ShardedByS3Key";
}

export interface VpcConfig {
  subnets: string[];
  securityGroupIds: string[];
}

export interface TrainingJobRequestInput {
  jobName: string;
  image: string;
  role: string;
  /** Wire hyperparameters (already JSON-encoded, `sagemaker_*` included). */
  hyperparameters: Record<string, string>;
  channels: TrainingChannel[];
  /** `S3OutputPath`: the model lands at `<outputPath>/<job>/output/model.tar.gz`. */
  outputPath: string;
  instanceType?: string;
  instanceCount?: number;
  volumeSizeGb?: number;
  maxRuntimeSeconds?: number;
  /** Managed spot training; `maxWaitSeconds` (>= max runtime) defaults to the max runtime. */
  spot?: boolean | { maxWaitSeconds?: number };
  checkpointS3Uri?: string;
  checkpointLocalPath?: string;
  vpc?: VpcConfig;
  tags?: Record<string, string>;
  environment?: Record<string, string>;
  outputKmsKeyId?: string;
  volumeKmsKeyId?: string;
  enableNetworkIsolation?: boolean;
  /** Metrics SageMaker reads from the job's log (AlgorithmSpecification.MetricDefinitions). */
  metricDefinitions?: MetricDefinition[];
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Role from the option, else `MLSHIP_SAGEMAKER_ROLE`; a clear E_CONFIG when neither is set or it is not a role ARN. */
export function resolveRole(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const role = option ?? env.MLSHIP_SAGEMAKER_ROLE;
  if (!role) {
    throw new MlshipError(
      "E_CONFIG",
      "No SageMaker execution role: SageMaker needs an IAM role ARN to run jobs and models",
      {
        hint: "Pass `role` (e.g. arn:aws:iam::123456789012:role/SageMakerExecution) or set MLSHIP_SAGEMAKER_ROLE.",
        where: "role",
      },
    );
  }
  if (!ROLE_ARN.test(role)) {
    throw new MlshipError("E_CONFIG", `"${role}" is not an IAM role ARN`, {
      hint: "Expected arn:aws:iam::<12-digit account>:role/<name>.",
      where: "role",
    });
  }
  return role;
}

export function toTags(
  tags: Record<string, string> | undefined,
): { Key: string; Value: string }[] | undefined {
  const entries = Object.entries(tags ?? {});
  return entries.length ? entries.map(([Key, Value]) => ({ Key, Value })) : undefined;
}

const nonEmpty = <T extends object>(o: T | undefined): T | undefined =>
  o && Object.keys(o).length ? o : undefined;

function positiveInt(value: number, where: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new MlshipError("E_INVALID_INPUT", `${where} must be a positive integer (got ${value})`, { where });
  }
  return value;
}

/**
 * The request's local checks (limits, spot wait, channel names), without the request: `train` runs them
 * before it uploads code or stages data, so bad input leaves nothing behind in S3.
 */
export function checkTrainingLimits(
  input: Pick<
    TrainingJobRequestInput,
    "maxRuntimeSeconds" | "spot" | "instanceCount" | "volumeSizeGb" | "checkpointS3Uri"
  >,
  channelNames: string[],
): { maxRuntime: number; maxWait?: number; instanceCount: number; volumeSizeGb: number } {
  const maxRuntime = positiveInt(input.maxRuntimeSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS, "maxRuntimeSeconds");
  if (input.checkpointS3Uri !== undefined && !/^s3:\/\/[^/]+/.test(input.checkpointS3Uri)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Checkpoints are synced with S3: "${input.checkpointS3Uri}" is not an s3:// URI`,
      { where: "checkpointS3Uri", hint: "Pass s3://<bucket>/<prefix> as `checkpointS3Uri`." },
    );
  }
  const spot = input.spot === true ? {} : input.spot || undefined;
  let maxWait: number | undefined;
  if (spot) {
    maxWait = positiveInt(spot.maxWaitSeconds ?? maxRuntime, "spot.maxWaitSeconds");
    if (maxWait < maxRuntime) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Spot max wait (${maxWait}s) must be at least the max runtime (${maxRuntime}s)`,
        { where: "spot.maxWaitSeconds", hint: "Raise maxWaitSeconds or lower maxRuntimeSeconds." },
      );
    }
  }
  const names = new Set<string>();
  for (const name of channelNames) {
    if (!/^[A-Za-z0-9.\-_]{1,64}$/.test(name) || names.has(name)) {
      throw new MlshipError("E_INVALID_INPUT", `Invalid or duplicate channel name "${name}"`, {
        where: `channels.${name}`,
      });
    }
    names.add(name);
  }
  return {
    maxRuntime,
    maxWait,
    instanceCount: positiveInt(input.instanceCount ?? 1, "instanceCount"),
    volumeSizeGb: positiveInt(input.volumeSizeGb ?? DEFAULT_VOLUME_SIZE_GB, "volumeSizeGb"),
  };
}

/** The CreateTrainingJob request a SageMaker Python SDK script-mode estimator sends. Pure. */
export function buildCreateTrainingJobRequest(input: TrainingJobRequestInput): CreateTrainingJobCommandInput {
  const { maxRuntime, maxWait, instanceCount, volumeSizeGb } = checkTrainingLimits(
    input,
    input.channels.map((ch) => ch.name),
  );
  const spot = maxWait !== undefined;
  checkMetricDefinitions(input.metricDefinitions);
  for (const ch of input.channels) {
    if (!ch.uri.startsWith("s3://")) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Channel "${ch.name}" must be an s3:// URI by now (got ${ch.uri})`,
        {
          where: `channels.${ch.name}`,
        },
      );
    }
  }
  return {
    TrainingJobName: input.jobName,
    AlgorithmSpecification: {
      TrainingImage: input.image,
      TrainingInputMode: "File",
      ...(input.metricDefinitions?.length
        ? { MetricDefinitions: input.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })) }
        : {}),
    },
    RoleArn: input.role,
    HyperParameters: input.hyperparameters,
    InputDataConfig: input.channels.length
      ? input.channels.map((ch) => ({
          ChannelName: ch.name,
          DataSource: {
            S3DataSource: {
              S3DataType: "S3Prefix",
              S3Uri: ch.uri,
              S3DataDistributionType: ch.distribution ?? "FullyReplicated",
            },
          },
          ...(ch.contentType ? { ContentType: ch.contentType } : {}),
        }))
      : undefined,
    OutputDataConfig: {
      S3OutputPath: input.outputPath,
      ...(input.outputKmsKeyId ? { KmsKeyId: input.outputKmsKeyId } : {}),
    },
    ResourceConfig: {
      InstanceType: (input.instanceType ?? DEFAULT_TRAINING_INSTANCE_TYPE) as never,
      InstanceCount: instanceCount,
      VolumeSizeInGB: volumeSizeGb,
      ...(input.volumeKmsKeyId ? { VolumeKmsKeyId: input.volumeKmsKeyId } : {}),
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: maxRuntime,
      ...(maxWait ? { MaxWaitTimeInSeconds: maxWait } : {}),
    },
    ...(spot ? { EnableManagedSpotTraining: true } : {}),
    ...(input.checkpointS3Uri
      ? {
          CheckpointConfig: {
            S3Uri: input.checkpointS3Uri,
            LocalPath: input.checkpointLocalPath ?? DEFAULT_CHECKPOINT_LOCAL_PATH,
          },
        }
      : {}),
    ...(input.vpc
      ? { VpcConfig: { Subnets: input.vpc.subnets, SecurityGroupIds: input.vpc.securityGroupIds } }
      : {}),
    ...(input.enableNetworkIsolation ? { EnableNetworkIsolation: true } : {}),
    Environment: nonEmpty(input.environment),
    Tags: toTags(input.tags),
  };
}
