import type { BinaryMetrics, CurvePoint, MulticlassMetrics } from "./metrics.js";
import type { ScoreSummary } from "./score.js";

export interface ReportOptions {
  /** Heading, e.g. the deployment's name. */
  title?: string;
  /** Shown under the title: data file, target, time. */
  subtitle?: string;
}

const W = 320;
const H = 240;
const PAD = 36;
/** Wider on the left: room for count tick labels ("10000") beside the rotated y-axis label. */
const PAD_LEFT = 56;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits);
const sx = (x: number) => PAD_LEFT + x * (W - PAD_LEFT - PAD);
const sy = (y: number) => H - PAD - y * (H - 2 * PAD);

/**
 * Axes from 0 to 1 with labels; `body` draws inside. `yMax` scales the y tick labels (counts, so callers pass
 * an even number and the middle tick is whole); the plot itself is always drawn on [0, 1].
 */
function chart(title: string, xLabel: string, yLabel: string, body: string, yMax = 1): string {
  const ticks = [0, 0.5, 1]
    .map(
      (t) =>
        `<text x="${sx(t)}" y="${H - PAD + 14}" text-anchor="middle">${t}</text><text x="${PAD_LEFT - 6}" y="${sy(t) + 4}" text-anchor="end">${+(t * yMax).toFixed(2)}</text>`,
    )
    .join("");
  return `<figure><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<rect x="${PAD_LEFT}" y="${PAD}" width="${W - PAD_LEFT - PAD}" height="${H - 2 * PAD}" class="frame"/>${ticks}
<text x="${sx(0.5)}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>
<text x="12" y="${H / 2}" text-anchor="middle" transform="rotate(-90 12 ${H / 2})">${esc(yLabel)}</text>${body}</svg>
<figcaption>${esc(title)}</figcaption></figure>`;
}

const polyline = (points: ReadonlyArray<Pick<CurvePoint, "x" | "y">>, cls: string) =>
  `<polyline class="${cls}" points="${points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")}"/>`;

function histogram(m: BinaryMetrics): string {
  const { edges, positives, negatives } = m.curves.histogram;
  // Rounded up to even, so the middle tick label is a whole count.
  const max = 2 * Math.ceil(Math.max(1, ...positives, ...negatives) / 2);
  const bars = (counts: number[], cls: string, offset: number) =>
    counts
      .map((c, i) => {
        const x0 = sx(edges[i] ?? 0);
        const width = (sx(edges[i + 1] ?? 1) - x0) / 2;
        const h = (c / max) * (H - 2 * PAD);
        return `<rect class="${cls}" x="${(x0 + offset * width).toFixed(1)}" y="${(H - PAD - h).toFixed(1)}" width="${width.toFixed(1)}" height="${h.toFixed(1)}"><title>${c}</title></rect>`;
      })
      .join("");
  return chart(
    "Score histogram per class (blue: negative, orange: positive)",
    "score",
    "rows",
    bars(negatives, "neg", 0) + bars(positives, "pos", 1),
    max,
  );
}

function calibration(m: BinaryMetrics): string {
  const pts = m.curves.calibration
    .filter((b) => b.count > 0)
    .map((b) => ({ x: b.meanScore, y: b.positiveRate }));
  const dots = pts
    .map((p) => `<circle class="pos-dot" cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3"/>`)
    .join("");
  return chart(
    "Calibration (dashed: perfect)",
    "mean predicted score",
    "fraction positive",
    `<line class="diag" x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}"/>${polyline(pts, "curve")}${dots}`,
  );
}

const table = (rows: Array<[string, string]>) =>
  `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>`;

function binarySection(m: BinaryMetrics): string {
  const [[tn, fp], [fn, tp]] = m.confusionMatrix;
  return `<section><h2>Metrics</h2>${table([
    ["rows with labels", String(m.count)],
    ["positives / negatives", `${m.positives} / ${m.negatives}`],
    ["ROC AUC", fmt(m.rocAuc)],
    ["PR AUC (average precision)", fmt(m.prAuc)],
    ["log loss", fmt(m.logLoss)],
    ["Brier score", fmt(m.brier)],
    [`accuracy @ ${m.threshold}`, fmt(m.accuracy)],
    [`precision @ ${m.threshold}`, fmt(m.precision)],
    [`recall @ ${m.threshold}`, fmt(m.recall)],
    [`F1 @ ${m.threshold}`, fmt(m.f1)],
  ])}
<h3>Confusion matrix</h3><table class="cm"><tr><th></th><th>predicted 0</th><th>predicted 1</th></tr>
<tr><th>actual 0</th><td>${tn}</td><td>${fp}</td></tr><tr><th>actual 1</th><td>${fn}</td><td>${tp}</td></tr></table></section>
<section class="charts">${chart("ROC curve (dashed: chance)", "false positive rate", "true positive rate", `<line class="diag" x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}"/>${polyline(m.curves.roc, "curve")}`)}
${chart("Precision-recall curve", "recall", "precision", polyline(m.curves.pr, "curve"))}
${histogram(m)}${calibration(m)}</section>`;
}

function multiclassSection(m: MulticlassMetrics): string {
  const header = m.confusionMatrix.map((_, j) => `<th>pred ${j}</th>`).join("");
  const rows = m.confusionMatrix
    .map((r, i) => `<tr><th>actual ${i}</th>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("");
  return `<section><h2>Metrics</h2>${table([
    ["rows with labels", String(m.count)],
    ["classes", String(m.classes)],
    ["accuracy", fmt(m.accuracy)],
    ["macro F1", fmt(m.macroF1)],
    ["log loss", fmt(m.logLoss)],
  ])}<h3>Confusion matrix</h3><table class="cm"><tr><th></th>${header}</tr>${rows}</table></section>`;
}

/** One request has one latency: three equal percentiles would read as a measurement of spread. */
export function latencyText(l: ScoreSummary["latency"]): { label: string; value: string } {
  if (l.requests === 1) return { label: "latency (1 request)", value: `${fmt(l.p50Ms, 1)} ms` };
  return {
    label: "latency p50 / p95 / p99",
    value: `${fmt(l.p50Ms, 1)} / ${fmt(l.p95Ms, 1)} / ${fmt(l.p99Ms, 1)} ms`,
  };
}

const latencyRow = (l: ScoreSummary["latency"]): [string, string] => {
  const { label, value } = latencyText(l);
  return [label, value];
};

/** One self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched) for a scoring run. */
export function renderScoreReport(summary: ScoreSummary, options: ReportOptions = {}): string {
  const l = summary.latency;
  const run = table([
    ["rows", String(summary.rows)],
    ["scored / failed", `${summary.scored} / ${summary.failed}`],
    ...summary.reasons.map((r): [string, string] => [
      `failed: ${r.code}`,
      `${r.rows} rows, first row ${r.firstRow}: ${r.message}`,
    ]),
    ["rows per second", summary.rowsPerSecond.toFixed(0)],
    ["elapsed", `${(summary.elapsedMs / 1000).toFixed(2)} s`],
    ["requests", String(l.requests)],
    latencyRow(l),
    ...(summary.out ? [["output", summary.out] as [string, string]] : []),
  ]);
  const metrics = !summary.metrics
    ? "<section><p>No label column was given, so there are no quality metrics.</p></section>"
    : summary.metrics.task === "binary"
      ? binarySection(summary.metrics)
      : multiclassSection(summary.metrics);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(options.title ?? "mlship score report")}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}h1{margin-bottom:0}.sub{color:#666}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
.cm td{text-align:right}.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}figcaption{text-align:center;color:#444}
svg text{font-size:10px;fill:#444}.frame{fill:none;stroke:#bbb}.curve{fill:none;stroke:#d9480f;stroke-width:2}
.diag{stroke:#999;stroke-dasharray:4 3}.neg{fill:#1c7ed6;opacity:.8}.pos{fill:#f76707;opacity:.8}.pos-dot{fill:#d9480f}
</style></head><body>
<h1>${esc(options.title ?? "mlship score report")}</h1>${options.subtitle ? `<p class="sub">${esc(options.subtitle)}</p>` : ""}
<section><h2>Run</h2>${run}</section>
${metrics}
</body></html>
`;
}
