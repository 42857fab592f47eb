import { describe, expect, it } from "vitest";
import { hyperbandDecision, hyperbandRungs } from "./early-stopping.js";
import { expectedImprovement, fitGaussianProcess } from "./gaussian-process.js";
import { seededRandom } from "./random.js";
import { decode, encode, type ParameterRange } from "./space.js";
import { bayesianSearch } from "./strategies/bayesian-search.js";
import { gridSearch } from "./strategies/grid-search.js";
import { randomSearch } from "./strategies/random-search.js";
import type { Observation, SearchStrategy } from "./strategy.js";

describe("search space", () => {
  const ranges: ParameterRange[] = [
    { kind: "Continuous", name: "C", min: 0.001, max: 100, scaling: "Logarithmic" },
    { kind: "Integer", name: "iters", min: 50, max: 500, scaling: "Linear" },
    { kind: "Continuous", name: "momentum", min: 0.9, max: 0.999, scaling: "ReverseLogarithmic" },
    { kind: "Categorical", name: "kernel", values: ["linear", "rbf"] },
  ];

  it("maps the unit cube onto each range's scale", () => {
    expect(decode(ranges, [0, 0, 0, 0])).toEqual({
      C: "0.001",
      iters: "50",
      momentum: "0.9",
      kernel: "linear",
    });
    expect(decode(ranges, [1, 1, 1, 1])).toEqual({
      C: "100",
      iters: "500",
      momentum: "0.999",
      kernel: "rbf",
    });
    // Logarithmic: the middle of the cube is the geometric mean; reverse-log: 1 - geometric mean of 1 - x.
    const middle = decode(ranges, [0.5, 0.5, 0.5, 0.49]);
    expect(Number(middle.C)).toBeCloseTo(Math.sqrt(0.001 * 100), 9);
    expect(Number(middle.momentum)).toBeCloseTo(1 - Math.sqrt(0.1 * 0.001), 9);
    expect(middle.iters).toBe("275");
  });

  it("encodes hyperparameters back (warm start) and refuses values outside the ranges", () => {
    const point = encode(ranges, { C: "1", iters: "275", momentum: "0.99", kernel: "rbf" }) as number[];
    expect(decode(ranges, point)).toEqual({ C: "1", iters: "275", momentum: "0.99", kernel: "rbf" });
    expect(encode(ranges, { C: "1000", iters: "275", momentum: "0.99", kernel: "rbf" })).toBeUndefined();
    expect(encode(ranges, { C: "1", iters: "275", momentum: "0.99", kernel: "poly" })).toBeUndefined();
  });
});

describe("strategies", () => {
  it("Grid proposes every combination once, then nothing", () => {
    const ranges = [
      { kind: "Categorical" as const, name: "a", values: ["1", "2"] },
      { kind: "Categorical" as const, name: "b", values: ["x", "y", "z"] },
    ];
    const grid = gridSearch(ranges);
    const seen: string[] = [];
    for (
      let p = grid.propose({ observed: [], pending: [] });
      p;
      p = grid.propose({ observed: [], pending: [] })
    ) {
      const hps = decode(ranges, p);
      seen.push(`${hps.a}${hps.b}`);
    }
    expect(seen).toEqual(["1x", "1y", "1z", "2x", "2y", "2z"]);
  });

  it("the Gaussian process interpolates what it saw and is unsure far from it", () => {
    const xs = [[0.1], [0.4], [0.9]];
    const gp = fitGaussianProcess(xs, [1, 3, 2]);
    expect(gp.predict([0.4]).mean).toBeCloseTo(3, 1);
    expect(gp.predict([0.4]).sd).toBeLessThan(gp.predict([0.65]).sd);
    // Expected improvement favours a point that may beat the best over one known to be worse.
    expect(expectedImprovement(gp.predict([0.45]), 3)).toBeGreaterThan(
      expectedImprovement(gp.predict([0.1]), 3),
    );
  });

  /** Best score after `n` sequential proposals on a seeded 2-D objective (maximum 0 at (0.73, 0.21)). */
  function bestAfter(strategy: SearchStrategy, n: number): number {
    const f = ([x = 0, y = 0]: number[]) => -((x - 0.73) ** 2) - 2 * (y - 0.21) ** 2;
    const observed: Observation[] = [];
    for (let i = 0; i < n; i++) {
      const point = strategy.propose({ observed, pending: [] }) as number[];
      observed.push({ point, score: f(point) });
    }
    return Math.max(...observed.map((o) => o.score));
  }

  it("Bayesian gets closer to the optimum than Random with the same budget on most seeds", () => {
    const ranges: ParameterRange[] = [
      { kind: "Continuous", name: "x", min: 0, max: 1, scaling: "Linear" },
      { kind: "Continuous", name: "y", min: 0, max: 1, scaling: "Linear" },
    ];
    let wins = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const bayes = bestAfter(bayesianSearch(ranges, seededRandom(seed)), 15);
      const random = bestAfter(randomSearch(2, seededRandom(seed)), 15);
      if (bayes > random) wins++;
    }
    expect(wins).toBeGreaterThanOrEqual(8);
  });

  it("Hyperband compares at rungs minResource * eta^k and stops a trial below the best 1/eta", () => {
    const config = { minResource: 1, maxResource: 27, eta: 3 };
    expect(hyperbandRungs(config)).toEqual([1, 3, 9]);
    const trials = [
      { index: 0, scores: [0.9, 0.9, 0.9] },
      { index: 1, scores: [0.5, 0.5, 0.5] },
      { index: 2, scores: [0.7, 0.7, 0.7] },
    ];
    expect(hyperbandDecision(trials[1] as (typeof trials)[0], trials, config)).toBe("stop");
    expect(hyperbandDecision(trials[0] as (typeof trials)[0], trials, config)).toBe("continue");
    expect(hyperbandDecision({ index: 0, scores: [1, 1] }, trials, config)).toBe("continue"); // not a rung
    expect(hyperbandDecision({ index: 0, scores: new Array(28).fill(1) }, trials, config)).toBe(
      "budget-spent",
    );
  });
});
