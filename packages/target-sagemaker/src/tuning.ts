import type {
  DescribeHyperParameterTuningJobCommandOutput,
  HyperParameterTrainingJobSummary,
} from "@aws-sdk/client-sagemaker";
import {
  abortError,
  emit,
  isMlshipError,
  type ListOptions,
  MlshipError,
  type OperationContext,
  type TuneSpec,
  type TuningRun,
  type TuningStatus,
  type TuningTrial,
} from "@mlship/core";
import { aws } from "@mlship/data-s3";
import { sanitizeName } from "./naming.js";
import type { Session } from "./session.js";
import { prepareTrainingJob } from "./training.js";
import { describeTrainingJob, TARGET_NAME } from "./training-job.js";
import type { TuningApi } from "./tuning-api.js";
import { buildCreateTuningJobRequest, checkTuningConfig } from "./tuning-request.js";
import { backoff, sleep } from "./wait.js";

const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);
/** Tuning job names are at most 32 characters. */
const MAX_TUNING_NAME = 32;

function api(session: Session): TuningApi {
  const tuning = session.deps.tuning;
  if (!tuning) throw new MlshipError("E_CONFIG", "This SageMaker target was created without a tuning API");
  return tuning;
}

/** `<base>-<yymmdd-HHMMss>` within 32 characters (the SDK's short timestamp for tuning jobs). */
export function tuningJobName(base: string, date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
  const trimmed = sanitizeName(base)
    .slice(0, MAX_TUNING_NAME - stamp.length - 1)
    .replace(/-+$/, "");
  return trimmed ? `${trimmed}-${stamp}` : stamp;
}

const iso = (d: Date | undefined) => d?.toISOString();

export function trialFromSummary(s: HyperParameterTrainingJobSummary): TuningTrial {
  const trial: TuningTrial = {
    jobName: s.TrainingJobName ?? "",
    status: s.TrainingJobStatus ?? "InProgress",
    hyperparameters: s.TunedHyperParameters ?? {},
    objective: s.FinalHyperParameterTuningJobObjectiveMetric?.Value,
    objectiveStatus: s.ObjectiveStatus,
    failureReason: s.FailureReason,
  };
  for (const key of Object.keys(trial) as (keyof TuningTrial)[])
    if (trial[key] === undefined) delete trial[key];
  return trial;
}

export function tuningRunFromDescription(d: DescribeHyperParameterTuningJobCommandOutput): TuningRun {
  const config = d.HyperParameterTuningJobConfig;
  const run: TuningRun = {
    target: TARGET_NAME,
    name: d.HyperParameterTuningJobName ?? "",
    status: (d.HyperParameterTuningJobStatus ?? "InProgress") as TuningStatus,
    strategy: config?.Strategy,
    objective: config?.HyperParameterTuningJobObjective
      ? {
          metric: config.HyperParameterTuningJobObjective.MetricName ?? "",
          type: config.HyperParameterTuningJobObjective.Type ?? "Maximize",
        }
      : undefined,
    counters: d.TrainingJobStatusCounters as Record<string, number> | undefined,
    objectiveCounters: d.ObjectiveStatusCounters as Record<string, number> | undefined,
    best: d.BestTrainingJob ? trialFromSummary(d.BestTrainingJob) : undefined,
    overallBest: d.OverallBestTrainingJob ? trialFromSummary(d.OverallBestTrainingJob) : undefined,
    failureReason: d.FailureReason,
    createdAt: iso(d.CreationTime),
    endedAt: iso(d.HyperParameterTuningEndTime),
    details: {
      arn: d.HyperParameterTuningJobArn ?? null,
      maxJobs: config?.ResourceLimits?.MaxNumberOfTrainingJobs ?? null,
      maxParallelJobs: config?.ResourceLimits?.MaxParallelTrainingJobs ?? null,
    },
  };
  for (const key of Object.keys(run) as (keyof TuningRun)[]) if (run[key] === undefined) delete run[key];
  return run;
}

async function describeRaw(session: Session, name: string, signal?: AbortSignal) {
  return aws(
    `Describing tuning job ${name}`,
    () =>
      api(session).describeHyperParameterTuningJob(
        { HyperParameterTuningJobName: name },
        { abortSignal: signal },
      ),
    { where: name },
  );
}

async function trials(session: Session, name: string, signal?: AbortSignal): Promise<TuningTrial[]> {
  const out: TuningTrial[] = [];
  let token: string | undefined;
  do {
    const page = await aws(
      `Listing the training jobs of tuning job ${name}`,
      () =>
        api(session).listTrainingJobsForHyperParameterTuningJob(
          { HyperParameterTuningJobName: name, MaxResults: 100, NextToken: token },
          { abortSignal: signal },
        ),
      { where: name },
    );
    out.push(...(page.TrainingJobSummaries ?? []).map(trialFromSummary));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function describeTuning(
  session: Session,
  name: string,
  ctx?: OperationContext,
): Promise<TuningRun> {
  const run = tuningRunFromDescription(await describeRaw(session, name, ctx?.signal));
  return { ...run, trials: await trials(session, name, ctx?.signal) };
}

export async function listTuning(session: Session, options: ListOptions = {}): Promise<TuningRun[]> {
  const out = await aws("Listing tuning jobs", () =>
    api(session).listHyperParameterTuningJobs({
      SortBy: "CreationTime",
      SortOrder: "Descending",
      MaxResults: Math.min(options.maxResults ?? 100, 100),
      ...(options.nameContains ? { NameContains: options.nameContains } : {}),
    }),
  );
  return (out.HyperParameterTuningJobSummaries ?? []).map((s) =>
    tuningRunFromDescription({
      HyperParameterTuningJobName: s.HyperParameterTuningJobName,
      HyperParameterTuningJobArn: s.HyperParameterTuningJobArn,
      HyperParameterTuningJobStatus: s.HyperParameterTuningJobStatus,
      CreationTime: s.CreationTime,
      HyperParameterTuningEndTime: s.HyperParameterTuningEndTime,
      TrainingJobStatusCounters: s.TrainingJobStatusCounters,
      ObjectiveStatusCounters: s.ObjectiveStatusCounters,
      HyperParameterTuningJobConfig: s.Strategy
        ? { Strategy: s.Strategy, ResourceLimits: s.ResourceLimits }
        : undefined,
    } as DescribeHyperParameterTuningJobCommandOutput),
  );
}

/** StopHyperParameterTuningJob; a job that already ended (or is stopping) is not an error. */
export async function stopTuning(session: Session, name: string): Promise<void> {
  try {
    await aws(
      `Stopping tuning job ${name}`,
      () => api(session).stopHyperParameterTuningJob({ HyperParameterTuningJobName: name }),
      {
        where: name,
      },
    );
  } catch (e) {
    if (!isMlshipError(e) || e.code !== "E_INVALID_INPUT") throw e;
    const d = await describeRaw(session, name);
    if (
      !TERMINAL.has(d.HyperParameterTuningJobStatus ?? "") &&
      d.HyperParameterTuningJobStatus !== "Stopping"
    )
      throw e;
  }
}

async function assertTuningNameFree(session: Session, name: string, signal?: AbortSignal): Promise<void> {
  try {
    await describeRaw(session, name, signal);
  } catch (e) {
    if (isMlshipError(e) && e.code === "E_NOT_FOUND") return;
    throw e;
  }
  throw new MlshipError("E_ALREADY_EXISTS", `A tuning job named ${name} already exists`, {
    where: "name",
    hint: "Tuning job names are unique per account and region: pass another name (or none).",
  });
}

/**
 * Starts a tuning job the way the SDK's HyperparameterTuner does: the training spec is prepared like a
 * training job (code uploaded once, data staged) and becomes the TrainingJobDefinition; the ranges,
 * objective, strategy and limits its config. Everything is checked before anything is uploaded.
 */
export async function tune(session: Session, spec: TuneSpec, ctx?: OperationContext): Promise<TuningRun> {
  const metricNames = (spec.training.metricDefinitions ?? []).map((m) => m.name);
  checkTuningConfig(spec, metricNames);
  const name =
    spec.name ?? tuningJobName(spec.training.baseJobName ?? spec.training.entryPoint.replace(/\.[^.]*$/, ""));
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/.test(name)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid tuning job name "${name}"`, {
      where: "name",
      hint: "Use 1-32 letters, digits and hyphens, starting with a letter or digit.",
    });
  }
  const { request, discard } = await prepareTrainingJob(session, spec.training, name, ctx, (signal) =>
    assertTuningNameFree(session, name, signal),
  );
  try {
    const input = buildCreateTuningJobRequest(name, request, spec);
    await aws(`Creating tuning job ${name}`, () => api(session).createHyperParameterTuningJob(input), {
      where: name,
    });
  } catch (e) {
    await discard();
    throw e;
  }
  if (spec.wait === false) return tuningRunFromDescription(await describeRaw(session, name));
  return waitForTuning(session, name, ctx);
}

/**
 * Polls the tuning job and its training jobs, emitting `tuning.trial` for each child's change and
 * `tuning.status` (counters, best so far) for the job's. An aborted signal stops the tuning job, then
 * rejects with E_ABORTED. Resolves with the described job and its trials once it has ended.
 */
export async function waitForTuning(
  session: Session,
  name: string,
  ctx?: OperationContext,
): Promise<TuningRun> {
  const signal = ctx?.signal;
  const delays = backoff(session.poll);
  const seen = new Map<string, string>();
  let lastStatus = "";
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal, `Tuning job ${name}`);
      const run = tuningRunFromDescription(await describeRaw(session, name, signal));
      const children = await trials(session, name, signal);
      for (const t of children) {
        const key = `${t.status}/${t.objective ?? ""}`;
        if (seen.get(t.jobName) === key) continue;
        seen.set(t.jobName, key);
        emit(ctx, {
          type: "tuning.trial",
          name,
          jobName: t.jobName,
          status: t.status,
          ...(t.objective !== undefined ? { objective: t.objective } : {}),
        });
      }
      const best =
        run.best?.objective !== undefined
          ? { jobName: run.best.jobName, objective: run.best.objective }
          : undefined;
      const status = JSON.stringify([run.status, run.counters, best]);
      if (status !== lastStatus) {
        lastStatus = status;
        emit(ctx, {
          type: "tuning.status",
          name,
          status: run.status,
          counters: run.counters ?? {},
          ...(best ? { best } : {}),
        });
      }
      if (TERMINAL.has(run.status)) return { ...run, trials: children };
      await sleep(delays.next().value, signal, `Tuning job ${name}`);
    }
  } catch (e) {
    if (!signal?.aborted) throw e;
    await stopTuning(session, name).catch(() => {});
    throw abortError(signal, `Tuning job ${name}`);
  }
}

/** The best training job of a finished (or running) tuning job: what `deploy` of a tuning job deploys. */
export async function bestTrainingJobOf(
  session: Session,
  name: string,
  signal?: AbortSignal,
): Promise<string> {
  const d = await describeRaw(session, name, signal);
  const best = d.BestTrainingJob?.TrainingJobName;
  if (!best) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Tuning job ${name} has no best training job yet (status ${d.HyperParameterTuningJobStatus})`,
      {
        where: name,
        hint: "Deploy once a training job of it has reported the objective metric.",
      },
    );
  }
  return best;
}

/**
 * The model resolver's rule for `model.trainingJob`: a training job by that name, else a tuning job by
 * that name, whose best training job is the model. Unknown as either: the training job's E_NOT_FOUND.
 */
export async function resolveTrainingJobName(
  session: Session,
  name: string,
): Promise<{ jobName: string; tuningJob?: string }> {
  try {
    await describeTrainingJob(session.deps.api, name);
    return { jobName: name };
  } catch (e) {
    if (!isMlshipError(e) || e.code !== "E_NOT_FOUND" || !session.deps.tuning) return { jobName: name };
    try {
      return { jobName: await bestTrainingJobOf(session, name), tuningJob: name };
    } catch (tuningError) {
      if (isMlshipError(tuningError) && tuningError.code === "E_NOT_FOUND") return { jobName: name };
      throw tuningError;
    }
  }
}
