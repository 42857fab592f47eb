import { randomBytes, randomInt } from "node:crypto";
import type { MetricValue } from "@mlship/core";
import type { TrainingJobs } from "../training-jobs.js";
import { hyperbandDecision, medianRuleStops, type TrialCurve } from "./early-stopping.js";
import { seededRandom } from "./random.js";
import type { TrialRecord, TuningJobRecord } from "./records.js";
import { type CategoricalRange, decode, type UnitPoint } from "./space.js";
import { bayesianSearch } from "./strategies/bayesian-search.js";
import { gridSearch } from "./strategies/grid-search.js";
import { randomSearch } from "./strategies/random-search.js";
import type { Observation, SearchStrategy } from "./strategy.js";
import type { TuningPlan } from "./tuning-config.js";

export interface TuningDriverDeps {
  training: Pick<TrainingJobs, "startJob" | "StopTrainingJob" | "record" | "settled">;
  /** Persists the tuning job (its status, counters and trials). */
  save(job: TuningJobRecord): void;
  /** True while the emulator shuts down: nothing is recorded then (a restart reports the job as failed). */
  closing(): boolean;
}

export interface TuningRun {
  /** Resolves once the tuning job has ended (or the emulator closed). */
  done: Promise<void>;
  /** StopHyperParameterTuningJob: stops the running children; the job ends Stopped once they have. */
  stop(): void;
}

export function createStrategy(plan: TuningPlan, seed: number): SearchStrategy {
  const random = seededRandom(seed);
  if (plan.strategy === "Grid") return gridSearch(plan.ranges as CategoricalRange[]);
  if (plan.strategy === "Bayesian") return bayesianSearch(plan.ranges, random);
  // Hyperband samples configurations at random and saves its budget by stopping the poor ones early.
  return randomSearch(plan.ranges.length, random);
}

/** The CreateTrainingJob request of one child: the definition, its static and tuned hyperparameters. */
export function childTrainingJob(
  definition: Record<string, unknown>,
  name: string,
  tuned: Record<string, string>,
  objectiveMetric: string,
): Record<string, unknown> {
  const { StaticHyperParameters, DefinitionName, TuningObjective, HyperParameterRanges, ...rest } =
    definition;
  return {
    ...rest,
    TrainingJobName: name,
    HyperParameters: {
      ...(StaticHyperParameters as Record<string, string> | undefined),
      ...tuned,
      // SageMaker tells the script which metric is the objective.
      _tuning_objective_metric: objectiveMetric,
    },
  };
}

/**
 * Runs a tuning job: launches children (at most MaxParallelTrainingJobs at once, MaxNumberOfTrainingJobs
 * in all) at the points the strategy proposes, reads the objective from their metrics, stops poor ones
 * early (Auto: the median rule; Hyperband: its rungs), and ends the job when the last child has ended.
 */
export function runTuningJob(
  job: TuningJobRecord,
  plan: TuningPlan,
  prior: readonly Observation[],
  deps: TuningDriverDeps,
): TuningRun {
  const strategy = createStrategy(plan, plan.seed ?? randomInt(2 ** 31));
  const running = new Map<string, TrialRecord>();
  const score = (value: number) => (plan.objective.type === "Maximize" ? value : -value);
  let exhausted = false;
  let stopping = false;
  let finished = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const save = () => {
    if (!deps.closing()) deps.save(job);
  };
  const observed = (): Observation[] => [
    ...prior,
    ...job.Trials.filter((t) => t.ObjectiveStatus === "Succeeded").map((t) => ({
      point: t.Point,
      score: score(t.FinalObjective as number),
    })),
  ];

  const stopTrial = (trial: TrialRecord, reason: NonNullable<TrialRecord["StoppedBy"]>) => {
    if (trial.StoppedBy) return;
    trial.StoppedBy = reason;
    try {
      deps.training.StopTrainingJob({ TrainingJobName: trial.TrainingJobName });
    } catch {
      // it ended on its own meanwhile
    }
  };

  const onMetric = (trial: TrialRecord, value: MetricValue) => {
    if (value.name !== plan.objective.metricName) return;
    trial.ObjectiveValues.push(value.value);
    if (trial.StoppedBy || stopping) return;
    const curves: TrialCurve[] = job.Trials.map((t, index) => ({
      index,
      scores: t.ObjectiveValues.map(score),
    }));
    const me = curves[job.Trials.indexOf(trial)] as TrialCurve;
    if (plan.hyperband) {
      if (hyperbandDecision(me, curves, plan.hyperband) !== "continue") stopTrial(trial, "hyperband");
    } else if (plan.earlyStopping === "Auto" && medianRuleStops(me, curves))
      stopTrial(trial, "early-stopping");
  };

  const ended = (trial: TrialRecord) => {
    running.delete(trial.TrainingJobName);
    if (deps.closing()) return finish();
    const record = deps.training.record(trial.TrainingJobName);
    if (record) {
      trial.TrainingJobStatus = record.TrainingJobStatus;
      trial.TrainingStartTime = record.TrainingStartTime;
      trial.TrainingEndTime = record.TrainingEndTime;
      trial.FailureReason = record.FailureReason;
      const final = record.FinalMetricDataList?.find((m) => m.MetricName === plan.objective.metricName);
      const usable = record.TrainingJobStatus === "Completed" || record.TrainingJobStatus === "Stopped";
      if (usable && final) trial.FinalObjective = final.Value;
      trial.ObjectiveStatus = usable && final ? "Succeeded" : "Failed";
    }
    save();
    fill();
  };

  const launch = (point: UnitPoint) => {
    const index = job.Trials.length + 1;
    const name = `${job.HyperParameterTuningJobName}-${String(index).padStart(3, "0")}-${randomBytes(4).toString("hex")}`;
    const tuned = decode(plan.ranges, point);
    const trial: TrialRecord = {
      TrainingJobName: name,
      TrainingJobArn: "",
      CreationTime: Date.now(),
      TrainingJobStatus: "InProgress",
      TunedHyperParameters: tuned,
      Point: point,
      ObjectiveValues: [],
      ObjectiveStatus: "Pending",
    };
    job.Trials.push(trial);
    try {
      const child = childTrainingJob(job.TrainingJobDefinition, name, tuned, plan.objective.metricName);
      // SageMaker adds the tuning job's tags to every training job it launches.
      if (job.Tags?.length) child.Tags = job.Tags;
      const record = deps.training.startJob(child, {
        tuningJobArn: job.HyperParameterTuningJobArn,
        observer: { onMetric: (value) => onMetric(trial, value) },
      });
      trial.TrainingJobArn = record.TrainingJobArn;
    } catch (error) {
      // A child SageMaker cannot create is a failed trial; the search goes on.
      trial.TrainingJobStatus = "Failed";
      trial.FailureReason = `ClientError: ${error instanceof Error ? error.message : String(error)}`;
      trial.ObjectiveStatus = "Failed";
      return;
    }
    running.set(name, trial);
    void deps.training.settled(name).then(() => ended(trial));
  };

  function fill(): void {
    while (!stopping && !exhausted && running.size < plan.maxParallel && job.Trials.length < plan.maxJobs) {
      const point = strategy.propose({
        observed: observed(),
        pending: [...running.values()].map((t) => t.Point),
      });
      if (!point) exhausted = true;
      else launch(point);
    }
    save();
    if (running.size === 0) finish();
  }

  function finish(): void {
    if (finished) return;
    finished = true;
    if (!deps.closing()) {
      const succeeded = job.Trials.some((t) => t.ObjectiveStatus === "Succeeded");
      job.HyperParameterTuningJobStatus = stopping ? "Stopped" : succeeded ? "Completed" : "Failed";
      if (!stopping && !succeeded) {
        job.FailureReason = `No training job reported the objective metric ${plan.objective.metricName}: ${job.Trials.length} launched, see their FailureReason.`;
      }
      job.HyperParameterTuningEndTime = Date.now();
      deps.save(job);
    }
    resolveDone();
  }

  queueMicrotask(fill);
  return {
    done,
    stop() {
      if (finished || stopping) return;
      stopping = true;
      job.HyperParameterTuningJobStatus = "Stopping";
      save();
      for (const trial of running.values()) stopTrial(trial, "tuning-job-stop");
      if (running.size === 0) finish();
    },
  };
}
