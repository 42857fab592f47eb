/** Float64 machine epsilon: scikit-learn's log_loss clips probabilities to [eps, 1 - eps]. */
const EPS = 2.220446049250313e-16;

export interface ConfusionMatrix2 {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

export interface CurvePoint {
  threshold: number;
  x: number;
  y: number;
}

export interface BinaryMetrics {
  task: "binary";
  /** Rows with both a score and a label. */
  count: number;
  positives: number;
  negatives: number;
  /** ROC AUC (scikit-learn's roc_auc_score); null when only one class is present. */
  rocAuc: number | null;
  /** Area under the precision-recall curve as average precision (scikit-learn's average_precision_score). */
  prAuc: number | null;
  logLoss: number;
  brier: number;
  threshold: number;
  /** A row is predicted positive when its score >= threshold. */
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** scikit-learn's confusion_matrix layout: [[tn, fp], [fn, tp]]. */
  confusionMatrix: [[number, number], [number, number]];
  /** About 200 points each, for plots: ROC (x = FPR, y = TPR) and PR (x = recall, y = precision). */
  curves: {
    roc: CurvePoint[];
    pr: CurvePoint[];
    /** 10 equal-width bins of the score: mean score vs fraction of positives. */
    calibration: Array<{
      lower: number;
      upper: number;
      count: number;
      meanScore: number;
      positiveRate: number;
    }>;
    /** 20 equal-width bins of the score per class. */
    histogram: { edges: number[]; positives: number[]; negatives: number[] };
  };
}

export interface MulticlassMetrics {
  task: "multiclass";
  count: number;
  classes: number;
  accuracy: number;
  /** Unweighted mean of per-class F1 over classes seen in labels or predictions (scikit-learn's default). */
  macroF1: number;
  logLoss: number;
  /** confusion[true][predicted]. */
  confusionMatrix: number[][];
}

export interface LatencySummary {
  requests: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Linear interpolation between closest ranks (numpy's default percentile). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * (q / 100);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (pos - lo);
}

export function latencySummary(ms: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(ms).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    requests: sorted.length,
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

const divide = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Scores split by label, each sorted ascending (typed arrays: 8 bytes a row, no per-row objects). */
function splitSorted(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): { pos: Float64Array; neg: Float64Array } {
  const n = scores.length;
  let pCount = 0;
  for (let i = 0; i < n; i++) pCount += labels[i] ? 1 : 0;
  const pos = new Float64Array(pCount);
  const neg = new Float64Array(n - pCount);
  let pi = 0;
  let ni = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]) pos[pi++] = scores[i] as number;
    else neg[ni++] = scores[i] as number;
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/** Number of distinct scores (thresholds) across both arrays. */
function countThresholds(pos: Float64Array, neg: Float64Array): number {
  let i = pos.length - 1;
  let j = neg.length - 1;
  let steps = 0;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? (pos[i] as number) : -Infinity;
    const b = j >= 0 ? (neg[j] as number) : -Infinity;
    const s = Math.max(a, b);
    while (i >= 0 && pos[i] === s) i--;
    while (j >= 0 && neg[j] === s) j--;
    steps++;
  }
  return steps;
}

const CURVE_POINTS = 200;

/**
 * Binary metrics, matching scikit-learn: roc_auc_score, average_precision_score, log_loss, brier_score_loss,
 * and accuracy/precision/recall/F1/confusion at `threshold` (score >= threshold is positive; 0/0 -> 0).
 * `labels` are 0/1.
 */
export function binaryMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { threshold?: number } = {},
): BinaryMetrics {
  const threshold = options.threshold ?? 0.5;
  const n = scores.length;
  let logLoss = 0;
  let brier = 0;
  const cm = { tn: 0, fp: 0, fn: 0, tp: 0 };
  const calibration = Array.from({ length: 10 }, (_, k) => ({
    lower: k / 10,
    upper: (k + 1) / 10,
    count: 0,
    sum: 0,
    positives: 0,
  }));
  const histogram = { positives: new Array<number>(20).fill(0), negatives: new Array<number>(20).fill(0) };
  for (let i = 0; i < n; i++) {
    const p = scores[i] as number;
    const y = labels[i] ? 1 : 0;
    const c = Math.min(Math.max(p, EPS), 1 - EPS);
    logLoss -= y ? Math.log(c) : Math.log(1 - c);
    brier += (p - y) * (p - y);
    const predicted = p >= threshold;
    if (y) predicted ? cm.tp++ : cm.fn++;
    else predicted ? cm.fp++ : cm.tn++;
    const bin = calibration[Math.min(9, Math.floor(p * 10))] as (typeof calibration)[number];
    bin.count++;
    bin.sum += p;
    bin.positives += y;
    const hist = y ? histogram.positives : histogram.negatives;
    const h = Math.min(19, Math.floor(p * 20));
    hist[h] = (hist[h] as number) + 1;
  }
  // Walk the distinct thresholds from the highest score down with cumulative tp/fp; plain locals (no
  // closure) keep the doubles unboxed. ~200 evenly spaced curve points are kept for plots.
  const { pos, neg } = splitSorted(scores, labels);
  const positives = pos.length;
  const negatives = neg.length;
  const steps = countThresholds(pos, neg);
  const every = Math.max(1, Math.ceil(steps / CURVE_POINTS));
  const both = positives > 0 && negatives > 0;
  const roc: CurvePoint[] = [{ threshold: Infinity, x: 0, y: 0 }];
  const pr: CurvePoint[] = [];
  let area = 0;
  let ap = 0;
  let tp = 0;
  let fp = 0;
  let k = 0;
  let i = positives - 1;
  let j = negatives - 1;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? (pos[i] as number) : -Infinity;
    const b = j >= 0 ? (neg[j] as number) : -Infinity;
    const threshold = Math.max(a, b);
    const prevTp = tp;
    const prevFp = fp;
    while (i >= 0 && pos[i] === threshold) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === threshold) {
      fp++;
      j--;
    }
    area += ((fp - prevFp) * (tp + prevTp)) / 2;
    if (positives > 0) ap += ((tp - prevTp) / positives) * (tp / (tp + fp));
    if (++k % every === 0 || k === steps) {
      if (both) roc.push({ threshold, x: fp / negatives, y: tp / positives });
      if (positives > 0) pr.push({ threshold, x: tp / positives, y: tp / (tp + fp) });
    }
  }
  const rocAuc = both ? area / (positives * negatives) : null;
  const prAuc = positives > 0 ? ap : null;
  const precision = divide(cm.tp, cm.tp + cm.fp);
  const recall = divide(cm.tp, cm.tp + cm.fn);
  return {
    task: "binary",
    count: n,
    positives,
    negatives,
    rocAuc,
    prAuc,
    logLoss: n ? logLoss / n : Number.NaN,
    brier: n ? brier / n : Number.NaN,
    threshold,
    accuracy: divide(cm.tp + cm.tn, n),
    precision,
    recall,
    f1: divide(2 * cm.tp, 2 * cm.tp + cm.fp + cm.fn),
    confusionMatrix: [
      [cm.tn, cm.fp],
      [cm.fn, cm.tp],
    ],
    curves: {
      roc,
      pr,
      calibration: calibration.map((b) => ({
        lower: b.lower,
        upper: b.upper,
        count: b.count,
        meanScore: divide(b.sum, b.count),
        positiveRate: divide(b.positives, b.count),
      })),
      histogram: { edges: Array.from({ length: 21 }, (_, k) => k / 20), ...histogram },
    },
  };
}

/** Streaming multi-class metrics: nothing per row is kept. */
export class MulticlassAccumulator {
  confusion: number[][] = [];
  logLossSum = 0;
  count = 0;

  add(probabilities: readonly number[], label: number): void {
    const k = Math.max(probabilities.length, label + 1);
    this.#grow(k);
    let sum = 0;
    let best = 0;
    for (let c = 0; c < probabilities.length; c++) {
      const p = probabilities[c] as number;
      sum += p;
      if (p > (probabilities[best] as number)) best = c;
    }
    // log_loss renormalises each row before clipping.
    const p = label < probabilities.length ? (probabilities[label] as number) / sum : 0;
    this.logLossSum -= Math.log(Math.min(Math.max(p, EPS), 1 - EPS));
    const row = this.confusion[label] as number[];
    row[best] = (row[best] as number) + 1;
    this.count++;
  }

  #grow(k: number): void {
    if (k <= this.confusion.length) return;
    for (const row of this.confusion) while (row.length < k) row.push(0);
    while (this.confusion.length < k) this.confusion.push(new Array<number>(k).fill(0));
  }

  state(): { confusion: number[][]; logLossSum: number; count: number } {
    return { confusion: this.confusion, logLossSum: this.logLossSum, count: this.count };
  }

  static from(state: { confusion: number[][]; logLossSum: number; count: number }): MulticlassAccumulator {
    const acc = new MulticlassAccumulator();
    acc.confusion = state.confusion.map((r) => [...r]);
    acc.logLossSum = state.logLossSum;
    acc.count = state.count;
    return acc;
  }

  finish(): MulticlassMetrics {
    const k = this.confusion.length;
    let correct = 0;
    let f1Sum = 0;
    let seen = 0;
    for (let c = 0; c < k; c++) {
      const tp = (this.confusion[c] as number[])[c] as number;
      correct += tp;
      let actual = 0;
      let predicted = 0;
      for (let o = 0; o < k; o++) {
        actual += (this.confusion[c] as number[])[o] as number;
        predicted += (this.confusion[o] as number[])[c] as number;
      }
      if (actual === 0 && predicted === 0) continue;
      seen++;
      f1Sum += divide(2 * tp, actual + predicted);
    }
    return {
      task: "multiclass",
      count: this.count,
      classes: k,
      accuracy: divide(correct, this.count),
      macroF1: divide(f1Sum, seen),
      logLoss: this.count ? this.logLossSum / this.count : Number.NaN,
      confusionMatrix: this.confusion.map((r) => [...r]),
    };
  }
}

/** Multi-class metrics over whole arrays; labels are class indices. */
export function multiclassMetrics(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
): MulticlassMetrics {
  const acc = new MulticlassAccumulator();
  for (let i = 0; i < labels.length; i++) acc.add(probabilities[i] as number[], labels[i] as number);
  return acc.finish();
}
