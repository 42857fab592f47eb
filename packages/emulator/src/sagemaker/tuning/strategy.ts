import type { UnitPoint } from "./space.js";

/** A finished trial as a strategy sees it: its point and objective, oriented so that higher is better. */
export interface Observation {
  point: UnitPoint;
  score: number;
}

export interface ProposalContext {
  /** Trials with an objective (this job's, plus a warm start's parents'). */
  observed: readonly Observation[];
  /** Points of trials still running (no objective yet). */
  pending: readonly UnitPoint[];
}

/** How a tuning job picks the next hyperparameters. */
export interface SearchStrategy {
  /** The next point, or undefined when the strategy has nothing left to try (a finished grid). */
  propose(context: ProposalContext): UnitPoint | undefined;
}
