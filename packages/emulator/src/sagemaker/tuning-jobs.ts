import { AwsApiError } from "../aws-error.js";
import { type AccountScope, sageMakerArn } from "./arn.js";
import { requiredName } from "./models.js";
import { listPage } from "./paging.js";
import type { RecordStore } from "./store.js";
import { toEpochSeconds } from "./time.js";
import type { TrainingJobs } from "./training-jobs.js";
import { validateCreateTrainingJob } from "./training-jobs.js";
import {
  bestTrial,
  objectiveCounters,
  statusCounters,
  type TrialRecord,
  type TuningJobRecord,
  trialSummary,
} from "./tuning/records.js";
import { childTrainingJob, runTuningJob, type TuningRun } from "./tuning/run-tuning-job.js";
import { encode } from "./tuning/space.js";
import type { Observation } from "./tuning/strategy.js";
import { parseTuningConfig, type TuningPlan } from "./tuning/tuning-config.js";
import { createValidator, validateTags, validationError } from "./validation.js";

const STATUS_VALUES = ["Completed", "InProgress", "Failed", "Stopped", "Stopping"] as const;
const TRIAL_STATUS_VALUES = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"] as const;
// Tuning job names are at most 32 characters (their children's names add a 13-character suffix).
const TUNING_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}";

export interface TuningJobs {
  CreateHyperParameterTuningJob(input: Record<string, unknown>): { HyperParameterTuningJobArn: string };
  DescribeHyperParameterTuningJob(input: Record<string, unknown>): Record<string, unknown>;
  ListHyperParameterTuningJobs(input: Record<string, unknown>): Record<string, unknown>;
  StopHyperParameterTuningJob(input: Record<string, unknown>): Record<string, never>;
  ListTrainingJobsForHyperParameterTuningJob(input: Record<string, unknown>): Record<string, unknown>;
  /** After a restart: tuning jobs left running by the previous process are reported as failed. */
  restore(): void;
  close(): Promise<void>;
  settled(name: string): Promise<void>;
}

export function createTuningJobs(
  scope: AccountScope,
  store: RecordStore<TuningJobRecord>,
  training: TrainingJobs,
): TuningJobs {
  const runs = new Map<string, TuningRun>();
  let closing = false;
  const find = (input: Record<string, unknown>) => {
    const name = requiredName(input.HyperParameterTuningJobName, "hyperParameterTuningJobName");
    const job = store.get(name);
    if (!job)
      throw new AwsApiError("ResourceNotFound", `Amazon SageMaker can't find a tuning job with name ${name}`);
    return job;
  };
  const save = (job: TuningJobRecord) => {
    job.LastModifiedTime = Date.now();
    store.put(job);
  };

  return {
    CreateHyperParameterTuningJob(input) {
      const { job, plan } = validateCreate(scope, input);
      if (store.has(job.HyperParameterTuningJobName)) {
        throw new AwsApiError(
          "ResourceInUse",
          `Hyperparameter tuning job names must be unique within an AWS account and region, and a job with name ${job.HyperParameterTuningJobName} already exists.`,
        );
      }
      const prior = warmStartObservations(job, plan, store);
      store.put(job);
      const run = runTuningJob(job, plan, prior, { training, save, closing: () => closing });
      const key = job.HyperParameterTuningJobName.toLowerCase();
      runs.set(key, run);
      void run.done.finally(() => runs.delete(key));
      return { HyperParameterTuningJobArn: job.HyperParameterTuningJobArn };
    },
    DescribeHyperParameterTuningJob: (input) => describe(find(input), store),
    ListHyperParameterTuningJobs(input) {
      const { page, nextToken } = listPage(
        store.all(),
        { SortBy: "Name", SortOrder: "Ascending", ...input },
        {
          sortKeys: ["Name", "Status", "CreationTime"],
          statusValues: STATUS_VALUES,
          name: (j) => j.HyperParameterTuningJobName,
          created: (j) => j.CreationTime,
          modified: (j) => j.LastModifiedTime,
          status: (j) => j.HyperParameterTuningJobStatus,
        },
      );
      return {
        HyperParameterTuningJobSummaries: page.map((j) => ({
          HyperParameterTuningJobName: j.HyperParameterTuningJobName,
          HyperParameterTuningJobArn: j.HyperParameterTuningJobArn,
          HyperParameterTuningJobStatus: j.HyperParameterTuningJobStatus,
          Strategy: j.HyperParameterTuningJobConfig.Strategy,
          CreationTime: toEpochSeconds(j.CreationTime),
          HyperParameterTuningEndTime: toEpochSeconds(j.HyperParameterTuningEndTime),
          LastModifiedTime: toEpochSeconds(j.LastModifiedTime),
          TrainingJobStatusCounters: statusCounters(j.Trials),
          ObjectiveStatusCounters: objectiveCounters(j.Trials),
          ResourceLimits: j.HyperParameterTuningJobConfig.ResourceLimits,
        })),
        NextToken: nextToken,
      };
    },
    StopHyperParameterTuningJob(input) {
      const job = find(input);
      const run = runs.get(job.HyperParameterTuningJobName.toLowerCase());
      if (job.HyperParameterTuningJobStatus !== "InProgress" || !run) {
        throw validationError(
          `The hyperparameter tuning job ${job.HyperParameterTuningJobName} is in status ${job.HyperParameterTuningJobStatus} and cannot be stopped.`,
        );
      }
      run.stop();
      return {};
    },
    ListTrainingJobsForHyperParameterTuningJob(input) {
      const job = find(input);
      const { HyperParameterTuningJobName: _, ...rest } = input;
      const objective = objectiveOf(job);
      const byObjective = rest.SortBy === "FinalObjectiveMetricValue";
      // Sorted by objective, jobs without one are left out (as SageMaker documents).
      const trials = byObjective ? job.Trials.filter((t) => t.FinalObjective !== undefined) : job.Trials;
      const { page, nextToken } = listPage(
        trials,
        { SortBy: "Name", SortOrder: "Ascending", ...rest },
        {
          sortKeys: ["Name", "CreationTime", "Status", "FinalObjectiveMetricValue"],
          statusValues: TRIAL_STATUS_VALUES,
          name: (t) => t.TrainingJobName,
          created: (t) => t.CreationTime,
          status: (t) => t.TrainingJobStatus,
          sortValue: byObjective ? (t) => t.FinalObjective as number : undefined,
        },
      );
      return {
        TrainingJobSummaries: page.map((t) => trialSummary(t, job.HyperParameterTuningJobName, objective)),
        NextToken: nextToken,
      };
    },
    restore() {
      for (const job of store.load()) {
        if (
          job.HyperParameterTuningJobStatus !== "InProgress" &&
          job.HyperParameterTuningJobStatus !== "Stopping"
        )
          continue;
        const stopped = job.HyperParameterTuningJobStatus === "Stopping";
        job.HyperParameterTuningJobStatus = stopped ? "Stopped" : "Failed";
        if (!stopped)
          job.FailureReason = "InternalServerError: The emulator restarted while the tuning job was running.";
        for (const trial of job.Trials) settleAfterRestart(trial, training);
        job.HyperParameterTuningEndTime = Date.now();
        save(job);
      }
    },
    async close() {
      closing = true;
      await Promise.allSettled([...runs.values()].map((r) => r.done));
    },
    async settled(name) {
      await runs.get(name.toLowerCase())?.done;
    },
  };
}

function objectiveOf(job: TuningJobRecord): { type: string; metricName: string } {
  const objective = job.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective as {
    Type: string;
    MetricName: string;
  };
  return { type: objective.Type, metricName: objective.MetricName };
}

/** A child that was running when the emulator stopped: its training job record says how it ended. */
function settleAfterRestart(trial: TrialRecord, training: TrainingJobs): void {
  if (trial.ObjectiveStatus !== "Pending") return;
  const record = training.record(trial.TrainingJobName);
  trial.TrainingJobStatus =
    record?.TrainingJobStatus === "InProgress" || !record ? "Failed" : record.TrainingJobStatus;
  trial.FailureReason =
    record?.FailureReason ??
    "InternalServerError: The emulator restarted while the training job was running.";
  trial.ObjectiveStatus = "Failed";
}

function validateCreate(
  scope: AccountScope,
  input: Record<string, unknown>,
): { job: TuningJobRecord; plan: TuningPlan } {
  const v = createValidator();
  const name = v.string(input.HyperParameterTuningJobName, "hyperParameterTuningJobName", {
    required: true,
    maxLength: 32,
    pattern: TUNING_NAME_PATTERN,
  }) as string;
  const config = v.object(input.HyperParameterTuningJobConfig, "hyperParameterTuningJobConfig", true);
  const definition = v.object(input.TrainingJobDefinition, "trainingJobDefinition");
  const warmStart = v.object(input.WarmStartConfig, "warmStartConfig");
  if (warmStart) {
    v.list(warmStart.ParentHyperParameterTuningJobs, "warmStartConfig.parentHyperParameterTuningJobs", {
      required: true,
      min: 1,
      max: 5,
    });
    v.string(warmStart.WarmStartType, "warmStartConfig.warmStartType", {
      required: true,
      oneOf: ["IdenticalDataAndAlgorithm", "TransferLearning"],
    });
  }
  validateTags(v, input.Tags, "tags");
  v.done();
  if (!definition) {
    throw validationError(
      "TrainingJobDefinition is required (the emulator does not support TrainingJobDefinitions).",
    );
  }
  const statics = (definition.StaticHyperParameters ?? {}) as Record<string, string>;
  const metricDefinitions = ((definition.AlgorithmSpecification as Record<string, unknown> | undefined)
    ?.MetricDefinitions ?? []) as Array<{ Name: string }>;
  const plan = parseTuningConfig(
    config as Record<string, unknown>,
    statics,
    metricDefinitions.map((m) => m.Name),
  );
  // The definition must make a valid training job: check it as CreateTrainingJob would, with a child's name.
  validateCreateTrainingJob(
    scope,
    childTrainingJob(definition, `${name}-001-00000000`, {}, plan.objective.metricName),
  );
  const now = Date.now();
  return {
    plan,
    job: {
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: sageMakerArn(scope, "hyper-parameter-tuning-job", name),
      HyperParameterTuningJobConfig: config as Record<string, unknown>,
      TrainingJobDefinition: definition,
      WarmStartConfig: warmStart,
      Tags: input.Tags as unknown[] | undefined,
      HyperParameterTuningJobStatus: "InProgress",
      CreationTime: now,
      LastModifiedTime: now,
      Trials: [],
    },
  };
}

/** The parents' results, as observations the strategy starts from (points outside this job's ranges are left out). */
function warmStartObservations(
  job: TuningJobRecord,
  plan: TuningPlan,
  store: RecordStore<TuningJobRecord>,
): Observation[] {
  const observations: Observation[] = [];
  for (const parent of parentsOf(job, store)) {
    const parentType = objectiveOf(parent).type;
    for (const trial of parent.Trials) {
      if (trial.ObjectiveStatus !== "Succeeded" || trial.FinalObjective === undefined) continue;
      const point = encode(plan.ranges, trial.TunedHyperParameters);
      if (!point) continue;
      const value = trial.FinalObjective;
      observations.push({
        point,
        score: (parentType ?? plan.objective.type) === "Maximize" ? value : -value,
      });
    }
  }
  return observations;
}

function parentsOf(job: TuningJobRecord, store: RecordStore<TuningJobRecord>): TuningJobRecord[] {
  const parents = (job.WarmStartConfig?.ParentHyperParameterTuningJobs ?? []) as Array<{
    HyperParameterTuningJobName?: string;
  }>;
  return parents.map(({ HyperParameterTuningJobName: name }) => {
    const parent = name ? store.get(name) : undefined;
    if (!parent) throw validationError(`Warm start parent tuning job ${name ?? "(no name)"} does not exist.`);
    if (
      parent.HyperParameterTuningJobStatus === "InProgress" ||
      parent.HyperParameterTuningJobStatus === "Stopping"
    ) {
      throw validationError(
        `Warm start parent tuning job ${parent.HyperParameterTuningJobName} has not finished (status ${parent.HyperParameterTuningJobStatus}).`,
      );
    }
    return parent;
  });
}

function describe(job: TuningJobRecord, store: RecordStore<TuningJobRecord>): Record<string, unknown> {
  const objective = objectiveOf(job);
  const type = objective.type as "Maximize" | "Minimize";
  const best = bestTrial(job.Trials, type);
  const summary = (t: TrialRecord | undefined, owner: string) =>
    t ? trialSummary(t, owner, objective) : undefined;
  let overall: Record<string, unknown> | undefined;
  if (job.WarmStartConfig) {
    const candidates = [job, ...parentsOf(job, store)].flatMap((j) =>
      j.Trials.map((t) => ({ t, owner: j.HyperParameterTuningJobName })),
    );
    const winner = bestTrial(
      candidates.map((c) => c.t),
      type,
    );
    overall = summary(
      winner,
      candidates.find((c) => c.t === winner)?.owner ?? job.HyperParameterTuningJobName,
    );
  }
  const end = job.HyperParameterTuningEndTime ?? Date.now();
  return {
    HyperParameterTuningJobName: job.HyperParameterTuningJobName,
    HyperParameterTuningJobArn: job.HyperParameterTuningJobArn,
    HyperParameterTuningJobConfig: job.HyperParameterTuningJobConfig,
    TrainingJobDefinition: job.TrainingJobDefinition,
    WarmStartConfig: job.WarmStartConfig,
    HyperParameterTuningJobStatus: job.HyperParameterTuningJobStatus,
    CreationTime: toEpochSeconds(job.CreationTime),
    HyperParameterTuningEndTime: toEpochSeconds(job.HyperParameterTuningEndTime),
    LastModifiedTime: toEpochSeconds(job.LastModifiedTime),
    TrainingJobStatusCounters: statusCounters(job.Trials),
    ObjectiveStatusCounters: objectiveCounters(job.Trials),
    BestTrainingJob: summary(best, job.HyperParameterTuningJobName),
    OverallBestTrainingJob: overall,
    FailureReason: job.FailureReason,
    ConsumedResources: { RuntimeInSeconds: Math.round((end - job.CreationTime) / 1000) },
  };
}
