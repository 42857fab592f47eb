// Scores one file end to end in its own process, so peak RSS is the scorer's alone.
// argv: url data out concurrency batchSize [label]
import { createHttpInvoker } from "@mlship/core";
import { createModelSource, score } from "@mlship/scoring";

const [url, data, out, concurrency, batchSize, label] = process.argv.slice(2);
const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
const invoker = createHttpInvoker({ url, connections: Number(concurrency) });
const model = createModelSource({ invoker, features });
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
const summary = await score({
  model,
  data,
  out,
  ...(label ? { label } : {}),
  concurrency: Number(concurrency),
  batchSize: Number(batchSize),
});
clearInterval(sample);
await invoker.close();
process.send?.({
  rows: summary.rows,
  failed: summary.failed,
  elapsedMs: summary.elapsedMs,
  rowsPerSecond: summary.rowsPerSecond,
  maxRssMB: Math.max(peak, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
  p50: summary.latency.p50Ms,
  p99: summary.latency.p99Ms,
  rocAuc: summary.metrics?.rocAuc,
});
