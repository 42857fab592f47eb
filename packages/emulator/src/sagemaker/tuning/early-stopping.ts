/**
 * Early stopping from intermediate objective values (every value a training job logs for the objective
 * metric is one "epoch"). Scores are oriented so that higher is better.
 */

export interface TrialCurve {
  /** Launch order within the tuning job. */
  index: number;
  scores: readonly number[];
}

/**
 * The emulator waits for this many earlier trials that reached the same epoch before it stops anything:
 * SageMaker does not document a minimum, and a median of one or two curves is mostly noise.
 */
export const MEDIAN_RULE_MIN_PEERS = 3;

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (at - low);
}

/**
 * TrainingJobEarlyStoppingType Auto, as SageMaker documents it: after each epoch (from the second on),
 * compute the running average of the objective of every previous training job up to the same epoch; if
 * the current job's value is worse than the median of those averages, stop it.
 */
export function medianRuleStops(trial: TrialCurve, all: readonly TrialCurve[]): boolean {
  const epoch = trial.scores.length;
  if (epoch < 2) return false;
  const averages = all
    .filter((t) => t.index < trial.index && t.scores.length >= epoch)
    .map((t) => mean(t.scores.slice(0, epoch)));
  if (averages.length < MEDIAN_RULE_MIN_PEERS) return false;
  return (trial.scores[epoch - 1] as number) < quantile(averages, 0.5);
}

export interface HyperbandConfig {
  minResource: number;
  maxResource: number;
  /** Reduction factor: only the best 1/eta of the trials at a rung go on. */
  eta: number;
}

/** Rungs (epochs) at which Hyperband compares trials: minResource * eta^k below maxResource. */
export function hyperbandRungs(config: HyperbandConfig): number[] {
  const rungs: number[] = [];
  for (let r = config.minResource; r < config.maxResource; r *= config.eta) rungs.push(Math.round(r));
  return rungs;
}

/**
 * Hyperband in its asynchronous form (successive halving as trials arrive, like ASHA): when a trial
 * reaches a rung, it goes on only if its value is within the best 1/eta of the values every trial had
 * at that rung; past maxResource it has had its budget and is stopped.
 */
export function hyperbandDecision(
  trial: TrialCurve,
  all: readonly TrialCurve[],
  config: HyperbandConfig,
): "continue" | "stop" | "budget-spent" {
  const epoch = trial.scores.length;
  // A trial that has used its budget and keeps going is stopped; one that ends at MaxResource completes.
  if (epoch > config.maxResource) return "budget-spent";
  if (!hyperbandRungs(config).includes(epoch)) return "continue";
  const atRung = all.filter((t) => t.scores.length >= epoch).map((t) => t.scores[epoch - 1] as number);
  const cutoff = quantile(atRung, 1 - 1 / config.eta);
  return (trial.scores[epoch - 1] as number) < cutoff ? "stop" : "continue";
}
