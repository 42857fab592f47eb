import { latencyText, type ScoreSummary } from "@mlship/scoring";
import { renderRecord } from "./table.js";

const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined ? "-" : v.toFixed(d));

/** The scoring summary as a person reads it: counts, failures, metrics, latency. */
export function renderScoreSummary(s: ScoreSummary, report?: string): string {
  const m = s.metrics;
  const latency = latencyText(s.latency);
  const metrics =
    m?.task === "binary"
      ? {
          "ROC AUC": f(m.rocAuc),
          "PR AUC": f(m.prAuc),
          "log loss": f(m.logLoss),
          Brier: f(m.brier),
          [`accuracy@${m.threshold}`]: f(m.accuracy),
          precision: f(m.precision),
          recall: f(m.recall),
          F1: f(m.f1),
          "confusion [[tn,fp],[fn,tp]]": JSON.stringify(m.confusionMatrix),
        }
      : m?.task === "multiclass"
        ? { accuracy: f(m.accuracy), "macro F1": f(m.macroF1), "log loss": f(m.logLoss) }
        : {};
  return renderRecord({
    rows: s.rows,
    scored: s.scored,
    failed: s.failed,
    ...Object.fromEntries(
      s.reasons.map((r) => [`failed ${r.code}`, `${r.rows} rows (first: row ${r.firstRow}) ${r.message}`]),
    ),
    ...(s.resumedAt ? { "resumed at row": s.resumedAt } : {}),
    ...metrics,
    "rows/s": Math.round(s.rowsPerSecond),
    [latency.label]: latency.value,
    output: s.out,
    report,
  });
}
