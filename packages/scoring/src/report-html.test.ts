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

  it("labels histogram counts with whole numbers, clear of the rotated axis label", () => {
    // 61 negatives in one bin: an odd maximum once gave a middle tick of "30.5".
    const many = { ...summary(false), scored: 64 };
    const s = Float64Array.from([...Array(61).fill(0.05), 0.9, 0.95, 0.97]);
    const y = Float64Array.from([...Array(61).fill(0), 1, 1, 1]);
    const html = renderScoreReport({ ...many, metrics: binaryMetrics(s, y) });
    const histogram = html.split("<figure>").find((f) => f.includes("Score histogram")) ?? "";
    const yTicks = [
      ...histogram.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end">([^<]+)<\/text>/g),
    ];
    expect(yTicks.map((m) => m[2])).toEqual(["0", "31", "62"]);
    const yLabel = /<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" transform="rotate/.exec(histogram);
    // At 10px, a digit is at most ~6.5px wide: the widest tick label must end right of the axis label's line.
    for (const [, x, text] of yTicks)
      expect(Number(x) - 6.5 * (text ?? "").length).toBeGreaterThan(Number(yLabel?.[1]) + 6);
  });

  it("shows one latency for a single request, not three equal percentiles", () => {
    const html = renderScoreReport({ ...summary(false), latency: latencySummary([7]) });
    expect(html).toContain("latency (1 request)");
    expect(html).not.toContain("latency p50 / p95 / p99");
  });

  it("says there are no metrics without labels", () => {
    const html = renderScoreReport(summary(false));
    expect(html).toContain("No label column");
    expect(html).not.toContain("<svg");
  });
});
