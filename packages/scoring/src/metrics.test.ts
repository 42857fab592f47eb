import { describe, expect, it } from "vitest";
import { binaryMetrics, latencySummary, multiclassMetrics } from "./metrics.js";
import { runPython } from "./test/python.js";

interface BinaryRef {
  rocAuc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  cm: number[][];
  p: number[];
}

interface MultiRef {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  cm: number[][];
}

/** A deterministic generator so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SKLEARN_BINARY = `
import json, sys
import numpy as np
from sklearn import metrics as m
d = json.load(sys.stdin)
s = np.array(d["scores"], dtype=float); y = np.array(d["labels"], dtype=int)
pred = (s >= d["threshold"]).astype(int)
print(json.dumps({
  "rocAuc": m.roc_auc_score(y, s), "prAuc": m.average_precision_score(y, s),
  "logLoss": m.log_loss(y, s, labels=[0, 1]), "brier": m.brier_score_loss(y, s),
  "accuracy": m.accuracy_score(y, pred), "precision": m.precision_score(y, pred, zero_division=0),
  "recall": m.recall_score(y, pred, zero_division=0), "f1": m.f1_score(y, pred, zero_division=0),
  "cm": m.confusion_matrix(y, pred, labels=[0, 1]).tolist(),
  "p": np.percentile(s, [50, 95, 99]).tolist(),
}))
`;

describe("binary metrics", () => {
  it("match scikit-learn on scores with ties, extremes and a threshold", () => {
    const rand = lcg(7);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const y = rand() < 0.35 ? 1 : 0;
      // Rounded scores create many ties; a few exact 0s and 1s exercise log-loss clipping.
      let s = Math.round(Math.min(1, Math.max(0, 0.3 + (y ? 0.25 : -0.05) + (rand() - 0.5) * 0.8)) * 50) / 50;
      if (i % 500 === 0) s = y ? 0 : 1;
      scores.push(s);
      labels.push(y);
    }
    for (const threshold of [0.5, 0.37]) {
      const ours = binaryMetrics(scores, labels, { threshold });
      const ref = runPython(SKLEARN_BINARY, { scores, labels, threshold }) as BinaryRef;
      expect(ours.rocAuc).toBeCloseTo(ref.rocAuc, 12);
      expect(ours.prAuc).toBeCloseTo(ref.prAuc, 12);
      expect(ours.logLoss).toBeCloseTo(ref.logLoss, 10);
      expect(ours.brier).toBeCloseTo(ref.brier, 12);
      expect(ours.accuracy).toBeCloseTo(ref.accuracy, 12);
      expect(ours.precision).toBeCloseTo(ref.precision, 12);
      expect(ours.recall).toBeCloseTo(ref.recall, 12);
      expect(ours.f1).toBeCloseTo(ref.f1, 12);
      expect(ours.confusionMatrix).toEqual(ref.cm);
      const lat = latencySummary(scores);
      expect([lat.p50Ms, lat.p95Ms, lat.p99Ms]).toEqual(ref.p.map((v) => expect.closeTo(v, 12)));
    }
  });

  it("report no AUC when one class is missing, and 0 for undefined precision", () => {
    const m = binaryMetrics([0.1, 0.2], [0, 0]);
    expect(m.rocAuc).toBeNull();
    expect(m.prAuc).toBeNull();
    expect(m.precision).toBe(0);
    expect(m.confusionMatrix).toEqual([
      [2, 0],
      [0, 0],
    ]);
  });
});

const SKLEARN_MULTI = `
import json, sys
import numpy as np
from sklearn import metrics as m
d = json.load(sys.stdin)
p = np.array(d["probs"], dtype=float); y = np.array(d["labels"], dtype=int)
pred = p.argmax(axis=1)
print(json.dumps({
  "accuracy": m.accuracy_score(y, pred), "macroF1": m.f1_score(y, pred, average="macro", zero_division=0),
  "logLoss": m.log_loss(y, p, labels=list(range(p.shape[1]))),
  "cm": m.confusion_matrix(y, pred, labels=list(range(p.shape[1]))).tolist(),
}))
`;

describe("multi-class metrics", () => {
  it("match scikit-learn, including a class never predicted", () => {
    const rand = lcg(11);
    const probs: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const y = Math.floor(rand() * 4);
      // Class 3 is never the argmax: it keeps a tiny weight.
      const w = [
        rand() + (y === 0 ? 0.6 : 0),
        rand() + (y === 1 ? 0.6 : 0),
        rand() + (y === 2 ? 0.6 : 0),
        0.01,
      ];
      const sum = w.reduce((a, b) => a + b, 0);
      probs.push(w.map((v) => v / sum));
      labels.push(y);
    }
    const ours = multiclassMetrics(probs, labels);
    const ref = runPython(SKLEARN_MULTI, { probs, labels }) as MultiRef;
    expect(ours.accuracy).toBeCloseTo(ref.accuracy, 12);
    expect(ours.macroF1).toBeCloseTo(ref.macroF1, 12);
    expect(ours.logLoss).toBeCloseTo(ref.logLoss, 10);
    expect(ours.confusionMatrix).toEqual(ref.cm);
  });
});
