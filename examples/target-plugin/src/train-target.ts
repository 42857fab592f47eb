import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  emit,
  type LogEvent,
  MlshipError,
  type TrainingRun,
  type TrainSpec,
  type TrainTarget,
} from "@mlship/core";
import type { JsonState } from "./state.js";

/** A job as recorded: the run plus its log lines. */
export interface JobRecord {
  run: TrainingRun;
  logs: LogEvent[];
}

export interface NodeTrainOptions {
  jobs: JsonState<JobRecord>;
  /** Where each job's SM_MODEL_DIR is created. */
  workDir: string;
}

/** Channels must be local files or folders here (a cloud target would upload them). */
function channelEnv(channels: TrainSpec["channels"] = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, source] of Object.entries(channels)) {
    if (typeof source !== "string" || /^[a-z0-9]+:\/\//i.test(source)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Channel ${name}: the http target trains on local files only`,
        {
          where: `channels.${name}`,
        },
      );
    }
    env[`SM_CHANNEL_${name.toUpperCase()}`] = resolve(source);
  }
  return env;
}

/** Runs the entry point with this Node, as a SageMaker script-mode job would run it in its container. */
function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  logs: LogEvent[],
): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: dirname(script),
      env: { ...process.env, ...env },
    });
    const collect = (chunk: Buffer) => {
      for (const message of chunk.toString("utf8").split("\n").filter(Boolean))
        logs.push({ timestamp: Date.now(), message });
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", fail);
    child.on("close", (code) => done(code ?? 1));
  });
}

/** Trains Node scripts on this machine (`--framework node` style); every job runs to its end before `train` returns. */
export function createNodeTrainTarget({ jobs, workDir }: NodeTrainOptions): TrainTarget {
  return {
    name: "http",
    async train(spec, ctx) {
      const jobName = spec.jobName ?? `${spec.baseJobName ?? "http-job"}-${Date.now()}`;
      const script = spec.sourceDir ? join(spec.sourceDir, spec.entryPoint) : resolve(spec.entryPoint);
      const modelDir = join(workDir, jobName, "model");
      const hps = Object.entries(spec.hyperparameters ?? {}).flatMap(([k, v]) => [`--${k}`, String(v)]);
      const env = {
        ...channelEnv(spec.channels),
        SM_MODEL_DIR: modelDir,
        SM_HPS: JSON.stringify(spec.hyperparameters ?? {}),
      };
      const run: TrainingRun = {
        target: "http",
        jobName,
        status: "InProgress",
        entryPoint: spec.entryPoint,
        createdAt: new Date().toISOString(),
      };
      const logs: LogEvent[] = [];
      jobs.put(jobName, { run, logs });
      emit(ctx, { type: "training.status", job: jobName, status: "InProgress" });
      const code = await runScript(script, hps, env, logs);
      const ended: TrainingRun = {
        ...run,
        status: code === 0 ? "Completed" : "Failed",
        endedAt: new Date().toISOString(),
        ...(code === 0
          ? { modelArtifact: pathToFileURL(modelDir).href }
          : { failureReason: `${spec.entryPoint} exited with ${code}` }),
      };
      jobs.put(jobName, { run: ended, logs });
      emit(ctx, { type: "training.status", job: jobName, status: ended.status });
      if (ended.status === "Failed") {
        throw new MlshipError("E_TRAINING_FAILED", `Training job ${jobName} failed: ${ended.failureReason}`, {
          where: jobName,
          hint: `Read its output: mlship jobs logs ${jobName} --target http`,
        });
      }
      return ended;
    },
    describe: async (jobName) => jobs.get(jobName, "training job").run,
    list: async () =>
      Object.values(jobs.all())
        .map((j) => j.run)
        .reverse(),
    async stop(jobName) {
      jobs.get(jobName, "training job"); // jobs here always ran to their end: nothing left to stop
    },
    async *logs(jobName) {
      yield* jobs.get(jobName, "training job").logs;
    },
  };
}
