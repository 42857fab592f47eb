import { expectedImprovement, fitGaussianProcess } from "../gaussian-process.js";
import { normal, type Random } from "../random.js";
import { features, type ParameterRange, type UnitPoint } from "../space.js";
import type { Observation, SearchStrategy } from "../strategy.js";

const RANDOM_CANDIDATES = 1500;
const LOCAL_CANDIDATES = 150;
const LOCAL_SPREAD = 0.08;

/**
 * Bayesian optimisation: a Gaussian process models the objective over the (scaled) ranges and each new
 * point maximises expected improvement. The first few points are random (the model needs data); trials
 * still running enter the model at its predicted mean ("kriging believer"), so parallel proposals spread out.
 */
export function bayesianSearch(ranges: readonly ParameterRange[], random: Random): SearchStrategy {
  const dimensions = ranges.length;
  const initial = Math.max(3, dimensions + 1);
  const uniform = (): UnitPoint => Array.from({ length: dimensions }, () => random());
  return {
    propose({ observed, pending }) {
      if (observed.length < initial) return uniform();
      const xs = observed.map((o) => features(ranges, o.point));
      const ys = observed.map((o) => o.score);
      let model = fitGaussianProcess(xs, ys);
      if (pending.length) {
        const believed = pending.map((p) => features(ranges, p));
        model = fitGaussianProcess(
          [...xs, ...believed],
          [...ys, ...believed.map((x) => model.predict(x).mean)],
        );
      }
      const best = Math.max(...ys);
      let choice: UnitPoint = uniform();
      let bestGain = -1;
      for (const candidate of candidates(observed, random, dimensions)) {
        const gain = expectedImprovement(model.predict(features(ranges, candidate)), best);
        if (gain > bestGain) {
          bestGain = gain;
          choice = candidate;
        }
      }
      return choice;
    },
  };
}

/** Uniform points plus perturbations of the three best points seen (EI's maximum is often near them). */
function* candidates(
  observed: readonly Observation[],
  random: Random,
  dimensions: number,
): Generator<UnitPoint> {
  for (let i = 0; i < RANDOM_CANDIDATES; i++) yield Array.from({ length: dimensions }, () => random());
  const top = [...observed].sort((a, b) => b.score - a.score).slice(0, 3);
  for (const { point } of top) {
    for (let i = 0; i < LOCAL_CANDIDATES / top.length; i++) {
      yield point.map((u) => Math.min(1, Math.max(0, u + LOCAL_SPREAD * normal(random))));
    }
  }
}
