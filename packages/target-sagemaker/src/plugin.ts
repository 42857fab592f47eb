import { defineTargetPlugin, type TargetFlag } from "@mlship/core/plugin";
import { z } from "zod";

const count = z.coerce.number().int().positive();
const seconds = z.coerce.number().int().min(0);

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
/** Whole seconds, as a number or a string: `7200`, `2h`, `90m`, `1h30m`, `45s`. */
const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const text = String(value).trim();
  const parts = DURATION.exec(text);
  const total = /^\d+$/.test(text)
    ? Number(text)
    : parts && text
      ? Number(parts[1] ?? 0) * 3600 + Number(parts[2] ?? 0) * 60 + Number(parts[3] ?? 0)
      : Number.NaN;
  if (Number.isInteger(total) && total > 0) return total;
  ctx.addIssue({
    code: "custom",
    message: `expected whole seconds or a duration such as 90m, 2h or 1h30m (got "${text}")`,
  });
  return z.NEVER;
});

/** What `mlship.config.json`, the environment and flags may set (programmatic users pass SageMakerTargetOptions). */
export const sageMakerPluginOptions = z
  .object({
    region: z.string().min(1).optional().describe("AWS region (default: the SDK chain)"),
    profile: z.string().min(1).optional().describe("Named AWS profile (~/.aws/config)"),
    endpoint: z
      .url()
      .optional()
      .describe("One endpoint URL for every AWS service (emulator, compatible API)"),
    credentials: z
      .object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() })
      .strict()
      .optional()
      .describe("Fixed credentials (default: the SDK chain)"),
    role: z.string().min(1).optional().describe("SageMaker execution role ARN"),
    bucket: z
      .string()
      .min(3)
      .optional()
      .describe("S3 bucket for code, artifacts and data (default sagemaker-<region>-<account>)"),
    prefix: z.string().optional().describe("Key prefix for staged training data (default mlship-data)"),
    serverlessMemoryMb: count.optional().describe("Deploy serverless endpoints with this memory (MB)"),
    maxAttempts: count.optional().describe("SDK retry attempts per call, first included (default 3)"),
    retryMode: z.enum(["standard", "adaptive"]).optional().describe("SDK retry mode (default standard)"),
    connections: count.optional().describe("Keep-alive sockets per host (default 50)"),
    transformInstanceCount: count
      .optional()
      .describe("Batch transform instances for `score --engine transform` (default 1)"),
    transformInstanceType: z
      .string()
      .min(1)
      .optional()
      .describe("Batch transform instance type for `score --engine transform` (default ml.m5.large)"),
    minInstances: count.optional().describe("Deploy with autoscaling: fewest instances"),
    maxInstances: count.optional().describe("Deploy with autoscaling: most instances"),
    targetInvocations: z.coerce
      .number()
      .positive()
      .optional()
      .describe("Deploy with autoscaling: invocations per instance per minute to hold"),
    scaleInCooldown: seconds.optional().describe("Autoscaling: seconds after a scale-in (default 300)"),
    scaleOutCooldown: seconds.optional().describe("Autoscaling: seconds after a scale-out (default 300)"),
    asyncOutput: z
      .string()
      .min(1)
      .optional()
      .describe("Deploy an asynchronous endpoint writing to this s3:// URI"),
    asyncSuccessTopic: z
      .string()
      .min(1)
      .optional()
      .describe("Asynchronous endpoint: SNS topic ARN on success"),
    asyncErrorTopic: z.string().min(1).optional().describe("Asynchronous endpoint: SNS topic ARN on error"),
    capturePercentage: z.coerce
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .describe("Data capture: percent of requests recorded (0-100)"),
    captureDestination: z.string().min(1).optional().describe("Data capture: s3:// URI of the records"),
    spot: z.boolean().optional().describe("Managed spot training for train and tune"),
    maxWaitSeconds: duration
      .optional()
      .describe("Spot: most seconds to wait for capacity and run (>= the max runtime; default: equal)"),
    checkpointS3Uri: z
      .string()
      .min(1)
      .optional()
      .describe("s3:// URI synced with the job's checkpoint folder (a new job resumes from it)"),
    checkpointLocalPath: z
      .string()
      .min(1)
      .optional()
      .describe("The job's checkpoint folder (default /opt/ml/checkpoints)"),
    tags: z
      .union([z.array(z.string()), z.record(z.string(), z.string())])
      .optional()
      .describe("Tags on training and tuning jobs, models, endpoint configs and endpoints"),
  })
  .strict();

/** A `deploy` flag (one entry, spread into `flags`); `paths` are the spec paths its errors name. */
const deployFlag = (
  name: TargetFlag["name"],
  option: string,
  description: string,
  paths?: string[],
): TargetFlag[] => [{ name, option, description, commands: ["deploy"], ...(paths ? { paths } : {}) }];

/** Batch transform sizing means nothing to the client-side scorer. */
const TRANSFORM_ENGINE = { flag: "--engine", value: "transform" } as const;

const EVERYWHERE = [
  "train",
  "deploy",
  "invoke",
  "score",
  "deployments",
  "jobs",
  "transforms",
  "tune",
  "rime",
];

/**
 * The `sagemaker` target as a plugin: training, deployment and the model resolver Kyma deploys with.
 * The SDK-backed implementation is imported by `create`, so reading the flags stays cheap.
 */
export default defineTargetPlugin({
  name: "sagemaker",
  apiVersion: 2,
  options: sageMakerPluginOptions,
  env: {
    region: "AWS_REGION",
    profile: "AWS_PROFILE",
    endpoint: "AWS_ENDPOINT_URL",
    role: "MLSHIP_SAGEMAKER_ROLE",
  },
  flags: [
    { name: "--region <region>", option: "region", description: "AWS region", commands: EVERYWHERE },
    { name: "--profile <profile>", option: "profile", description: "AWS profile", commands: EVERYWHERE },
    { name: "--endpoint-url <url>", option: "endpoint", description: "AWS endpoint", commands: EVERYWHERE },
    {
      name: "--role <arn>",
      option: "role",
      description: "SageMaker execution role (or MLSHIP_SAGEMAKER_ROLE)",
      commands: ["train", "deploy", "tune"],
    },
    {
      name: "--bucket <name>",
      option: "bucket",
      description: "S3 bucket for data, code and artifacts (default sagemaker-<region>-<account>)",
      commands: ["train", "deploy", "tune"],
    },
    {
      name: "--prefix <prefix>",
      option: "prefix",
      description: "S3 key prefix for staged data",
      commands: ["train", "tune"],
    },
    {
      name: "--serverless-memory <mb>",
      option: "serverlessMemoryMb",
      description: "serverless endpoint memory (MB) instead of instances",
      commands: ["deploy"],
    },
    {
      name: "--instance-count <n>",
      option: "transformInstanceCount",
      when: TRANSFORM_ENGINE,
      description: "score --engine transform: batch transform instances (default 1)",
      commands: ["score"],
    },
    {
      name: "--instance-type <type>",
      option: "transformInstanceType",
      when: TRANSFORM_ENGINE,
      description: "score --engine transform: batch transform instance type (default ml.m5.large)",
      commands: ["score"],
    },
    ...deployFlag(
      "--min-instances <n>",
      "minInstances",
      "autoscaling: fewest instances (with --max-instances, --target-invocations)",
      ["autoscaling.minInstances"],
    ),
    ...deployFlag("--max-instances <n>", "maxInstances", "autoscaling: most instances", [
      "autoscaling.maxInstances",
    ]),
    ...deployFlag(
      "--target-invocations <n>",
      "targetInvocations",
      "autoscaling: invocations per instance per minute to hold",
      ["autoscaling.targetInvocations"],
    ),
    ...deployFlag(
      "--scale-in-cooldown <s>",
      "scaleInCooldown",
      "autoscaling: seconds after a scale-in (default 300)",
      ["autoscaling.scaleInCooldown"],
    ),
    ...deployFlag(
      "--scale-out-cooldown <s>",
      "scaleOutCooldown",
      "autoscaling: seconds after a scale-out (default 300)",
      ["autoscaling.scaleOutCooldown"],
    ),
    ...deployFlag(
      "--async-output <s3-uri>",
      "asyncOutput",
      "asynchronous endpoint: where outputs are written",
      ["async.outputPath"],
    ),
    ...deployFlag(
      "--async-success-topic <arn>",
      "asyncSuccessTopic",
      "asynchronous endpoint: SNS topic on success",
      ["async.successTopic"],
    ),
    ...deployFlag(
      "--async-error-topic <arn>",
      "asyncErrorTopic",
      "asynchronous endpoint: SNS topic on error",
      ["async.errorTopic"],
    ),
    ...deployFlag(
      "--capture <percent>",
      "capturePercentage",
      "data capture: percent of requests recorded (with --capture-destination)",
      ["dataCapture.samplingPercentage"],
    ),
    ...deployFlag(
      "--capture-destination <s3-uri>",
      "captureDestination",
      "data capture: where records are written",
      ["dataCapture.destinationS3Uri"],
    ),
    {
      name: "--spot",
      option: "spot",
      description: "managed spot training (the SageMaker SDK's use_spot_instances)",
      commands: ["train", "tune"],
    },
    {
      name: "--max-wait <seconds|duration>",
      option: "maxWaitSeconds",
      description:
        "spot: most time to wait for capacity and run, >= --max-runtime (e.g. 7200, 2h; default: equal)",
      commands: ["train", "tune"],
    },
    {
      name: "--checkpoint-s3-uri <s3-uri>",
      option: "checkpointS3Uri",
      description: "checkpoints synced with this S3 prefix; a job started on it resumes from them",
      commands: ["train", "tune"],
    },
    {
      name: "--checkpoint-local-path <path>",
      option: "checkpointLocalPath",
      description: "the job's checkpoint folder (default /opt/ml/checkpoints)",
      commands: ["train", "tune"],
    },
    {
      name: "--tag <key=value...>",
      option: "tags",
      description: "tag on the job (train, tune) or model, endpoint config and endpoint (deploy); repeatable",
      commands: ["train", "tune", "deploy"],
    },
  ],
  async create(options) {
    const { createSageMakerTarget } = await import("./target.js");
    const { deployDefaultsFromFlags, splitDeployFlags } = await import("./deploy-flags.js");
    const { trainDefaultsFromFlags, splitTrainFlags } = await import("./train-flags.js");
    const deploy = splitDeployFlags(options);
    const { flags, rest } = splitTrainFlags(deploy.rest);
    const trainDefaults = trainDefaultsFromFlags(flags);
    const target = createSageMakerTarget({
      ...rest,
      trainDefaults,
      deployDefaults: {
        ...deployDefaultsFromFlags(deploy.flags),
        ...(trainDefaults.tags ? { tags: trainDefaults.tags } : {}),
      },
    });
    return {
      train: target.training,
      deploy: target.deployment,
      modelResolver: target.models,
      transform: target.transformer,
      tune: target.tuning,
    };
  },
});
