import { join } from "node:path";
import {
  checkMetricDefinitions,
  isMlshipError,
  type MetricDefinition,
  type MetricValue,
  type ObjectStore,
} from "@mlship/core";
import { AwsApiError } from "../aws-error.js";
import type { LogStore } from "../logs/log-store.js";
import { type AccountScope, sageMakerArn, TRAINING_LOG_GROUP } from "./arn.js";
import { codeBundleUri } from "./code-bundle.js";
import { channelDefaults, outputDataConfigDefaults } from "./describe-defaults.js";
import { runtimeForImage, unsupportedImageReason } from "./images.js";
import { requiredName } from "./models.js";
import { listPage } from "./paging.js";
import type { LocalRuntime, TrainingRunResult } from "./runtime.js";
import { s3PrefixStore } from "./s3-prefix.js";
import type { RecordStore } from "./store.js";
import { toEpochSeconds } from "./time.js";
import {
  CHANNEL_NAME_PATTERN,
  createValidator,
  ROLE_ARN_PATTERN,
  resourceName,
  S3_URI_PATTERN,
  type Validator,
  validateTags,
  validationError,
} from "./validation.js";

export type TrainingJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

export interface StatusTransition {
  Status: string;
  /** Epoch ms. */
  StartTime: number;
  EndTime?: number;
  StatusMessage?: string;
}

export interface TrainingJobRecord {
  TrainingJobName: string;
  TrainingJobArn: string;
  TrainingJobStatus: TrainingJobStatus;
  SecondaryStatus: string;
  FailureReason?: string;
  HyperParameters?: Record<string, string>;
  AlgorithmSpecification: Record<string, unknown>;
  RoleArn: string;
  InputDataConfig?: Array<Record<string, unknown>>;
  OutputDataConfig: { S3OutputPath: string; [member: string]: unknown };
  ResourceConfig?: Record<string, unknown>;
  StoppingCondition: Record<string, unknown>;
  Environment?: Record<string, string>;
  EnableNetworkIsolation?: boolean;
  EnableInterContainerTrafficEncryption?: boolean;
  EnableManagedSpotTraining?: boolean;
  CheckpointConfig?: { S3Uri: string; LocalPath?: string };
  Tags?: unknown[];
  /** Epoch ms, like every time below. */
  CreationTime: number;
  LastModifiedTime: number;
  TrainingStartTime?: number;
  TrainingEndTime?: number;
  SecondaryStatusTransitions: StatusTransition[];
  ModelArtifacts?: { S3ModelArtifacts: string };
  TrainingTimeInSeconds?: number;
  BillableTimeInSeconds?: number;
  /** CloudWatch Logs stream the job writes (`<job>/algo-1-<epoch seconds>`). */
  LogStreamName: string;
  /** Last value of each metric definition seen in the log; Timestamp in epoch ms. */
  FinalMetricDataList?: Array<{ MetricName: string; Value: number; Timestamp: number }>;
  /** The tuning job that launched this job. */
  TuningJobArn?: string;
}

/** What a caller inside the emulator (the tuning jobs) learns about a job it started. */
export interface TrainingJobObserver {
  /** Each metric value as the job's log yields it. */
  onMetric?(value: MetricValue): void;
}

const STATUS_VALUES = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"] as const;

// The StatusMessage SageMaker shows for each secondary status.
const STATUS_MESSAGES: Record<string, string> = {
  Starting: "Preparing the instances for training",
  Downloading: "Downloading input data",
  Training: "Training image download completed. Training in progress.",
  Uploading: "Uploading generated training model",
  Completed: "Training job completed",
  Failed: "Training job failed",
  Stopping: "Stopping the training job",
  Stopped: "Training job stopped",
  MaxRuntimeExceeded: "Training job stopped because it exceeded the maximum runtime",
};

// AWS truncates FailureReason to 1024 characters.
const MAX_FAILURE_REASON = 1024;

export interface TrainingJobDeps {
  scope: AccountScope;
  jobs: RecordStore<TrainingJobRecord>;
  objectStore: ObjectStore;
  logs: LogStore;
  runtime: () => Promise<LocalRuntime>;
  /** Root for job working directories (the job's /opt/ml). */
  workRoot: string;
  python?: string;
}

export interface TrainingJobs {
  CreateTrainingJob(input: Record<string, unknown>): { TrainingJobArn: string };
  /** CreateTrainingJob for the emulator's own callers: tags the job with its tuning job and reports its metrics. */
  startJob(
    input: Record<string, unknown>,
    options?: { tuningJobArn?: string; observer?: TrainingJobObserver },
  ): TrainingJobRecord;
  /** The stored record (case-insensitive name). */
  record(name: string): TrainingJobRecord | undefined;
  DescribeTrainingJob(input: Record<string, unknown>): Record<string, unknown>;
  ListTrainingJobs(input: Record<string, unknown>): Record<string, unknown>;
  StopTrainingJob(input: Record<string, unknown>): Record<string, never>;
  /** Fault: make a running job fail with `reason`. */
  failJob(name: string, reason: string): void;
  /** After a restart: jobs left running by the previous process are reported as failed. */
  restore(): void;
  /** Stops every running job without recording an outcome (a restart reports them as failed). */
  close(): Promise<void>;
  /** Resolves once the job's background run has finished (tests, close). */
  settled(name: string): Promise<void>;
}

interface RunningJob {
  controller: AbortController;
  observer?: TrainingJobObserver;
  done: Promise<void>;
  /** Set by the fail-training-job fault. */
  forcedFailure?: string;
  stopRequested: boolean;
}

export function createTrainingJobs(deps: TrainingJobDeps): TrainingJobs {
  const { scope, jobs } = deps;
  const running = new Map<string, RunningJob>();
  let closing = false;

  const notFound = () => validationError("Requested resource not found.");

  /** Persists a change unless the emulator is shutting down (a restart must see the job as interrupted). */
  const save = (job: TrainingJobRecord) => {
    if (closing) return;
    job.LastModifiedTime = Date.now();
    jobs.put(job);
  };

  const transition = (job: TrainingJobRecord, status: string, message = STATUS_MESSAGES[status]) => {
    if (job.SecondaryStatus === status) return;
    const now = Date.now();
    const last = job.SecondaryStatusTransitions.at(-1);
    if (last && last.EndTime === undefined) last.EndTime = now;
    job.SecondaryStatus = status;
    const terminal =
      status === "Completed" ||
      status === "Failed" ||
      status === "Stopped" ||
      status === "MaxRuntimeExceeded";
    job.SecondaryStatusTransitions.push({
      Status: status,
      StartTime: now,
      ...(terminal ? { EndTime: now } : {}),
      StatusMessage: message,
    });
    save(job);
  };

  const finish = (
    job: TrainingJobRecord,
    status: "Completed" | "Failed" | "Stopped",
    secondary: string,
    reason?: string,
  ) => {
    const now = Date.now();
    job.TrainingJobStatus = status;
    if (reason !== undefined) job.FailureReason = reason.slice(0, MAX_FAILURE_REASON);
    job.TrainingStartTime ??= now;
    job.TrainingEndTime = now;
    const seconds = Math.max(1, Math.ceil((job.TrainingEndTime - job.TrainingStartTime) / 1000));
    job.TrainingTimeInSeconds = seconds;
    job.BillableTimeInSeconds = seconds;
    transition(job, secondary);
    save(job);
  };

  const log = (job: TrainingJobRecord, message: string) => {
    deps.logs.append(TRAINING_LOG_GROUP, job.LogStreamName, [{ timestamp: Date.now(), message }]);
  };

  const recordMetric = (job: TrainingJobRecord, state: RunningJob, value: MetricValue) => {
    const list = job.FinalMetricDataList ?? [];
    const entry = { MetricName: value.name, Value: value.value, Timestamp: value.timestamp };
    const at = list.findIndex((m) => m.MetricName === value.name);
    if (at >= 0) list[at] = entry;
    else list.push(entry);
    job.FinalMetricDataList = list;
    save(job);
    try {
      state.observer?.onMetric?.(value);
    } catch {
      // an observer's bug must not fail the job
    }
  };

  async function run(job: TrainingJobRecord, state: RunningJob): Promise<void> {
    const image = job.AlgorithmSpecification.TrainingImage as string | undefined;
    const runtimeKind = runtimeForImage(image);
    if (!runtimeKind) {
      finish(job, "Failed", "Failed", `ClientError: ${unsupportedImageReason(image)}`);
      return;
    }
    const hps = job.HyperParameters ?? {};
    const entryPoint = hyperparameter(hps, "sagemaker_program");
    if (!entryPoint) {
      finish(
        job,
        "Failed",
        "Failed",
        "ClientError: The hyperparameter 'sagemaker_program' (the entry point script) is missing.",
      );
      return;
    }
    const channels: Record<string, string> = {};
    for (const channel of job.InputDataConfig ?? []) {
      const source = (
        channel.DataSource as { S3DataSource?: { S3Uri?: string; S3DataType?: string } } | undefined
      )?.S3DataSource;
      if (source?.S3DataType !== undefined && source.S3DataType !== "S3Prefix") {
        finish(
          job,
          "Failed",
          "Failed",
          `ClientError: Channel '${String(channel.ChannelName)}': S3DataType ${source.S3DataType} is not supported by the emulator (use S3Prefix).`,
        );
        return;
      }
      if (!source?.S3Uri?.startsWith("s3://")) {
        finish(
          job,
          "Failed",
          "Failed",
          `ClientError: Channel '${String(channel.ChannelName)}': the emulator reads channels from s3:// URIs only.`,
        );
        return;
      }
      channels[channel.ChannelName as string] = source.S3Uri;
    }
    // The code comes from S3 as in SageMaker, never from a path on the emulator's host.
    const code = codeBundleUri(hyperparameter(hps, "sagemaker_submit_directory"), channels);
    if ("reason" in code) {
      finish(job, "Failed", "Failed", `ClientError: ${code.reason}`);
      return;
    }
    const sourceBundle = code.uri;
    const stopping = () => job.TrainingJobStatus === "Stopping" || state.stopRequested;
    let result: TrainingRunResult;
    try {
      const runtime = await deps.runtime();
      job.TrainingStartTime = Date.now();
      save(job);
      result = await runtime.runTrainingJob(
        {
          jobName: job.TrainingJobName,
          workDir: join(deps.workRoot, job.TrainingJobName.toLowerCase()),
          entryPoint,
          sourceBundle,
          channels,
          hyperparameters: hps,
          environment: job.Environment,
          runtime: runtimeKind,
          python: deps.python,
          maxRuntimeSeconds: job.StoppingCondition.MaxRuntimeInSeconds as number | undefined,
          instanceType: job.ResourceConfig?.InstanceType as string | undefined,
          instanceCount: job.ResourceConfig?.InstanceCount as number | undefined,
          objectStore: s3PrefixStore(deps.objectStore),
          metricDefinitions: metricDefinitionsOf(job),
          onMetric: (value) => recordMetric(job, state, value),
          ...(job.CheckpointConfig
            ? {
                checkpoints: { s3Uri: job.CheckpointConfig.S3Uri, localPath: job.CheckpointConfig.LocalPath },
              }
            : {}),
          onLog: (line) => log(job, line),
          onSecondaryStatus: (status) => {
            if (!stopping() && status !== "Uploading") transition(job, status);
          },
        },
        { signal: state.controller.signal },
      );
    } catch (error) {
      if (closing) return;
      const message = error instanceof Error ? error.message : String(error);
      if (stopping() && !state.forcedFailure) {
        finish(job, "Stopped", "Stopped");
        return;
      }
      const reason = state.forcedFailure ?? `ClientError: ${message}`;
      log(job, reason);
      finish(job, "Failed", "Failed", reason);
      return;
    }
    if (closing) return;
    if (state.forcedFailure) {
      finish(job, "Failed", "Failed", state.forcedFailure);
      return;
    }
    // SageMaker uploads whatever the job left in /opt/ml/model, also for stopped jobs.
    if (result.modelTarGz || result.outputTarGz) {
      if (result.modelTarGz && !stopping()) transition(job, "Uploading");
      try {
        const prefix = `${job.OutputDataConfig.S3OutputPath.replace(/\/+$/, "")}/${job.TrainingJobName}/output`;
        if (result.modelTarGz) {
          await deps.objectStore.upload(result.modelTarGz, `${prefix}/model.tar.gz`);
          job.ModelArtifacts = { S3ModelArtifacts: `${prefix}/model.tar.gz` };
        }
        if (result.outputTarGz) await deps.objectStore.upload(result.outputTarGz, `${prefix}/output.tar.gz`);
      } catch (error) {
        if (closing) return;
        const message = error instanceof Error ? error.message : String(error);
        finish(
          job,
          "Failed",
          "Failed",
          `ClientError: Could not upload the model artifacts to ${job.OutputDataConfig.S3OutputPath}: ${message}`,
        );
        return;
      }
    }
    if (closing) return;
    if (result.status === "Completed") finish(job, "Completed", "Completed");
    else if (result.status === "Stopped" || stopping()) {
      // A stop nobody asked for is the runtime enforcing MaxRuntimeInSeconds.
      finish(job, "Stopped", stopping() ? "Stopped" : "MaxRuntimeExceeded");
    } else finish(job, "Failed", "Failed", algorithmError(result.failureReason, result.exitCode));
  }

  function start(job: TrainingJobRecord, observer?: TrainingJobObserver): void {
    const state: RunningJob = {
      observer,
      controller: new AbortController(),
      done: Promise.resolve(),
      stopRequested: false,
    };
    running.set(job.TrainingJobName.toLowerCase(), state);
    state.done = run(job, state)
      .catch((error: unknown) => {
        if (!closing)
          finish(
            job,
            "Failed",
            "Failed",
            `InternalServerError: ${error instanceof Error ? error.message : String(error)}`,
          );
      })
      .finally(() => running.delete(job.TrainingJobName.toLowerCase()));
  }

  const startJob: TrainingJobs["startJob"] = (input, options = {}) => {
    const job = validateCreateTrainingJob(scope, input);
    if (jobs.has(job.TrainingJobName)) {
      throw new AwsApiError(
        "ResourceInUse",
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${job.TrainingJobArn})`,
      );
    }
    if (options.tuningJobArn) job.TuningJobArn = options.tuningJobArn;
    deps.logs.ensureStream(TRAINING_LOG_GROUP, job.LogStreamName);
    jobs.put(job);
    start(job, options.observer);
    return job;
  };

  return {
    CreateTrainingJob: (input) => ({ TrainingJobArn: startJob(input).TrainingJobArn }),
    startJob,
    record: (name) => jobs.get(name),
    DescribeTrainingJob(input) {
      const name = requiredName(input.TrainingJobName, "trainingJobName");
      const job = jobs.get(name);
      if (!job) throw notFound();
      return describe(job);
    },
    ListTrainingJobs(input) {
      const { page, nextToken } = listPage(jobs.all(), input, {
        sortKeys: ["Name", "CreationTime", "Status"],
        statusValues: STATUS_VALUES,
        name: (j) => j.TrainingJobName,
        created: (j) => j.CreationTime,
        modified: (j) => j.LastModifiedTime,
        status: (j) => j.TrainingJobStatus,
      });
      return {
        TrainingJobSummaries: page.map((j) => ({
          TrainingJobName: j.TrainingJobName,
          TrainingJobArn: j.TrainingJobArn,
          CreationTime: toEpochSeconds(j.CreationTime),
          TrainingEndTime: toEpochSeconds(j.TrainingEndTime),
          LastModifiedTime: toEpochSeconds(j.LastModifiedTime),
          TrainingJobStatus: j.TrainingJobStatus,
          SecondaryStatus: j.SecondaryStatus,
        })),
        NextToken: nextToken,
      };
    },
    StopTrainingJob(input) {
      const name = requiredName(input.TrainingJobName, "trainingJobName");
      const job = jobs.get(name);
      if (!job) throw notFound();
      if (job.TrainingJobStatus !== "InProgress") {
        throw validationError(
          `The request was rejected because the training job is in status ${job.TrainingJobStatus}.`,
        );
      }
      job.TrainingJobStatus = "Stopping";
      transition(job, "Stopping");
      const state = running.get(name.toLowerCase());
      if (state) {
        state.stopRequested = true;
        state.controller.abort();
      } else finish(job, "Stopped", "Stopped");
      return {};
    },
    failJob(name, reason) {
      const job = jobs.get(name);
      if (!job) throw notFound();
      const state = running.get(name.toLowerCase());
      if (!state || job.TrainingJobStatus !== "InProgress") {
        throw validationError(
          `Training job ${job.TrainingJobName} is not running (status ${job.TrainingJobStatus}).`,
        );
      }
      state.forcedFailure = reason;
      state.controller.abort();
    },
    restore() {
      for (const job of jobs.load()) {
        if (job.TrainingJobStatus === "InProgress") {
          finish(
            job,
            "Failed",
            "Failed",
            "InternalServerError: The emulator restarted while the training job was running.",
          );
        } else if (job.TrainingJobStatus === "Stopping") {
          finish(job, "Stopped", "Stopped");
        }
      }
    },
    async close() {
      closing = true;
      const pending = [...running.values()];
      for (const state of pending) state.controller.abort();
      await Promise.allSettled(pending.map((s) => s.done));
    },
    async settled(name) {
      await running.get(name.toLowerCase())?.done;
    },
  };
}

function metricDefinitionsOf(job: TrainingJobRecord): MetricDefinition[] {
  const defs = (job.AlgorithmSpecification.MetricDefinitions ?? []) as Array<{ Name: string; Regex: string }>;
  return defs.map((d) => ({ name: d.Name, regex: d.Regex }));
}

/** MetricDefinitions as SageMaker validates them: at most 40, Name 1-255, Regex 1-500, one capture group. */
export function validateMetricDefinitions(v: Validator, value: unknown, path: string): void {
  const defs = v.list(value, path, { max: 40 });
  defs?.forEach((raw, i) => {
    const at = `${path}.${i + 1}.member`;
    const def = v.object(raw, at, true);
    if (!def) return;
    v.string(def.Name, `${at}.name`, { required: true, minLength: 1, maxLength: 255, pattern: ".+" });
    v.string(def.Regex, `${at}.regex`, { required: true, minLength: 1, maxLength: 500, pattern: ".+" });
  });
}

/** The regexes themselves (after the shape checks): a ValidationException naming the bad one. */
function checkMetricRegexes(algorithm: Record<string, unknown> | undefined): void {
  const defs = (algorithm?.MetricDefinitions ?? []) as Array<{ Name: string; Regex: string }>;
  try {
    checkMetricDefinitions(defs.map((d) => ({ name: d.Name, regex: d.Regex })));
  } catch (error) {
    if (isMlshipError(error)) throw validationError(`MetricDefinitions: ${error.message}.`);
    throw error;
  }
}

/** Hyperparameters are JSON-encoded on the wire (`"\"train.py\""`); plain strings are accepted too. */
function hyperparameter(hps: Record<string, string>, key: string): string | undefined {
  const raw = hps[key];
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === "string" ? parsed : raw;
  } catch {
    return raw;
  }
}

/** SageMaker prefixes a failing script's reason (the failure file, or the exit status) with AlgorithmError. */
function algorithmError(reason: string | undefined, exitCode: number | null | undefined): string {
  const text = reason?.trim() || `The training script exited with code ${exitCode ?? "unknown"}.`;
  return text.startsWith("AlgorithmError") || text.startsWith("ClientError")
    ? text
    : `AlgorithmError: ${text}`;
}

/**
 * Managed spot training's stopping condition, as SageMaker answers CreateTrainingJob: MaxWaitTimeInSeconds
 * comes with spot only, spot needs it, and it covers the whole run (>= MaxRuntimeInSeconds, default one day).
 */
function checkSpotStoppingCondition(spot: boolean, stopping: Record<string, unknown> | undefined): void {
  const maxWait = stopping?.MaxWaitTimeInSeconds as number | undefined;
  const maxRuntime = (stopping?.MaxRuntimeInSeconds as number | undefined) ?? 86400;
  if (maxWait !== undefined && !spot) {
    throw validationError(
      "Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to true",
    );
  }
  if (spot && maxWait === undefined) {
    throw validationError(
      "Invalid MaxWaitTimeInSeconds. It is required when EnableManagedSpotTraining is set to true",
    );
  }
  if (maxWait !== undefined && maxWait < maxRuntime) {
    throw validationError(
      `Invalid MaxWaitTimeInSeconds. It must be greater than or equal to MaxRuntimeInSeconds (${maxRuntime})`,
    );
  }
}

/** CreateTrainingJob's validation (also used for a tuning job's training job definition). */
export function validateCreateTrainingJob(
  scope: AccountScope,
  input: Record<string, unknown>,
): TrainingJobRecord {
  const v = createValidator();
  const name = resourceName(v, input.TrainingJobName, "trainingJobName");
  v.stringMap(input.HyperParameters, "hyperParameters", { maxEntries: 100, maxValueLength: 2500 });
  const algorithm = v.object(input.AlgorithmSpecification, "algorithmSpecification", true);
  if (algorithm) {
    v.string(algorithm.TrainingImage, "algorithmSpecification.trainingImage", {
      maxLength: 255,
      pattern: ".*",
    });
    v.string(algorithm.TrainingInputMode, "algorithmSpecification.trainingInputMode", {
      required: true,
      oneOf: ["Pipe", "File", "FastFile"],
    });
    validateMetricDefinitions(v, algorithm.MetricDefinitions, "algorithmSpecification.metricDefinitions");
  }
  v.string(input.RoleArn, "roleArn", {
    required: true,
    minLength: 20,
    maxLength: 2048,
    pattern: ROLE_ARN_PATTERN,
  });
  const channels = v.list(input.InputDataConfig, "inputDataConfig", { min: 1, max: 20 });
  channels?.forEach((raw, i) => {
    const path = `inputDataConfig.${i + 1}.member`;
    const channel = v.object(raw, path, true);
    if (!channel) return;
    v.string(channel.ChannelName, `${path}.channelName`, {
      required: true,
      maxLength: 64,
      pattern: CHANNEL_NAME_PATTERN,
    });
    const source = v.object(channel.DataSource, `${path}.dataSource`, true);
    const s3 = source ? v.object(source.S3DataSource, `${path}.dataSource.s3DataSource`) : undefined;
    if (s3) {
      v.string(s3.S3DataType, `${path}.dataSource.s3DataSource.s3DataType`, {
        required: true,
        oneOf: ["ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"],
      });
      v.string(s3.S3Uri, `${path}.dataSource.s3DataSource.s3Uri`, {
        required: true,
        maxLength: 1024,
        pattern: S3_URI_PATTERN,
      });
    }
  });
  const output = v.object(input.OutputDataConfig, "outputDataConfig", true);
  if (output)
    v.string(output.S3OutputPath, "outputDataConfig.s3OutputPath", {
      required: true,
      maxLength: 1024,
      pattern: S3_URI_PATTERN,
    });
  const resources = v.object(input.ResourceConfig, "resourceConfig", true);
  if (resources) {
    v.number(resources.InstanceCount, "resourceConfig.instanceCount", { min: 0 });
    v.number(resources.VolumeSizeInGB, "resourceConfig.volumeSizeInGB", { min: 0 });
  }
  const stopping = v.object(input.StoppingCondition, "stoppingCondition");
  if (stopping) {
    v.number(stopping.MaxRuntimeInSeconds, "stoppingCondition.maxRuntimeInSeconds", { min: 1 });
    v.number(stopping.MaxWaitTimeInSeconds, "stoppingCondition.maxWaitTimeInSeconds", { min: 1 });
  }
  const checkpoint = v.object(input.CheckpointConfig, "checkpointConfig");
  if (checkpoint) {
    v.string(checkpoint.S3Uri, "checkpointConfig.s3Uri", {
      required: true,
      maxLength: 1024,
      pattern: S3_URI_PATTERN,
    });
    v.string(checkpoint.LocalPath, "checkpointConfig.localPath", { maxLength: 4096, pattern: ".*" });
  }
  validateTags(v, input.Tags, "tags");
  v.stringMap(input.Environment, "environment", { maxEntries: 100, maxValueLength: 512 });
  v.done();
  checkSpotStoppingCondition(input.EnableManagedSpotTraining === true, stopping);
  if (algorithm && !algorithm.TrainingImage && !algorithm.AlgorithmName) {
    throw validationError(
      "Either AlgorithmName or TrainingImage must be specified in AlgorithmSpecification.",
    );
  }
  checkMetricRegexes(algorithm);
  for (const [i, channel] of (channels ?? []).entries()) {
    const source = (channel as { DataSource?: Record<string, unknown> }).DataSource ?? {};
    if (!source.S3DataSource && !source.FileSystemDataSource) {
      throw validationError(`Channel ${i + 1} must specify an S3DataSource or a FileSystemDataSource.`);
    }
  }
  const names = new Set<string>();
  for (const channel of (channels ?? []) as Array<{ ChannelName: string }>) {
    if (names.has(channel.ChannelName))
      throw validationError(`Channel names must be unique: '${channel.ChannelName}' is repeated.`);
    names.add(channel.ChannelName);
  }
  const now = Date.now();
  return {
    TrainingJobName: name,
    TrainingJobArn: sageMakerArn(scope, "training-job", name),
    TrainingJobStatus: "InProgress",
    SecondaryStatus: "Starting",
    HyperParameters: input.HyperParameters as Record<string, string> | undefined,
    AlgorithmSpecification: algorithm ?? {},
    RoleArn: input.RoleArn as string,
    InputDataConfig: channels as Array<Record<string, unknown>> | undefined,
    OutputDataConfig: output as TrainingJobRecord["OutputDataConfig"],
    ResourceConfig: resources,
    // AWS fills in the default one-day limit when the caller leaves it out.
    StoppingCondition: { MaxRuntimeInSeconds: 86400, ...stopping },
    Environment: input.Environment as Record<string, string> | undefined,
    EnableNetworkIsolation: input.EnableNetworkIsolation as boolean | undefined,
    EnableInterContainerTrafficEncryption: input.EnableInterContainerTrafficEncryption as boolean | undefined,
    EnableManagedSpotTraining: input.EnableManagedSpotTraining as boolean | undefined,
    CheckpointConfig: checkpoint as TrainingJobRecord["CheckpointConfig"],
    Tags: input.Tags as unknown[] | undefined,
    CreationTime: now,
    LastModifiedTime: now,
    SecondaryStatusTransitions: [
      { Status: "Starting", StartTime: now, StatusMessage: STATUS_MESSAGES.Starting },
    ],
    LogStreamName: `${name}/algo-1-${Math.floor(now / 1000)}`,
  };
}

function describe(job: TrainingJobRecord): Record<string, unknown> {
  return {
    TrainingJobName: job.TrainingJobName,
    TrainingJobArn: job.TrainingJobArn,
    ModelArtifacts: job.ModelArtifacts,
    TrainingJobStatus: job.TrainingJobStatus,
    SecondaryStatus: job.SecondaryStatus,
    FailureReason: job.FailureReason,
    HyperParameters: job.HyperParameters,
    AlgorithmSpecification: job.AlgorithmSpecification,
    RoleArn: job.RoleArn,
    InputDataConfig: job.InputDataConfig?.map(channelDefaults),
    OutputDataConfig: outputDataConfigDefaults(job.OutputDataConfig),
    ResourceConfig: job.ResourceConfig,
    StoppingCondition: job.StoppingCondition,
    CreationTime: toEpochSeconds(job.CreationTime),
    TrainingStartTime: toEpochSeconds(job.TrainingStartTime),
    TrainingEndTime: toEpochSeconds(job.TrainingEndTime),
    LastModifiedTime: toEpochSeconds(job.LastModifiedTime),
    SecondaryStatusTransitions: job.SecondaryStatusTransitions.map((t) => ({
      Status: t.Status,
      StartTime: toEpochSeconds(t.StartTime),
      EndTime: toEpochSeconds(t.EndTime),
      StatusMessage: t.StatusMessage,
    })),
    EnableNetworkIsolation: job.EnableNetworkIsolation ?? false,
    EnableInterContainerTrafficEncryption: job.EnableInterContainerTrafficEncryption ?? false,
    EnableManagedSpotTraining: job.EnableManagedSpotTraining ?? false,
    CheckpointConfig: job.CheckpointConfig,
    TrainingTimeInSeconds: job.TrainingTimeInSeconds,
    BillableTimeInSeconds: job.BillableTimeInSeconds,
    Environment: job.Environment,
    TuningJobArn: job.TuningJobArn,
    FinalMetricDataList: job.FinalMetricDataList?.map((m) => ({
      MetricName: m.MetricName,
      Value: m.Value,
      Timestamp: toEpochSeconds(m.Timestamp),
    })),
  };
}
