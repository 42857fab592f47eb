import { AwsApiError } from "../aws-error.js";
import { type AccountScope, sageMakerArn, TRANSFORM_LOG_GROUP } from "./arn.js";
import { dataProcessing } from "./data-processing.js";
import { requiredName } from "./models.js";
import { listPage } from "./paging.js";
import type { RecordStore } from "./store.js";
import { toEpochSeconds } from "./time.js";
import { runTransform, type TransformRunDeps } from "./transform-instances.js";
import {
  createValidator,
  resourceName,
  S3_URI_PATTERN,
  validateTags,
  validationError,
} from "./validation.js";

export type TransformJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
const STATUS_VALUES = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"] as const;

export interface TransformJobRecord {
  TransformJobName: string;
  TransformJobArn: string;
  TransformJobStatus: TransformJobStatus;
  FailureReason?: string;
  ModelName: string;
  MaxConcurrentTransforms?: number;
  ModelClientConfig?: { InvocationsTimeoutInSeconds?: number; InvocationsMaxRetries?: number };
  MaxPayloadInMB?: number;
  BatchStrategy?: "MultiRecord" | "SingleRecord";
  Environment?: Record<string, string>;
  TransformInput: {
    DataSource: { S3DataSource: { S3DataType: string; S3Uri: string } };
    ContentType?: string;
    CompressionType?: string;
    SplitType?: string;
  };
  TransformOutput: { S3OutputPath: string; Accept?: string; AssembleWith?: string; KmsKeyId?: string };
  TransformResources: { InstanceType: string; InstanceCount: number; [member: string]: unknown };
  DataProcessing?: { InputFilter?: string; OutputFilter?: string; JoinSource?: string };
  Tags?: unknown[];
  /** Epoch ms, like every time below. */
  CreationTime: number;
  LastModifiedTime: number;
  TransformStartTime?: number;
  TransformEndTime?: number;
}

export interface TransformJobs {
  CreateTransformJob(input: Record<string, unknown>): { TransformJobArn: string };
  DescribeTransformJob(input: Record<string, unknown>): Record<string, unknown>;
  ListTransformJobs(input: Record<string, unknown>): Record<string, unknown>;
  StopTransformJob(input: Record<string, unknown>): Record<string, never>;
  /** After a restart: jobs left running by the previous process are reported as failed. */
  restore(): void;
  close(): Promise<void>;
  settled(name: string): Promise<void>;
}

export interface TransformJobDeps extends TransformRunDeps {
  scope: AccountScope;
  jobs: RecordStore<TransformJobRecord>;
}

// AWS truncates FailureReason to 1024 characters.
const MAX_FAILURE_REASON = 1024;

/**
 * CreateTransformJob and friends, doing the work: each instance a model server, the input objects
 * sharded across instances by S3 key, outputs at `<S3OutputPath>/<key relative to the input>.out`.
 */
export function createTransformJobs(deps: TransformJobDeps): TransformJobs {
  const { scope, jobs } = deps;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let closing = false;
  const notFound = (name: string) => validationError(`Could not find requested job with name ${name}`);

  const save = (job: TransformJobRecord) => {
    if (closing) return;
    job.LastModifiedTime = Date.now();
    jobs.put(job);
  };
  const finish = (job: TransformJobRecord, status: TransformJobStatus, reason?: string) => {
    job.TransformJobStatus = status;
    if (reason !== undefined) job.FailureReason = reason.slice(0, MAX_FAILURE_REASON);
    job.TransformEndTime = Date.now();
    save(job);
  };

  function start(job: TransformJobRecord): void {
    const controller = new AbortController();
    const key = job.TransformJobName.toLowerCase();
    const done = runTransform(deps, job, controller.signal, () => {
      job.TransformStartTime = Date.now();
      save(job);
    })
      .then((outcome) => {
        if (closing) return;
        if (controller.signal.aborted) finish(job, "Stopped");
        else if (outcome.failure) finish(job, "Failed", outcome.failure);
        else finish(job, "Completed");
      })
      .catch((error: unknown) => {
        if (closing) return;
        if (controller.signal.aborted) finish(job, "Stopped");
        else
          finish(
            job,
            "Failed",
            `InternalServerError: ${error instanceof Error ? error.message : String(error)}`,
          );
      })
      .finally(() => running.delete(key));
    running.set(key, { controller, done });
  }

  return {
    CreateTransformJob(input) {
      const job = validateCreate(scope, input);
      if (jobs.has(job.TransformJobName)) {
        throw new AwsApiError(
          "ResourceInUse",
          `Job name must be unique within an AWS account and region, and a job with this name already exists (${job.TransformJobArn})`,
        );
      }
      if (!deps.models.has(job.ModelName)) {
        throw validationError(`Could not find model "${sageMakerArn(scope, "model", job.ModelName)}".`);
      }
      deps.logs.ensureGroup(TRANSFORM_LOG_GROUP);
      jobs.put(job);
      start(job);
      return { TransformJobArn: job.TransformJobArn };
    },
    DescribeTransformJob(input) {
      const name = requiredName(input.TransformJobName, "transformJobName");
      const job = jobs.get(name);
      if (!job) throw notFound(name);
      return describe(job);
    },
    ListTransformJobs(input) {
      const { page, nextToken } = listPage(jobs.all(), input, {
        sortKeys: ["Name", "CreationTime", "Status"],
        statusValues: STATUS_VALUES,
        name: (j) => j.TransformJobName,
        created: (j) => j.CreationTime,
        modified: (j) => j.LastModifiedTime,
        status: (j) => j.TransformJobStatus,
      });
      return {
        TransformJobSummaries: page.map((j) => ({
          TransformJobName: j.TransformJobName,
          TransformJobArn: j.TransformJobArn,
          CreationTime: toEpochSeconds(j.CreationTime),
          TransformEndTime: toEpochSeconds(j.TransformEndTime),
          LastModifiedTime: toEpochSeconds(j.LastModifiedTime),
          TransformJobStatus: j.TransformJobStatus,
          FailureReason: j.FailureReason,
        })),
        NextToken: nextToken,
      };
    },
    StopTransformJob(input) {
      const name = requiredName(input.TransformJobName, "transformJobName");
      const job = jobs.get(name);
      if (!job) throw notFound(name);
      // As SageMaker: stopping a job that has already ended is a no-op, not an error.
      if (job.TransformJobStatus !== "InProgress") return {};
      job.TransformJobStatus = "Stopping";
      save(job);
      const state = running.get(name.toLowerCase());
      if (state) state.controller.abort(new Error("The transform job was stopped."));
      else finish(job, "Stopped");
      return {};
    },
    restore() {
      for (const job of jobs.load()) {
        if (job.TransformJobStatus === "InProgress") {
          finish(
            job,
            "Failed",
            "InternalServerError: The emulator restarted while the transform job was running.",
          );
        } else if (job.TransformJobStatus === "Stopping") finish(job, "Stopped");
      }
    },
    async close() {
      closing = true;
      const pending = [...running.values()];
      for (const state of pending) state.controller.abort(new Error("The emulator is shutting down."));
      await Promise.allSettled(pending.map((s) => s.done));
    },
    async settled(name) {
      await running.get(name.toLowerCase())?.done;
    },
  };
}

function validateCreate(scope: AccountScope, input: Record<string, unknown>): TransformJobRecord {
  const v = createValidator();
  const name = resourceName(v, input.TransformJobName, "transformJobName");
  const modelName = resourceName(v, input.ModelName, "modelName");
  v.number(input.MaxConcurrentTransforms, "maxConcurrentTransforms", { min: 0 });
  v.number(input.MaxPayloadInMB, "maxPayloadInMB", { min: 0, max: 100 });
  v.string(input.BatchStrategy, "batchStrategy", { oneOf: ["MultiRecord", "SingleRecord"] });
  v.stringMap(input.Environment, "environment", { maxEntries: 16, maxValueLength: 10240 });
  const client = v.object(input.ModelClientConfig, "modelClientConfig");
  if (client) {
    v.number(client.InvocationsTimeoutInSeconds, "modelClientConfig.invocationsTimeoutInSeconds", {
      min: 1,
      max: 3600,
    });
    v.number(client.InvocationsMaxRetries, "modelClientConfig.invocationsMaxRetries", { min: 0, max: 3 });
  }
  const tin = v.object(input.TransformInput, "transformInput", true);
  const source = tin ? v.object(tin.DataSource, "transformInput.dataSource", true) : undefined;
  const s3 = source
    ? v.object(source.S3DataSource, "transformInput.dataSource.s3DataSource", true)
    : undefined;
  if (s3) {
    v.string(s3.S3DataType, "transformInput.dataSource.s3DataSource.s3DataType", {
      required: true,
      oneOf: ["ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"],
    });
    v.string(s3.S3Uri, "transformInput.dataSource.s3DataSource.s3Uri", {
      required: true,
      maxLength: 1024,
      pattern: S3_URI_PATTERN,
    });
  }
  if (tin) {
    v.string(tin.CompressionType, "transformInput.compressionType", { oneOf: ["None", "Gzip"] });
    v.string(tin.SplitType, "transformInput.splitType", { oneOf: ["None", "Line", "RecordIO", "TFRecord"] });
  }
  const tout = v.object(input.TransformOutput, "transformOutput", true);
  if (tout) {
    v.string(tout.S3OutputPath, "transformOutput.s3OutputPath", {
      required: true,
      maxLength: 1024,
      pattern: S3_URI_PATTERN,
    });
    v.string(tout.AssembleWith, "transformOutput.assembleWith", { oneOf: ["None", "Line"] });
  }
  const resources = v.object(input.TransformResources, "transformResources", true);
  if (resources) {
    v.string(resources.InstanceType, "transformResources.instanceType", { required: true });
    v.number(resources.InstanceCount, "transformResources.instanceCount", { required: true, min: 1 });
  }
  const dp = v.object(input.DataProcessing, "dataProcessing");
  if (dp) {
    v.string(dp.InputFilter, "dataProcessing.inputFilter", { maxLength: 63 });
    v.string(dp.OutputFilter, "dataProcessing.outputFilter", { maxLength: 63 });
    v.string(dp.JoinSource, "dataProcessing.joinSource", { oneOf: ["Input", "None"] });
  }
  validateTags(v, input.Tags, "tags");
  v.done();
  const record = {
    TransformInput: tin,
    TransformOutput: tout,
    DataProcessing: dp,
    BatchStrategy: input.BatchStrategy,
  } as unknown as TransformJobRecord;
  checkSemantics(record);
  const now = Date.now();
  return {
    TransformJobName: name,
    TransformJobArn: sageMakerArn(scope, "transform-job", name),
    TransformJobStatus: "InProgress",
    ModelName: modelName,
    // SageMaker's defaults when the caller (and the container's execution-parameters) leave them out.
    MaxConcurrentTransforms: (input.MaxConcurrentTransforms as number | undefined) || 1,
    ModelClientConfig: {
      InvocationsTimeoutInSeconds: 600,
      InvocationsMaxRetries: 3,
      ...(client as TransformJobRecord["ModelClientConfig"]),
    },
    MaxPayloadInMB: (input.MaxPayloadInMB as number | undefined) ?? 6,
    BatchStrategy: (input.BatchStrategy as TransformJobRecord["BatchStrategy"]) ?? "MultiRecord",
    Environment: input.Environment as Record<string, string> | undefined,
    TransformInput: {
      CompressionType: "None",
      SplitType: "None",
      ...(tin as TransformJobRecord["TransformInput"]),
    },
    TransformOutput: tout as TransformJobRecord["TransformOutput"],
    TransformResources: resources as TransformJobRecord["TransformResources"],
    DataProcessing: dp as TransformJobRecord["DataProcessing"],
    Tags: input.Tags as unknown[] | undefined,
    CreationTime: now,
    LastModifiedTime: now,
  };
}

/** Cross-field rules SageMaker checks at creation, and what the emulator cannot run. */
function checkSemantics(job: TransformJobRecord): void {
  const source = job.TransformInput.DataSource.S3DataSource;
  if (source.S3DataType !== "S3Prefix") {
    throw validationError(
      `S3DataType ${source.S3DataType} is not supported by the mlship emulator for transform jobs (use S3Prefix).`,
    );
  }
  if (job.TransformInput.CompressionType === "Gzip") {
    throw validationError(
      "CompressionType Gzip is not supported by the mlship emulator (upload the input uncompressed).",
    );
  }
  const split = job.TransformInput.SplitType ?? "None";
  if (split === "RecordIO" || split === "TFRecord") {
    throw validationError(`SplitType ${split} is not supported by the mlship emulator (use Line or None).`);
  }
  if (job.BatchStrategy === "MultiRecord" && split === "None") {
    throw validationError("BatchStrategy MultiRecord requires SplitType Line, RecordIO or TFRecord.");
  }
  try {
    dataProcessing(job.DataProcessing, job.TransformInput.ContentType, job.TransformOutput.Accept);
  } catch (error) {
    throw validationError((error as Error).message);
  }
}

function describe(job: TransformJobRecord): Record<string, unknown> {
  return {
    TransformJobName: job.TransformJobName,
    TransformJobArn: job.TransformJobArn,
    TransformJobStatus: job.TransformJobStatus,
    FailureReason: job.FailureReason,
    ModelName: job.ModelName,
    MaxConcurrentTransforms: job.MaxConcurrentTransforms,
    ModelClientConfig: job.ModelClientConfig,
    MaxPayloadInMB: job.MaxPayloadInMB,
    BatchStrategy: job.BatchStrategy,
    Environment: job.Environment,
    TransformInput: job.TransformInput,
    TransformOutput: job.TransformOutput,
    TransformResources: job.TransformResources,
    CreationTime: toEpochSeconds(job.CreationTime),
    TransformStartTime: toEpochSeconds(job.TransformStartTime),
    TransformEndTime: toEpochSeconds(job.TransformEndTime),
    DataProcessing: job.DataProcessing,
  };
}
