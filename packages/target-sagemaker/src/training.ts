import { stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { CreateTrainingJobCommandInput } from "@aws-sdk/client-sagemaker";
import {
  abortError,
  checkMetricDefinitions,
  createMetricParser,
  type DataRef,
  emit,
  isMlshipError,
  type ListOptions,
  type LogEvent,
  type LogOptions,
  MlshipError,
  NODE_RUNTIME_IMAGE,
  type OperationContext,
  type TrainingRun,
  type TrainingStatus,
  type TrainSpec,
} from "@mlship/core";
import {
  aws,
  deleteObjects,
  downloadAndExtract,
  parseS3Uri,
  sklearnImageUri,
  uploadSourceDir,
  wrapAwsError,
} from "@mlship/data-s3";
import { encodeHyperparameters } from "./hyperparameters.js";
import { LogTail, readTrainingLogs } from "./logs.js";
import { baseNameFromEntryPoint, isValidName, nameFromBase } from "./naming.js";
import { resourceTags } from "./resource-tags.js";
import type { Session } from "./session.js";
import {
  artifactUri,
  describeTrainingJob,
  trainingRunFromDescription,
  trainingRunFromSummary,
} from "./training-job.js";
import {
  buildCreateTrainingJobRequest,
  checkTrainingLimits,
  type TrainingChannel,
  type VpcConfig,
} from "./training-request.js";
import { backoff, sleep } from "./wait.js";

/** TrainSpec plus the SageMaker-only knobs of the SDK's Estimator. */
export interface SageMakerTrainSpec extends TrainSpec {
  /** Execution role ARN (overrides the target's `role` / MLSHIP_SAGEMAKER_ROLE). */
  role?: string;
  volumeSizeGb?: number;
  /** Managed spot training; `maxWaitSeconds` >= maxRuntimeSeconds (default: equal). */
  spot?: boolean | { maxWaitSeconds?: number };
  vpc?: VpcConfig;
  checkpointS3Uri?: string;
  checkpointLocalPath?: string;
  /** Stream CloudWatch logs as `training.log` events while waiting (default true; the seed's `logs`). */
  logs?: boolean;
  enableNetworkIsolation?: boolean;
  outputKmsKeyId?: string;
}

const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);
const LOG_TAIL_LINES = 20;
const STOP_TIMEOUT_MS = 10 * 60_000;

const isScriptRuntime = (entryPoint: string) => /\.(m?js|cjs)$/.test(entryPoint);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export interface PreparedJob {
  jobName: string;
  image: string;
  program: string;
  bucket: string;
  outputPath: string;
  staged: DataRef[];
}

type ChannelInput = { name: string; uri: string; contentType?: string } | { name: string; path: string };

/** Every channel checked (shape, s3:// URI, local path exists) before anything is uploaded. */
async function checkChannels(spec: TrainSpec): Promise<ChannelInput[]> {
  const out: ChannelInput[] = [];
  for (const [name, value] of Object.entries(spec.channels ?? {})) {
    if (typeof value === "object" && value !== null) {
      if (typeof value.uri !== "string" || !value.uri.startsWith("s3://")) {
        throw new MlshipError("E_INVALID_INPUT", `Channel "${name}" is an object without an s3:// uri`, {
          where: `channels.${name}`,
          hint: "Pass a DataRef (what stage() returns), an s3:// URI, or a local path as a string.",
        });
      }
      parseS3Uri(value.uri);
      out.push({ name, uri: value.uri, contentType: value.contentType });
      continue;
    }
    if (typeof value !== "string" || !value) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Channel "${name}" needs a DataRef, an s3:// URI or a local path`,
        {
          where: `channels.${name}`,
        },
      );
    }
    if (value.startsWith("s3://")) {
      parseS3Uri(value);
      out.push({ name, uri: value, contentType: spec.contentType });
      continue;
    }
    const path = resolve(value.replace(/^file:\/\//, ""));
    if (!(await exists(path))) {
      throw new MlshipError("E_INVALID_INPUT", `Channel "${name}": no such file or directory: ${path}`, {
        where: `channels.${name}`,
      });
    }
    out.push({ name, path });
  }
  return out;
}

/** Stages the local channels; each DataRef is pushed to `staged` as soon as it exists. */
async function resolveChannels(
  session: Session,
  spec: TrainSpec,
  inputs: ChannelInput[],
  jobName: string,
  ctx: OperationContext | undefined,
  staged: DataRef[],
): Promise<TrainingChannel[]> {
  const channels: TrainingChannel[] = [];
  for (const input of inputs) {
    if (!("path" in input)) {
      channels.push(input);
      continue;
    }
    const { name, path } = input;
    const stager = await session.stager();
    const ref = await stager.stage({ path }, { channel: name, run: jobName }, ctx);
    staged.push(ref);
    emit(ctx, { type: "data.staged", job: jobName, ref });
    channels.push({ name, uri: ref.uri, contentType: spec.contentType ?? ref.contentType });
  }
  return channels;
}

function resolveImage(spec: TrainSpec, region: string): string {
  if (spec.image) return spec.image;
  const framework = spec.framework ?? (isScriptRuntime(spec.entryPoint) ? "node" : "sklearn");
  if (framework === "node") return NODE_RUNTIME_IMAGE;
  return sklearnImageUri(region, spec.frameworkVersion, { scope: "training" });
}

/** A job's CreateTrainingJob request, built after its code is uploaded and its data staged. */
export interface PreparedRequest {
  request: CreateTrainingJobCommandInput;
  prepared: PreparedJob;
  /** Removes what preparing uploaded (when the job is never created). */
  discard(): Promise<void>;
}

/**
 * Everything before CreateTrainingJob: checks (before any upload), the code bundle under
 * `<bucket>/<name>/source/`, staged channels, the request. `name` is the job's (or a tuning job's);
 * `assertFree` refuses a name already taken. On failure, what it uploaded is removed.
 */
export async function prepareTrainingJob(
  session: Session,
  spec: SageMakerTrainSpec,
  name: string,
  ctx: OperationContext | undefined,
  assertFree: (signal?: AbortSignal) => Promise<void>,
  beforeUpload: () => void = () => {},
): Promise<PreparedRequest> {
  if (!spec.entryPoint)
    throw new MlshipError("E_INVALID_INPUT", "entryPoint is required", { where: "entryPoint" });
  const region = await session.region();
  const role = session.role(spec.role);
  const image = resolveImage(spec, region);
  const jobName = name;
  // Everything that can be checked here is, before code is uploaded or data staged.
  checkMetricDefinitions(spec.metricDefinitions);
  const channelInputs = await checkChannels(spec);
  checkTrainingLimits(
    spec,
    channelInputs.map((ch) => ch.name),
  );
  beforeUpload();
  let program: string;
  let submitDirectory: string | undefined;
  let localSourceDir: string | undefined;
  if (spec.sourceDir?.startsWith("s3://")) {
    program = spec.entryPoint;
    submitDirectory = spec.sourceDir;
  } else {
    localSourceDir = resolve(spec.sourceDir ?? dirname(spec.entryPoint));
    program = spec.sourceDir ? spec.entryPoint : basename(spec.entryPoint);
    if (!(await exists(join(localSourceDir, program)))) {
      throw new MlshipError("E_INVALID_INPUT", `Entry point ${program} not found in ${localSourceDir}`, {
        where: "entryPoint",
        hint: "entryPoint is relative to sourceDir (or a path to the script when sourceDir is not given).",
      });
    }
  }
  // Code and output share one bucket: the output path's (like the SDK's code_location default).
  const outputPath = spec.outputPath ?? `s3://${await session.bucket(ctx?.signal)}/`;
  if (!outputPath.startsWith("s3://")) {
    throw new MlshipError("E_INVALID_INPUT", `outputPath must be an s3:// URI (got ${outputPath})`, {
      where: "outputPath",
    });
  }
  const bucket = parseS3Uri(outputPath).bucket;

  submitDirectory ??= `s3://${bucket}/${jobName}/source/sourcedir.tar.gz`;
  const hyperparameters = encodeHyperparameters(spec.hyperparameters, {
    program,
    submitDirectory,
    jobName,
    region,
  });
  // The code goes to <bucket>/<name>/source/: a job that already has this name keeps its bundle (a model
  // deployed from it serves that code), so its name is refused before the upload, not by the Create call.
  await assertFree(ctx?.signal);
  const staged: DataRef[] = [];
  let bundle: string | undefined;
  const discard = () => discardUnstartedJob(session, assertFree, bundle, staged);
  try {
    if (localSourceDir) {
      bundle = submitDirectory;
      // Without a sourceDir only the script is shipped, as the SageMaker SDK does: never its whole folder.
      await uploadSourceDir(
        session.deps.s3,
        localSourceDir,
        submitDirectory,
        ctx,
        spec.sourceDir ? {} : { only: [program] },
      );
    }
    const channels = await resolveChannels(session, spec, channelInputs, jobName, ctx, staged);
    const request = buildCreateTrainingJobRequest({
      jobName,
      image,
      role,
      hyperparameters,
      channels,
      outputPath,
      instanceType: spec.instanceType,
      instanceCount: spec.instanceCount,
      volumeSizeGb: spec.volumeSizeGb,
      maxRuntimeSeconds: spec.maxRuntimeSeconds,
      spot: spec.spot,
      checkpointS3Uri: spec.checkpointS3Uri,
      checkpointLocalPath: spec.checkpointLocalPath,
      vpc: spec.vpc,
      tags: spec.tags,
      environment: spec.environment,
      enableNetworkIsolation: spec.enableNetworkIsolation,
      outputKmsKeyId: spec.outputKmsKeyId,
      metricDefinitions: spec.metricDefinitions,
    });
    return { request, prepared: { jobName, image, program, bucket, outputPath, staged }, discard };
  } catch (e) {
    await discard();
    throw e;
  }
}

/** Starts a script-mode job: upload code, stage local data, CreateTrainingJob; waits unless `wait: false`. */
export async function train(
  session: Session,
  spec: SageMakerTrainSpec,
  ctx?: OperationContext,
): Promise<TrainingRun> {
  const jobName =
    spec.jobName ?? nameFromBase(spec.baseJobName ?? baseNameFromEntryPoint(spec.entryPoint ?? ""));
  const { request, prepared, discard } = await prepareTrainingJob(
    session,
    spec,
    jobName,
    ctx,
    (signal) => assertJobNameFree(session, jobName, signal),
    () => {
      if (!isValidName(jobName)) {
        throw new MlshipError("E_INVALID_INPUT", `Invalid training job name "${jobName}"`, {
          hint: "Use 1-63 letters, digits and hyphens, starting with a letter or digit.",
          where: "jobName",
        });
      }
    },
  );
  try {
    await aws(`Creating training job ${jobName}`, () => session.deps.api.createTrainingJob(request), {
      where: jobName,
    });
  } catch (e) {
    await discard();
    throw e;
  }
  emit(ctx, { type: "training.status", job: jobName, status: "InProgress", secondaryStatus: "Starting" });

  if (spec.wait === false)
    return withStaged(
      trainingRunFromDescription(await describeTrainingJob(session.deps.api, jobName)),
      prepared,
    );
  const run = await waitForTrainingJob(session, jobName, ctx, {
    logs: spec.logs !== false,
    emitted: "InProgress/Starting",
  });
  return withStaged(run, prepared);
}

async function assertJobNameFree(session: Session, jobName: string, signal?: AbortSignal): Promise<void> {
  try {
    await describeTrainingJob(session.deps.api, jobName, signal);
  } catch (e) {
    if (isMlshipError(e) && e.code === "E_NOT_FOUND") return;
    throw e;
  }
  throw new MlshipError("E_ALREADY_EXISTS", `A training job named ${jobName} already exists`, {
    where: "jobName",
    hint: "Training job names are unique per account and region: pass another jobName (or none).",
  });
}

/**
 * After a failure before the job exists: removes the code bundle and the data this call uploaded, which
 * nothing would ever use or report. If the job exists after all (CreateTrainingJob failed on the client's
 * side only), they stay.
 */
async function discardUnstartedJob(
  session: Session,
  assertFree: () => Promise<void>,
  bundle: string | undefined,
  staged: DataRef[],
): Promise<void> {
  if (!bundle && !staged.length) return;
  try {
    await assertFree();
  } catch {
    return;
  }
  if (bundle) await deleteObjects(session.deps.s3, [bundle]).catch(() => {});
  for (const ref of staged) {
    await session
      .stager()
      .then((stager) => stager.cleanup(ref))
      .catch(() => {});
  }
}

function withStaged(run: TrainingRun, job: PreparedJob): TrainingRun {
  if (!job.staged.length) return run;
  // Staged data stays put (never deleted as a side effect); report it so the caller can clean it up.
  return { ...run, details: { ...run.details, staged: job.staged.map((r) => ({ ...r })) as never } };
}

/**
 * Polls DescribeTrainingJob with backoff, emitting each status/secondary-status transition and (optionally) the
 * job's CloudWatch logs. Failed -> E_TRAINING_FAILED with the reason and last log lines. An aborted signal stops
 * the job, waits for Stopped, then rejects with E_ABORTED.
 */
export async function waitForTrainingJob(
  session: Session,
  jobName: string,
  ctx?: OperationContext,
  options: {
    logs?: boolean /** `status/secondary` already reported by the caller. */;
    emitted?: string;
  } = {},
): Promise<TrainingRun> {
  const tail = new LogTail(session.deps.logs, { prefix: `${jobName}/` });
  const lastLines: string[] = [];
  // The job's own metric definitions (from its description) read the tailed lines, as SageMaker does.
  let metrics: ReturnType<typeof createMetricParser> | undefined;
  const pollLogs = async (signal?: AbortSignal) => {
    for (const ev of await tail.poll(signal)) {
      if (options.logs !== false) emit(ctx, { type: "training.log", job: jobName, ...ev });
      for (const value of metrics?.line(ev.message, ev.timestamp) ?? [])
        emit(ctx, { type: "training.metric", job: jobName, ...value });
      lastLines.push(ev.message);
      if (lastLines.length > LOG_TAIL_LINES) lastLines.shift();
    }
  };
  const signal = ctx?.signal;
  const delays = backoff(session.poll);
  let lastKey = options.emitted ?? "";
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal, `Training job ${jobName}`);
      const d = await describeTrainingJob(session.deps.api, jobName, signal);
      metrics ??= metricParserOf(d.AlgorithmSpecification?.MetricDefinitions);
      const key = `${d.TrainingJobStatus}/${d.SecondaryStatus}`;
      if (key !== lastKey) {
        lastKey = key;
        const transitions = d.SecondaryStatusTransitions ?? [];
        emit(ctx, {
          type: "training.status",
          job: jobName,
          status: (d.TrainingJobStatus ?? "InProgress") as TrainingStatus,
          secondaryStatus: d.SecondaryStatus,
          message: transitions[transitions.length - 1]?.StatusMessage,
        });
      }
      await pollLogs(signal);
      if (TERMINAL.has(d.TrainingJobStatus ?? "")) {
        // One more pass: CloudWatch may publish the last lines after the status flips (the SDK does the same).
        await pollLogs(signal);
        const run = trainingRunFromDescription(d);
        if (d.TrainingJobStatus === "Failed") {
          throw new MlshipError(
            "E_TRAINING_FAILED",
            `Training job ${jobName} failed: ${d.FailureReason ?? "no reason given"}${
              lastLines.length ? `\nLast log lines:\n${lastLines.join("\n")}` : ""
            }`,
            {
              where: jobName,
              hint: readTrainingLogs(jobName),
              details: { jobName, failureReason: d.FailureReason, lastLogLines: [...lastLines], run },
            },
          );
        }
        return run;
      }
      await sleep(delays.next().value, signal, `Training job ${jobName}`);
    }
  } catch (e) {
    if (!signal?.aborted || (isMlshipError(e) && e.code === "E_TRAINING_FAILED")) throw e;
    await stopAndWait(session, jobName, ctx);
    throw abortError(signal, `Training job ${jobName}`);
  }
}

/** A parser for a described job's MetricDefinitions; none when it has none (or SageMaker took a regex we cannot). */
function metricParserOf(
  definitions: Array<{ Name?: string; Regex?: string }> | undefined,
): ReturnType<typeof createMetricParser> | undefined {
  if (!definitions?.length) return undefined;
  try {
    return createMetricParser(definitions.map((d) => ({ name: d.Name ?? "", regex: d.Regex ?? "" })));
  } catch {
    return undefined;
  }
}

async function stopAndWait(session: Session, jobName: string, ctx?: OperationContext): Promise<void> {
  await stopTraining(session, jobName);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  const delays = backoff(session.poll);
  let last = "";
  while (Date.now() < deadline) {
    const d = await describeTrainingJob(session.deps.api, jobName);
    if (d.TrainingJobStatus !== last) {
      last = d.TrainingJobStatus ?? "";
      emit(ctx, {
        type: "training.status",
        job: jobName,
        status: (d.TrainingJobStatus ?? "Stopping") as TrainingStatus,
        secondaryStatus: d.SecondaryStatus,
      });
    }
    if (TERMINAL.has(last)) return;
    await sleep(delays.next().value);
  }
}

/** StopTrainingJob; a job that already ended is not an error. */
export async function stopTraining(session: Session, jobName: string): Promise<void> {
  try {
    await session.deps.api.stopTrainingJob({ TrainingJobName: jobName });
  } catch (e) {
    const err = wrapAwsError(e, `Stopping training job ${jobName}`, { where: jobName });
    // SageMaker answers ValidationException when the job is no longer in progress.
    if (err.code === "E_INVALID_INPUT") {
      const d = await describeTrainingJob(session.deps.api, jobName);
      if (TERMINAL.has(d.TrainingJobStatus ?? "") || d.TrainingJobStatus === "Stopping") return;
    }
    throw err;
  }
}

export async function describeTraining(
  session: Session,
  jobName: string,
  ctx?: OperationContext,
): Promise<TrainingRun> {
  const description = await describeTrainingJob(session.deps.api, jobName, ctx?.signal);
  const run = trainingRunFromDescription(description);
  const tags = await resourceTags(
    session.deps.api,
    description.TrainingJobArn,
    `training job ${jobName}`,
    ctx?.signal,
  );
  return tags ? { ...run, details: { ...run.details, tags } } : run;
}

export async function listTraining(session: Session, options: ListOptions = {}): Promise<TrainingRun[]> {
  const out: TrainingRun[] = [];
  let NextToken: string | undefined;
  const max = options.maxResults ?? 50;
  do {
    const page = await aws("Listing training jobs", () =>
      session.deps.api.listTrainingJobs({
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: Math.min(100, max - out.length),
        ...(options.nameContains ? { NameContains: options.nameContains } : {}),
        NextToken,
      }),
    );
    for (const s of page.TrainingJobSummaries ?? []) out.push(trainingRunFromSummary(s));
    NextToken = page.NextToken;
  } while (NextToken && out.length < max);
  return out.slice(0, max);
}

/** The job's log lines across hosts, in time order; with `follow`, until the job ends. */
export async function* trainingLogs(
  session: Session,
  jobName: string,
  options: LogOptions = {},
): AsyncGenerator<LogEvent> {
  const tail = new LogTail(session.deps.logs, { prefix: `${jobName}/` });
  const delays = backoff(session.poll);
  // Fail fast on an unknown job rather than waiting for logs that never come.
  await describeTrainingJob(session.deps.api, jobName, options.signal);
  for (;;) {
    yield* await tail.poll(options.signal);
    if (!options.follow) return;
    const d = await describeTrainingJob(session.deps.api, jobName, options.signal);
    if (TERMINAL.has(d.TrainingJobStatus ?? "")) {
      yield* await tail.poll(options.signal);
      return;
    }
    await sleep(delays.next().value, options.signal, `Following logs of ${jobName}`);
  }
}

/** Downloads and safely extracts the job's model.tar.gz into `dir`. */
export async function downloadModel(
  session: Session,
  jobName: string,
  dir: string,
  ctx?: OperationContext,
): Promise<string[]> {
  const run = await describeTraining(session, jobName, ctx);
  if (!run.modelArtifact) {
    throw new MlshipError(
      "E_NOT_FOUND",
      `Training job ${jobName} has no model artifact (status ${run.status})`,
      { where: jobName },
    );
  }
  return downloadAndExtract(session.deps.s3, run.modelArtifact, dir, ctx);
}

/** Downloads and extracts output.tar.gz (what the script wrote to /opt/ml/output/data) into `dir`. */
export async function downloadOutput(
  session: Session,
  jobName: string,
  dir: string,
  ctx?: OperationContext,
): Promise<string[]> {
  const d = await describeTrainingJob(session.deps.api, jobName, ctx?.signal);
  const outputPath = d.OutputDataConfig?.S3OutputPath;
  if (!outputPath || d.TrainingJobStatus !== "Completed") {
    throw new MlshipError(
      "E_NOT_FOUND",
      `Training job ${jobName} has no output (status ${d.TrainingJobStatus})`,
      { where: jobName },
    );
  }
  return downloadAndExtract(session.deps.s3, artifactUri(outputPath, jobName, "output.tar.gz"), dir, ctx);
}

/** model.tar.gz into `dir`, output.tar.gz (when the job wrote one) into `dir/output`. */
export async function downloadArtifacts(
  session: Session,
  jobName: string,
  dir: string,
  ctx?: OperationContext,
): Promise<string[]> {
  const files = await downloadModel(session, jobName, dir, ctx);
  try {
    files.push(...(await downloadOutput(session, jobName, join(dir, "output"), ctx)));
  } catch (e) {
    if (!(isMlshipError(e) && e.code === "E_NOT_FOUND")) throw e;
  }
  return files;
}
