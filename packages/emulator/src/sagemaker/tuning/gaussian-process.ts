/**
 * A Gaussian-process regression model (Matern 5/2 kernel, unit signal variance on standardised
 * targets), its length scale chosen by maximum marginal likelihood over a grid. Small and exact: a
 * tuning job has tens to hundreds of observations, so an O(n^3) Cholesky factorisation is cheap.
 */

export interface Prediction {
  mean: number;
  sd: number;
}

export interface GaussianProcess {
  /** Posterior mean and standard deviation, in the units of the targets it was fitted on. */
  predict(x: readonly number[]): Prediction;
  readonly lengthScale: number;
}

const LENGTH_SCALES = [0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2];
// Observation noise on the standardised scale: training metrics are rarely exactly reproducible.
const NOISE = 1e-3;

function matern52(a: readonly number[], b: readonly number[], lengthScale: number): number {
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sq += d * d;
  }
  const r = Math.sqrt(5 * sq) / lengthScale;
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

// Matrices are arrays of rows; `get` reads an entry the algorithms below know to exist.
const get = (m: number[][], i: number, j: number) => (m[i] as number[])[j] as number;
const at = (v: readonly number[], i: number) => v[i] as number;

/** Lower-triangular L with L L^T = A (A symmetric positive definite), or undefined if it is not. */
function cholesky(a: number[][]): number[][] | undefined {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const row = l[i] as number[];
    for (let j = 0; j <= i; j++) {
      let sum = get(a, i, j);
      for (let k = 0; k < j; k++) sum -= at(row, k) * get(l, j, k);
      if (i === j) {
        if (sum <= 0) return undefined;
        row[i] = Math.sqrt(sum);
      } else row[j] = sum / get(l, j, j);
    }
  }
  return l;
}

/** Solves L x = b (forward substitution). */
function solveLower(l: number[][], b: readonly number[]): number[] {
  const x = new Array<number>(b.length);
  for (let i = 0; i < b.length; i++) {
    let sum = at(b, i);
    for (let k = 0; k < i; k++) sum -= get(l, i, k) * at(x, k);
    x[i] = sum / get(l, i, i);
  }
  return x;
}

/** Solves L^T x = b (back substitution). */
function solveUpper(l: number[][], b: readonly number[]): number[] {
  const n = b.length;
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = at(b, i);
    for (let k = i + 1; k < n; k++) sum -= get(l, k, i) * at(x, k);
    x[i] = sum / get(l, i, i);
  }
  return x;
}

interface Fit {
  lengthScale: number;
  l: number[][];
  alpha: number[];
  logLikelihood: number;
}

function fitWith(xs: readonly number[][], y: readonly number[], lengthScale: number): Fit | undefined {
  const k = xs.map((a, i) => xs.map((b, j) => matern52(a, b, lengthScale) + (i === j ? NOISE : 0)));
  const l = cholesky(k);
  if (!l) return undefined;
  const alpha = solveUpper(l, solveLower(l, y));
  let logDet = 0;
  for (let i = 0; i < y.length; i++) logDet += Math.log((l[i] as number[])[i] as number);
  const fitTerm = y.reduce((s, yi, i) => s + yi * (alpha[i] as number), 0);
  return { lengthScale, l, alpha, logLikelihood: -0.5 * fitTerm - logDet };
}

export function fitGaussianProcess(xs: readonly number[][], ys: readonly number[]): GaussianProcess {
  const n = ys.length;
  const mean = ys.reduce((a, b) => a + b, 0) / n;
  const variance = ys.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const scale = variance > 0 ? Math.sqrt(variance) : 1;
  const y = ys.map((v) => (v - mean) / scale);
  let best: Fit | undefined;
  for (const lengthScale of LENGTH_SCALES) {
    const fit = fitWith(xs, y, lengthScale);
    if (fit && (!best || fit.logLikelihood > best.logLikelihood)) best = fit;
  }
  if (!best) throw new Error("Gaussian process: the kernel matrix is not positive definite");
  const { l, alpha, lengthScale } = best;
  return {
    lengthScale,
    predict(x) {
      const kStar = xs.map((xi) => matern52(xi, x, lengthScale));
      const mu = kStar.reduce((s, k, i) => s + k * (alpha[i] as number), 0);
      const v = solveLower(l, kStar);
      const variance = Math.max(1e-12, 1 - v.reduce((s, vi) => s + vi * vi, 0));
      return { mean: mean + mu * scale, sd: Math.sqrt(variance) * scale };
    },
  };
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function normalPdf(z: number): number {
  return Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
}

/** Expected improvement over `best` (maximising), with exploration margin `xi`. */
export function expectedImprovement(p: Prediction, best: number, xi = 0.01): number {
  if (p.sd <= 0) return Math.max(0, p.mean - best - xi);
  const gain = p.mean - best - xi;
  const z = gain / p.sd;
  return gain * normalCdf(z) + p.sd * normalPdf(z);
}
