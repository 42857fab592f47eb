import { access, open, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  abortError,
  checkMetricDefinitions,
  emit,
  isNodeRuntimeImage,
  type ListOptions,
  type LogEvent,
  type LogOptions,
  MlshipError,
  type OperationContext,
  type TrainingRun,
  type TrainSpec,
  type TrainTarget,
  toFinalMetrics,
} from "@mlship/core";
import { extractTarGz } from "@mlship/core/archive";
import { killGroup, processAlive } from "../process-group.js";
import { parseLogLine } from "../training/job-log.js";
import { runTrainingJob, runtimeFor } from "../training/run-training-job.js";
import type { LocalTargetContext } from "./context.js";
import type { DeploymentRecord } from "./local-deploy.js";
import { checkName } from "./state.js";

/** What the state dir keeps per job: the run plus what this target needs to find it again. */
export interface JobRecord {
  run: TrainingRun;
  /** The process waiting for the job (it writes the result). */
  runnerPid: number;
  /** The script's process (leader of its process group). */
  pid?: number;
  /** The code as staged for the job (`<job>/code`), for deploying it later. */
  codeDir: string;
  runtime: "python" | "node";
}

const JOB_FILE = "job.json";
/** Written by stop() from any process; a separate file so the runner's own writes cannot lose it. */
const STOP_FILE = "stop-requested";
const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);

/** SageMaker's `<base>-<yyyy-mm-dd-HH-MM-SS-mmm>`, at most 63 characters. */
export function jobNameFor(spec: TrainSpec, now = new Date()): string {
  if (spec.jobName) return checkName(spec.jobName, "training job");
  const stamp = now.toISOString().replace(/[:T.]/g, "-").replace("Z", "");
  const base = (spec.baseJobName ?? basename(spec.entryPoint, extname(spec.entryPoint)))
    .replace(/[^a-zA-Z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63 - stamp.length - 1);
  return checkName(`${base || "job"}-${stamp}`, "training job");
}

/** The local deployments whose model is this job's: they serve its code folder, so the job must stay. */
async function deploymentsOf(c: LocalTargetContext, jobName: string): Promise<string[]> {
  const users: string[] = [];
  for (const name of await c.state.names("deployments")) {
    const record = await c.state
      .read<DeploymentRecord>(c.state.deploymentDir(name), "deployment.json")
      .catch(() => undefined);
    if (record?.spec.model.trainingJob === jobName) users.push(name);
  }
  return users;
}

/** Every TrainTarget member; staged-data cleanup is not one (local channels are used in place, never staged). */
export type LocalTraining = Required<Omit<TrainTarget, "name" | "cleanupStagedData">>;

export function createLocalTraining(c: LocalTargetContext): LocalTraining {
  const running = new Map<string, AbortController>();

  const readRecord = async (jobName: string): Promise<JobRecord> => {
    const record = await c.state.read<JobRecord>(c.state.jobDir(jobName), JOB_FILE);
    if (!record) {
      throw new MlshipError("E_NOT_FOUND", `No local training job named ${jobName}`, {
        hint: `Jobs live under ${join(c.state.root, "jobs")}; list them with the target's list().`,
        where: jobName,
      });
    }
    return record;
  };
  const writeRecord = (record: JobRecord) =>
    c.state.write(c.state.jobDir(record.run.jobName), JOB_FILE, record);

  /** A job still marked InProgress whose runner died can never finish: report it as failed. */
  const current = (record: JobRecord): TrainingRun => {
    if (
      record.run.status !== "InProgress" ||
      running.has(record.run.jobName) ||
      processAlive(record.runnerPid)
    ) {
      return record.run;
    }
    return {
      ...record.run,
      status: "Failed",
      failureReason: `The process that ran this local job (pid ${record.runnerPid}) ended before the job did`,
    };
  };

  async function execute(record: JobRecord, spec: TrainSpec, ctx: OperationContext, signal: AbortSignal) {
    const jobName = record.run.jobName;
    const workDir = c.state.jobDir(jobName);
    const channels: Record<string, string> = {};
    for (const [name, source] of Object.entries(spec.channels ?? {})) {
      channels[name] = typeof source === "string" ? source : source.uri;
    }
    const hyperparameters: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.hyperparameters ?? {}))
      hyperparameters[key] = JSON.stringify(value);
    const sourceDir = resolve(spec.sourceDir ?? dirname(resolve(spec.entryPoint)));
    const entryPoint = spec.sourceDir ? spec.entryPoint : basename(spec.entryPoint);
    Object.assign(hyperparameters, {
      sagemaker_program: JSON.stringify(entryPoint),
      sagemaker_submit_directory: JSON.stringify(pathToFileURL(sourceDir).href),
      sagemaker_container_log_level: "20",
      sagemaker_job_name: JSON.stringify(jobName),
    });
    record.run.hyperparameters = hyperparameters;
    // Progress writes go one after another, so an older state never lands last.
    let pendingWrites: Promise<void> = Promise.resolve();
    const save = () => {
      pendingWrites = pendingWrites.then(() => writeRecord(record)).catch(() => {});
    };
    const result = await runTrainingJob(
      {
        jobName,
        workDir,
        entryPoint,
        sourceDir,
        channels,
        hyperparameters,
        environment: spec.environment,
        runtime: record.runtime,
        python: c.options.python,
        maxRuntimeSeconds: spec.maxRuntimeSeconds,
        instanceType: spec.instanceType,
        instanceCount: spec.instanceCount,
        objectStore: c.options.objectStore,
        metricDefinitions: spec.metricDefinitions,
        onStart: ({ pid }) => {
          record.pid = pid;
          save();
        },
        onSecondaryStatus: (status) => {
          record.run.secondaryStatus = status;
          save();
        },
      },
      { events: ctx.events, signal },
    );
    await pendingWrites;
    // A stop from another process kills the script by signal: that is a stop, not a failure.
    const stopRequested = await access(join(workDir, STOP_FILE)).then(
      () => true,
      () => false,
    );
    const status = stopRequested && result.status === "Failed" ? "Stopped" : result.status;
    const run: TrainingRun = {
      ...record.run,
      status,
      secondaryStatus: status,
      failureReason: status === "Stopped" && stopRequested ? undefined : result.failureReason,
      modelArtifact: result.modelTarGz ? pathToFileURL(result.modelTarGz).href : undefined,
      outputArtifact: result.outputTarGz ? pathToFileURL(result.outputTarGz).href : undefined,
      startedAt: result.startedAt.toISOString(),
      endedAt: result.endedAt.toISOString(),
      billableSeconds: Math.max(
        1,
        Math.round((result.endedAt.getTime() - result.startedAt.getTime()) / 1000),
      ),
      finalMetrics: toFinalMetrics(result.finalMetrics),
      details: { ...record.run.details, exitCode: result.exitCode ?? null, logFile: result.logFile },
    };
    await writeRecord({ ...record, run });
    return run;
  }

  return {
    async train(spec, ctx = {}) {
      checkMetricDefinitions(spec.metricDefinitions);
      const jobName = jobNameFor(spec);
      // A listener added to an already-aborted signal never fires: refuse before anything is written.
      if (ctx.signal?.aborted) throw abortError(ctx.signal, `Training job ${jobName}`);
      const workDir = c.state.jobDir(jobName);
      if (await c.state.read(workDir, JOB_FILE)) {
        throw new MlshipError("E_ALREADY_EXISTS", `A local training job named ${jobName} already exists`, {
          hint: "Pick another jobName, or leave it out to get a timestamped one.",
          where: jobName,
        });
      }
      const runtime =
        spec.framework === "node" || (spec.image !== undefined && isNodeRuntimeImage(spec.image))
          ? "node"
          : spec.framework === "sklearn"
            ? "python"
            : runtimeFor(spec.entryPoint);
      const record: JobRecord = {
        runnerPid: process.pid,
        codeDir: join(workDir, "code"),
        runtime,
        run: {
          target: "local",
          jobName,
          status: "InProgress",
          secondaryStatus: "Starting",
          entryPoint: spec.entryPoint,
          framework: runtime === "node" ? "node" : "sklearn",
          frameworkVersion: spec.frameworkVersion,
          image: spec.image,
          createdAt: new Date().toISOString(),
          details: { workDir, instanceType: spec.instanceType ?? "local" },
        },
      };
      await writeRecord(record);
      emit(ctx, { type: "training.status", job: jobName, status: "InProgress", secondaryStatus: "Starting" });
      const controller = new AbortController();
      const onAbort = () => controller.abort(ctx.signal?.reason);
      ctx.signal?.addEventListener("abort", onAbort, { once: true });
      running.set(jobName, controller);
      // stop() from another process can only leave a note, and may come before the script (and its pid) exists.
      const stopFile = join(workDir, STOP_FILE);
      const watch = setInterval(() => {
        access(stopFile).then(
          () => controller.abort(),
          () => {},
        );
      }, 250);
      const done = execute(record, spec, ctx, controller.signal).finally(() => {
        clearInterval(watch);
        running.delete(jobName);
        ctx.signal?.removeEventListener("abort", onAbort);
      });
      if (spec.wait === false) {
        done.catch(() => {});
        return record.run;
      }
      const run = await done;
      // The caller's signal stopped it: that is an abort (as on SageMaker), not a result.
      if (run.status === "Stopped" && ctx.signal?.aborted)
        throw abortError(ctx.signal, `Training job ${jobName}`);
      if (run.status === "Failed") {
        throw new MlshipError(
          "E_TRAINING_FAILED",
          `Training job ${jobName} failed: ${run.failureReason ?? "unknown reason"}`,
          {
            where: jobName,
            details: { jobName, failureReason: run.failureReason, logFile: run.details?.logFile },
          },
        );
      }
      return run;
    },

    async describe(jobName) {
      return current(await readRecord(jobName));
    },

    async list(options: ListOptions = {}) {
      const runs: TrainingRun[] = [];
      for (const name of await c.state.names("jobs")) {
        if (options.nameContains && !name.includes(options.nameContains)) continue;
        const record = await c.state.read<JobRecord>(c.state.jobDir(name), JOB_FILE).catch(() => undefined);
        if (record) runs.push(current(record));
      }
      runs.sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
      return runs.slice(0, options.maxResults ?? runs.length);
    },

    async stop(jobName) {
      const record = await readRecord(jobName);
      if (TERMINAL.has(current(record).status)) return;
      const local = running.get(jobName);
      if (local) {
        local.abort();
        return;
      }
      await writeFile(join(c.state.jobDir(jobName), STOP_FILE), new Date().toISOString());
      if (record.pid !== undefined && processAlive(record.pid)) await killGroup(record.pid);
    },

    logs(jobName: string, options: LogOptions = {}): AsyncIterable<LogEvent> {
      return followLog(c, jobName, options, readRecord, current);
    },

    /** Removes the job's folder (record, code, model, logs); refused while it runs or a deployment serves it. */
    async deleteJob(jobName) {
      const run = current(await readRecord(jobName));
      if (!TERMINAL.has(run.status)) {
        throw new MlshipError("E_CONFLICT", `Training job ${jobName} is still running (${run.status})`, {
          where: jobName,
          hint: "Stop it first (stop), then delete it.",
        });
      }
      const users = await deploymentsOf(c, jobName);
      if (users.length > 0) {
        throw new MlshipError(
          "E_CONFLICT",
          `Training job ${jobName} is the model of local deployment(s) ${users.join(", ")}, which serve its code`,
          { where: jobName, hint: "Delete those deployments first, then the job." },
        );
      }
      await rm(c.state.jobDir(jobName), { recursive: true, force: true });
    },

    async downloadArtifacts(jobName, dir) {
      const run = current(await readRecord(jobName));
      if (!run.modelArtifact) {
        throw new MlshipError(
          "E_NOT_FOUND",
          `Training job ${jobName} has no model artifact (status ${run.status})`,
          {
            where: jobName,
          },
        );
      }
      const files = await extractTarGz(fileURLToPath(run.modelArtifact), dir);
      if (run.outputArtifact)
        files.push(...(await extractTarGz(fileURLToPath(run.outputArtifact), join(dir, "output"))));
      return files;
    },
  };
}

/** The job's log file as LogEvents; with `follow`, keeps reading until the job ends. */
async function* followLog(
  c: LocalTargetContext,
  jobName: string,
  options: LogOptions,
  readRecord: (name: string) => Promise<JobRecord>,
  current: (record: JobRecord) => TrainingRun,
): AsyncGenerator<LogEvent> {
  const record = await readRecord(jobName);
  const file = join(c.state.jobDir(jobName), "training.log");
  const stream = `${jobName}/algo-1`;
  let offset = 0;
  let rest = "";
  for (;;) {
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > offset) {
      const handle = await open(file, "r");
      try {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        const lines = (rest + buffer.toString("utf8")).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) {
          const parsed = parseLogLine(line);
          if (parsed) yield { ...parsed, stream };
        }
      } finally {
        await handle.close();
      }
    }
    if (!options.follow || options.signal?.aborted) return;
    const status = current((await readRecord(jobName).catch(() => record)) ?? record).status;
    if (
      TERMINAL.has(status) &&
      (await stat(file).then(
        (s) => s.size,
        () => 0,
      )) <= offset
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
