import type { ChildProcess } from "node:child_process";
import { access, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, delimiter, dirname, extname, join, resolve } from "node:path";
import {
  createMetricParser,
  emit,
  isMlshipError,
  type MetricDefinition,
  type MetricValue,
  MlshipError,
  type ObjectStore,
  type OperationContext,
} from "@mlship/core";
import { extractTarGz } from "@mlship/core/archive";
import { packDir } from "../archive.js";
import { forEachLine } from "../lines.js";
import { killGroup, signalGroup, spawnGroup } from "../process-group.js";
import { findPython } from "../python.js";
import { fetchFile, needStore, stageChannel } from "../sources.js";
import { type CheckpointSync, checkpointDir, restoreCheckpoints, saveCheckpoints } from "./checkpoints.js";
import { JobLog, type LogStream } from "./job-log.js";
import { buildToolkitEnv, type JobPaths, jobPaths } from "./toolkit-env.js";

export type SecondaryStatus = "Starting" | "Downloading" | "Training" | "Uploading";

export interface LocalTrainingOptions {
  jobName: string;
  /** Job root; mirrors /opt/ml (input/config, input/data/<channel>, model, output, code). */
  workDir: string;
  /** Script to run, relative to the code (`train.py`, `train.mjs`). */
  entryPoint: string;
  /** Local code directory (copied to `code/`); default the entry point's directory. */
  sourceDir?: string;
  /** Or a `sourcedir.tar.gz`: a local path or s3:// (fetched with `objectStore`). */
  sourceBundle?: string;
  /** Channel name -> local file/directory or s3:// prefix/object. */
  channels?: Record<string, string>;
  /** Wire form: every value JSON-encoded (user hyperparameters and `sagemaker_*`). */
  hyperparameters?: Record<string, string>;
  /** Extra environment variables for the script (win over the SM_* ones). */
  environment?: Record<string, string>;
  /** Default: `node` for .js/.mjs/.cjs entry points, else `python`. */
  runtime?: "python" | "node";
  /** Python interpreter (else MLSHIP_PYTHON, else detected; see findPython). */
  python?: string;
  maxRuntimeSeconds?: number;
  instanceType?: string;
  /** Only one host runs locally; a larger count is reported in the log. */
  instanceCount?: number;
  objectStore?: ObjectStore;
  onLog?: (line: string, stream: LogStream) => void;
  onSecondaryStatus?: (status: SecondaryStatus) => void;
  /** Called once the script's process runs (its pid leads a process group). */
  onStart?: (info: { pid: number }) => void;
  /** Metrics to read from the log (SageMaker's MetricDefinitions); checked before anything starts. */
  metricDefinitions?: MetricDefinition[];
  /** Each metric value as it is parsed (also emitted as a `training.metric` event). */
  onMetric?: (value: MetricValue) => void;
  /** SageMaker's CheckpointConfig: restored before the script starts, saved after it ends (needs `objectStore`). */
  checkpoints?: CheckpointSync;
}

export interface LocalTrainingResult {
  jobName: string;
  status: "Completed" | "Failed" | "Stopped";
  failureReason?: string;
  exitCode?: number | null;
  modelTarGz?: string;
  outputTarGz?: string;
  logFile: string;
  startedAt: Date;
  endedAt: Date;
  /** The last value of each defined metric seen in the log. */
  finalMetrics: MetricValue[];
}

/** SageMaker caps FailureReason at 1024 characters. */
const MAX_REASON = 1024;
const clip = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);

export const runtimeFor = (entryPoint: string): "python" | "node" =>
  [".js", ".mjs", ".cjs"].includes(extname(entryPoint)) ? "node" : "python";

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

interface Stop {
  kind: "aborted" | "timeout";
}

/**
 * Runs a SageMaker script-mode training job on this machine: lays out `workDir` like /opt/ml, stages
 * code and channels, runs the entry point with the training toolkit's environment and arguments,
 * streams its output, and packs `model/` as model.tar.gz and `output/data/` as output.tar.gz.
 * Never rejects for a failing script: the result says Failed (or Stopped, on abort or time limit).
 */
export async function runTrainingJob(
  options: LocalTrainingOptions,
  ctx?: OperationContext,
): Promise<LocalTrainingResult> {
  if (!options.jobName || !options.workDir || !options.entryPoint) {
    throw new MlshipError("E_INVALID_INPUT", "runTrainingJob needs jobName, workDir and entryPoint", {
      details: { jobName: options.jobName, workDir: options.workDir, entryPoint: options.entryPoint },
    });
  }
  const parser = createMetricParser(options.metricDefinitions);
  const startedAt = new Date();
  const workDir = resolve(options.workDir);
  const paths = jobPaths(workDir);
  await mkdir(workDir, { recursive: true });
  const log = new JobLog(join(workDir, "training.log"), options.jobName, ctx, options.onLog, startedAt, {
    parser,
    onMetric: options.onMetric,
  });
  const artifactsDir = join(workDir, "artifacts");

  const stopper = new AbortController();
  let stop: Stop | undefined;
  const requestStop = (kind: Stop["kind"]) => {
    if (stop) return;
    stop = { kind };
    stopper.abort();
  };
  const onAbort = () => requestStop("aborted");
  if (ctx?.signal?.aborted) onAbort();
  ctx?.signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    options.maxRuntimeSeconds !== undefined
      ? setTimeout(() => requestStop("timeout"), options.maxRuntimeSeconds * 1000)
      : undefined;

  const secondary = (status: SecondaryStatus, message?: string) => {
    emit(ctx, {
      type: "training.status",
      job: options.jobName,
      status: "InProgress",
      secondaryStatus: status,
      message,
    });
    try {
      options.onSecondaryStatus?.(status);
    } catch {
      // listener bugs do not fail the job
    }
  };
  const finish = async (
    status: LocalTrainingResult["status"],
    extra: Partial<LocalTrainingResult>,
  ): Promise<LocalTrainingResult> => {
    clearTimeout(timer);
    ctx?.signal?.removeEventListener("abort", onAbort);
    const result: LocalTrainingResult = {
      jobName: options.jobName,
      status,
      logFile: log.file,
      startedAt,
      endedAt: new Date(),
      finalMetrics: [],
      ...extra,
    };
    log.line(
      `Training job ${status}${result.failureReason ? `: ${result.failureReason.split("\n")[0]}` : ""}`,
    );
    await log.close();
    result.finalMetrics = log.finalMetrics();
    emit(ctx, {
      type: "training.status",
      job: options.jobName,
      status,
      secondaryStatus: stop?.kind === "timeout" ? "MaxRuntimeExceeded" : status,
      message: result.failureReason,
    });
    return result;
  };
  const stoppedResult = () =>
    finish("Stopped", {
      ...(stop?.kind === "timeout"
        ? { failureReason: `MaxRuntimeExceeded: the job ran longer than ${options.maxRuntimeSeconds} s` }
        : {}),
    });

  let command: string[] = [];
  try {
    secondary("Starting", "Preparing the instances for training");
    await prepareDirs(paths);
    const runtime = options.runtime ?? runtimeFor(options.entryPoint);
    const interpreter =
      runtime === "python" ? await findPython({ python: options.python }) : process.execPath;
    if ((options.instanceCount ?? 1) > 1) {
      log.line(`instanceCount ${options.instanceCount}: the local runtime runs one host (algo-1)`);
    }
    if (stop) return await stoppedResult();

    secondary("Downloading", "Downloading input data");
    const entryPoint = await stageCode(options, paths, join(workDir, "tmp"), ctx);
    if (await exists(join(paths.codeDir, "requirements.txt"))) {
      log.line(
        "requirements.txt found in the source directory: not installed (the local runtime has no network); skipped",
      );
    }
    const channels: Record<string, { contentType?: string }> = {};
    for (const [name, source] of Object.entries(options.channels ?? {})) {
      if (stop) return await stoppedResult();
      await stageChannel(name, source, join(paths.inputDataDir, name), options.objectStore, ctx);
      channels[name] = {};
    }
    const checkpoints = options.checkpoints && {
      sync: options.checkpoints,
      dir: checkpointDir(workDir, options.checkpoints.localPath),
      store: needStore(options.checkpoints.s3Uri, options.objectStore, "checkpoints"),
    };
    if (checkpoints) {
      const restored = await restoreCheckpoints(checkpoints.sync, checkpoints.dir, checkpoints.store, ctx);
      log.line(
        `Checkpoints: ${checkpoints.sync.localPath ?? "/opt/ml/checkpoints"} is ${checkpoints.dir} here; ${restored.length} restored from ${checkpoints.sync.s3Uri}`,
      );
    }
    const toolkit = buildToolkitEnv({
      jobName: options.jobName,
      paths,
      entryPoint,
      channels,
      hyperparameters: options.hyperparameters ?? {},
      instanceType: options.instanceType,
      moduleDir: options.sourceBundle,
      runtime,
    });
    for (const [file, content] of Object.entries(toolkit.configFiles)) {
      await writeFile(join(paths.inputConfigDir, file), JSON.stringify(content));
    }
    if (stop) return await stoppedResult();

    secondary("Training", "Training image download completed. Training in progress.");
    command = [interpreter, entryPoint, ...toolkit.args];
    log.line(`Invoking script with the following command: ${command.map(shellQuote).join(" ")}`);
    const env: Record<string, string | undefined> = {
      ...process.env,
      PYTHONUNBUFFERED: "TRUE",
      PYTHONDONTWRITEBYTECODE: "1",
      ...toolkit.env,
      PYTHONPATH: [paths.codeDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      ...options.environment,
    };
    const exit = await runScript(command, paths.codeDir, env, log, stopper.signal, options.onStart);
    // Also after a stop: an interrupted job's checkpoints are what a resumed one starts from.
    if (checkpoints) await saveCheckpoints(checkpoints.sync, checkpoints.dir, checkpoints.store);

    if (stop) return await stoppedResult();
    secondary("Uploading", "Uploading generated training model");
    await mkdir(artifactsDir, { recursive: true });
    const outputTarGz = await packDir(paths.outputDataDir, join(artifactsDir, "output.tar.gz"));
    const failure = await readFile(paths.failureFile, "utf8").catch(() => undefined);
    if (exit.code !== 0 || failure !== undefined) {
      return await finish("Failed", {
        failureReason: clip(failureReason(failure, exit, command, log)),
        exitCode: exit.code,
        outputTarGz,
      });
    }
    const modelTarGz = await packDir(paths.modelDir, join(artifactsDir, "model.tar.gz"));
    return await finish("Completed", { exitCode: 0, modelTarGz, outputTarGz });
  } catch (error) {
    if (stop) return await stoppedResult();
    const message = isMlshipError(error) ? error.message : `ClientError: ${(error as Error).message}`;
    log.line(message, "stderr");
    return await finish("Failed", { failureReason: clip(message) });
  }
}

async function prepareDirs(paths: JobPaths): Promise<void> {
  // A re-run in the same workDir must not see the last run's model, failure file or code.
  for (const dir of [paths.modelDir, paths.outputDir, paths.codeDir, paths.inputDir]) {
    await rm(dir, { recursive: true, force: true });
  }
  for (const dir of [
    paths.inputConfigDir,
    paths.inputDataDir,
    paths.modelDir,
    paths.outputDataDir,
    paths.outputIntermediateDir,
    paths.codeDir,
  ]) {
    await mkdir(dir, { recursive: true });
  }
}

/** Copies or unpacks the code into `code/`; returns the entry point relative to it. */
async function stageCode(
  options: LocalTrainingOptions,
  paths: JobPaths,
  tmpDir: string,
  ctx: OperationContext | undefined,
): Promise<string> {
  let entryPoint = options.entryPoint;
  if (options.sourceBundle) {
    const bundle = await fetchFile(options.sourceBundle, tmpDir, options.objectStore, "source bundle", ctx);
    await extractTarGz(bundle, paths.codeDir);
  } else {
    let sourceDir = options.sourceDir;
    if (!sourceDir) {
      sourceDir = dirname(resolve(entryPoint));
      entryPoint = basename(entryPoint);
    }
    await cp(resolve(sourceDir), paths.codeDir, { recursive: true }).catch((error: unknown) => {
      throw new MlshipError("E_NOT_FOUND", `Source directory ${sourceDir} cannot be read`, {
        cause: error,
        where: "sourceDir",
      });
    });
  }
  if (!(await exists(join(paths.codeDir, entryPoint)))) {
    throw new MlshipError("E_NOT_FOUND", `Entry point ${entryPoint} is not in the source code`, {
      hint: "entryPoint is relative to sourceDir (or the root of sourceBundle).",
      where: "entryPoint",
      details: { entryPoint },
    });
  }
  return entryPoint;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the script in its own process group; on stop kills the whole group. */
function runScript(
  command: string[],
  cwd: string,
  env: Record<string, string | undefined>,
  log: JobLog,
  signal: AbortSignal,
  onStart: LocalTrainingOptions["onStart"],
): Promise<Exit> {
  const [file = "", ...args] = command;
  return new Promise((done, fail) => {
    let child: ChildProcess;
    try {
      child = spawnGroup(file, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      fail(error);
      return;
    }
    const pid = child.pid;
    let streamsOpen = 2;
    let exit: Exit | undefined;
    const settle = () => {
      if (exit && streamsOpen === 0) {
        signal.removeEventListener("abort", onAbort);
        // Whatever the script started and left behind goes with it, as when a container ends.
        if (pid !== undefined) signalGroup(pid, "SIGKILL");
        done(exit);
      }
    };
    const onAbort = () => {
      if (pid !== undefined) void killGroup(pid);
    };
    const closeStream = () => {
      streamsOpen--;
      settle();
    };
    if (child.stdout) {
      forEachLine(child.stdout, (line) => log.line(line, "stdout"));
      child.stdout.on("close", closeStream);
    } else streamsOpen--;
    if (child.stderr) {
      forEachLine(child.stderr, (line) => log.line(line, "stderr"));
      child.stderr.on("close", closeStream);
    } else streamsOpen--;
    child.on("error", (error) => {
      fail(
        new MlshipError("E_RUNTIME_NOT_FOUND", `Cannot start ${file}: ${error.message}`, {
          cause: error,
          details: { command: file },
        }),
      );
    });
    child.on("exit", (code, sig) => {
      exit = { code, signal: sig };
      // Grandchildren holding our pipes would keep the streams open forever.
      if (pid !== undefined) signalGroup(pid, "SIGKILL");
      settle();
    });
    if (pid !== undefined) {
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
      try {
        onStart?.({ pid });
      } catch {
        // listener bugs do not fail the job
      }
    }
  });
}

function failureReason(failure: string | undefined, exit: Exit, command: string[], log: JobLog): string {
  if (failure !== undefined && failure.trim() !== "") return failure.trim();
  const code = exit.code ?? (exit.signal ? `signal ${exit.signal}` : "unknown");
  const lines = log.lastStderr(8);
  const message = lines.length ? lines.join("\n") : "(no output on stderr)";
  // The shape of the toolkit's ExecuteUserScriptError, which SageMaker puts in FailureReason.
  return `AlgorithmError: ExecuteUserScriptError:\nExitCode ${code}\nErrorMessage "${message}"\nCommand "${command.join(" ")}", exit code: ${code}`;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
