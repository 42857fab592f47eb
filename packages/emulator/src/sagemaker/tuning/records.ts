import { toEpochSeconds } from "../time.js";
import type { UnitPoint } from "./space.js";

export type TuningJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

/** One training job a tuning job launched. Times in epoch ms. */
export interface TrialRecord {
  TrainingJobName: string;
  TrainingJobArn: string;
  CreationTime: number;
  TrainingStartTime?: number;
  TrainingEndTime?: number;
  TrainingJobStatus: "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
  FailureReason?: string;
  TunedHyperParameters: Record<string, string>;
  /** The trial's point in the search space (for the strategy, and for warm starts). */
  Point: UnitPoint;
  /** Every objective value the job logged, as logged. */
  ObjectiveValues: number[];
  /** The final objective (the last value logged), once the job has ended and had one. */
  FinalObjective?: number;
  ObjectiveStatus: "Succeeded" | "Pending" | "Failed";
  /** Why the tuning job stopped it, if it did. */
  StoppedBy?: "early-stopping" | "hyperband" | "tuning-job-stop";
}

export interface TuningJobRecord {
  HyperParameterTuningJobName: string;
  HyperParameterTuningJobArn: string;
  HyperParameterTuningJobConfig: Record<string, unknown>;
  TrainingJobDefinition: Record<string, unknown>;
  WarmStartConfig?: Record<string, unknown>;
  Tags?: unknown[];
  HyperParameterTuningJobStatus: TuningJobStatus;
  FailureReason?: string;
  CreationTime: number;
  LastModifiedTime: number;
  HyperParameterTuningEndTime?: number;
  Trials: TrialRecord[];
}

/** Counters as SageMaker keeps them: a failed job is retryable only when an internal error failed it. */
export function statusCounters(trials: readonly TrialRecord[]): Record<string, number> {
  const counters = { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 };
  for (const t of trials) {
    if (t.TrainingJobStatus === "Completed") counters.Completed++;
    else if (t.TrainingJobStatus === "InProgress" || t.TrainingJobStatus === "Stopping")
      counters.InProgress++;
    else if (t.TrainingJobStatus === "Stopped") counters.Stopped++;
    else if (t.FailureReason?.startsWith("InternalServerError")) counters.RetryableError++;
    else counters.NonRetryableError++;
  }
  return counters;
}

export function objectiveCounters(trials: readonly TrialRecord[]): Record<string, number> {
  const counters = { Succeeded: 0, Pending: 0, Failed: 0 };
  for (const t of trials) counters[t.ObjectiveStatus]++;
  return counters;
}

/** The best trial with an objective (ties: the earlier one). */
export function bestTrial(
  trials: readonly TrialRecord[],
  type: "Maximize" | "Minimize",
): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of trials) {
    if (t.ObjectiveStatus !== "Succeeded" || t.FinalObjective === undefined) continue;
    if (
      !best ||
      (type === "Maximize"
        ? t.FinalObjective > (best.FinalObjective as number)
        : t.FinalObjective < (best.FinalObjective as number))
    )
      best = t;
  }
  return best;
}

/** HyperParameterTrainingJobSummary, as Describe (BestTrainingJob) and ListTrainingJobsFor... return it. */
export function trialSummary(
  trial: TrialRecord,
  tuningJobName: string,
  objective: { type: string; metricName: string },
): Record<string, unknown> {
  return {
    TrainingJobName: trial.TrainingJobName,
    TrainingJobArn: trial.TrainingJobArn,
    TuningJobName: tuningJobName,
    CreationTime: toEpochSeconds(trial.CreationTime),
    TrainingStartTime: toEpochSeconds(trial.TrainingStartTime),
    TrainingEndTime: toEpochSeconds(trial.TrainingEndTime),
    TrainingJobStatus: trial.TrainingJobStatus,
    TunedHyperParameters: trial.TunedHyperParameters,
    FailureReason: trial.FailureReason,
    FinalHyperParameterTuningJobObjectiveMetric:
      trial.FinalObjective === undefined
        ? undefined
        : { Type: objective.type, MetricName: objective.metricName, Value: trial.FinalObjective },
    ObjectiveStatus: trial.ObjectiveStatus,
  };
}
