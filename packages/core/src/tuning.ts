import { MlshipError } from "./errors.js";
import type { OperationContext } from "./events.js";
import type { JsonValue } from "./json.js";
import type { ListOptions, TrainSpec } from "./targets.js";

export type ScalingType = "Auto" | "Linear" | "Logarithmic" | "ReverseLogarithmic";
export type TuningStrategy = "Bayesian" | "Random" | "Grid" | "Hyperband";
export type TuningStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

/** A hyperparameter's search range (the SageMaker SDK's ContinuousParameter, IntegerParameter, CategoricalParameter). */
export type ParameterRangeSpec =
  | { type: "continuous" | "integer"; min: number; max: number; scaling?: ScalingType }
  | { type: "categorical"; values: Array<string | number | boolean> };

/** What a tuning job searches and how (the SDK's HyperparameterTuner arguments). */
export interface TuningConfig {
  ranges: Record<string, ParameterRangeSpec>;
  /** The metric (one of the training spec's metricDefinitions) and its direction (default Maximize). */
  objective: { metric: string; type?: "Maximize" | "Minimize" };
  /** Default Bayesian, as in the SDK. */
  strategy?: TuningStrategy;
  /** MaxNumberOfTrainingJobs; required except with Grid (one job per combination). */
  maxJobs?: number;
  /** MaxParallelTrainingJobs; default 1, as in the SDK. */
  maxParallelJobs?: number;
  /** TrainingJobEarlyStoppingType; default Off. Hyperband stops trials itself (must be Off). */
  earlyStopping?: "Off" | "Auto";
  /** Hyperband's resources (epochs): MaxResource defaults to an `epochs`-like static hyperparameter. */
  hyperband?: { minResource?: number; maxResource?: number };
  /** Warm start from finished tuning jobs (at most 5). */
  warmStart?: { parents: string[]; type?: "IdenticalDataAndAlgorithm" | "TransferLearning" };
  randomSeed?: number;
}

export interface TuneSpec extends TuningConfig {
  /** The training job every trial runs; its hyperparameters are the static ones. */
  training: TrainSpec;
  /** Exact tuning job name (at most 32 characters), else `<base>-<yymmdd-HHMMss>`. */
  name?: string;
  /** Wait for the tuning job to end (default true), emitting `tuning.status` events. */
  wait?: boolean;
}

/** One training job of a tuning job. */
export interface TuningTrial {
  jobName: string;
  status: string;
  hyperparameters: Record<string, string>;
  /** The final objective value, once the job reported it. */
  objective?: number;
  objectiveStatus?: "Succeeded" | "Pending" | "Failed";
  failureReason?: string;
}

export interface TuningRun {
  target: string;
  name: string;
  status: TuningStatus;
  strategy?: string;
  objective?: { metric: string; type: string };
  /** SageMaker's TrainingJobStatusCounters and ObjectiveStatusCounters. */
  counters?: Record<string, number>;
  objectiveCounters?: Record<string, number>;
  best?: TuningTrial;
  /** With a warm start: the best over this job and its parents. */
  overallBest?: TuningTrial;
  /** The child training jobs (describe and a waited tune). */
  trials?: TuningTrial[];
  failureReason?: string;
  createdAt?: string;
  endedAt?: string;
  details?: Record<string, JsonValue>;
}

export interface TuneTarget {
  readonly name: string;
  /** Starts a tuning job; with `wait` (default) resolves when it ends. */
  tune(spec: TuneSpec, ctx?: OperationContext): Promise<TuningRun>;
  /** E_NOT_FOUND for an unknown tuning job. */
  describe(name: string, ctx?: OperationContext): Promise<TuningRun>;
  list(options?: ListOptions, ctx?: OperationContext): Promise<TuningRun[]>;
  /** Requests a stop; resolves once accepted. */
  stop(name: string, ctx?: OperationContext): Promise<void>;
}

const SCALING_WORDS: Record<string, ScalingType> = {
  auto: "Auto",
  linear: "Linear",
  log: "Logarithmic",
  logarithmic: "Logarithmic",
  "reverse-log": "ReverseLogarithmic",
  reverselogarithmic: "ReverseLogarithmic",
};

const bad = (message: string, where: string, hint: string) =>
  new MlshipError("E_INVALID_INPUT", message, { where, hint });

/**
 * Parses the CLI's range syntax: `name=continuous:MIN:MAX[:linear|log|reverse-log|auto]`,
 * `name=integer:MIN:MAX[:scaling]`, `name=categorical:A,B,C`.
 */
export function parseRange(text: string, where = "--range"): [string, ParameterRangeSpec] {
  const hint = "Examples: C=continuous:0.001:100:log, max_iter=integer:50:500, kernel=categorical:linear,rbf";
  const eq = text.indexOf("=");
  if (eq <= 0) throw bad(`"${text}" is not name=type:...`, where, hint);
  const name = text.slice(0, eq);
  const [type, ...rest] = text.slice(eq + 1).split(":");
  if (type === "categorical" && rest.length === 1 && rest[0]) {
    return [name, { type, values: rest[0].split(",") }];
  }
  if ((type === "continuous" || type === "integer") && (rest.length === 2 || rest.length === 3)) {
    const scaling = rest[2] === undefined ? undefined : SCALING_WORDS[rest[2].toLowerCase()];
    if (rest[2] !== undefined && !scaling)
      throw bad(`Unknown scaling "${rest[2]}" in "${text}"`, where, hint);
    return [name, { type, min: Number(rest[0]), max: Number(rest[1]), ...(scaling ? { scaling } : {}) }];
  }
  throw bad(`"${text}" is not a range`, where, hint);
}
