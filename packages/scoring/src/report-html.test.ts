import { describe, expect, it } from "vitest";
import { binaryMetrics, latencySummary } from "./metrics.js";
import { renderScoreReport } from "./report-html.js";
import type { ScoreSummary } from "./score.js";

const labels = [0, 0, 1, 1, 1, 0, 1, 0];
const scores = [0.1, 0.4, 0.35, 0.8, 0.9, 0.2, 0.7, 0.6];

function summary(withMetrics: boolean): ScoreSummary {
  return {
    rows: 9,
    scored: 8,
    failed: 1,
    reasons: [
      { code: "E_SCORE_OUT_OF_RANGE", message: "score 1.5 is outside [0,1] <script>", rows: 1, firstRow: 8 },
    ],
    resumedAt: 0,
    out: "/tmp/scores.csv",
    columns: ["score", "error"],
    task: "binary",
    metrics: withMetrics ? binaryMetrics(Float64Array.from(scores), Float64Array.from(labels)) : undefined,
    labelsMissing: 0,
    latency: latencySummary([3, 4, 5]),
    rowsPerSecond: 1234,
    elapsedMs: 42,
  };
}

describe("renderScoreReport", () => {
  it("is one self-contained page with the curves, histograms, calibration and metrics", () => {
    const html = renderScoreReport(summary(true), { title: "bc <demo>" });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|href=/i); // nothing to fetch, nothing to run
    for (const caption of ["ROC curve", "Precision-recall curve", "Score histogram per class", "Calibration"])
      expect(html).toContain(caption);
    expect(html).toContain("ROC AUC");
    expect(html).toContain("latency p50 / p95 / p99");
    expect(html).toContain("bc &#60;demo&#62;"); // escaped
    expect(html).toContain("&#60;script&#62;");
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
  });

  it("says there are no metrics without labels", () => {
    const html = renderScoreReport(summary(false));
    expect(html).toContain("No label column");
    expect(html).not.toContain("<svg");
  });
});
