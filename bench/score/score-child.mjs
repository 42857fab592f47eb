// Scores one file end to end in its own process (plain node on the built packages, no tsx loader), so its
// CPU time and peak RSS are the scorer's alone. argv: url data out concurrency batchSize [label]
import { createHttpInvoker } from "@mlship/core";
import { createModelSource, score } from "@mlship/scoring";
import { cpuSeconds, peakRssMB, threadCpuSeconds } from "../lib/proc.mjs";

const [url, data, out, concurrency, batchSize, label] = process.argv.slice(2);
const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
const invoker = createHttpInvoker({ url, connections: Number(concurrency) });
const model = createModelSource({ invoker, features });
// The parent samples the endpoint's CPU between these two messages.
process.send?.({ starting: true });
await new Promise((r) => process.once("message", r));
const cpu0 = cpuSeconds();
const threads0 = threadCpuSeconds();
const summary = await score({
  model,
  data,
  out,
  ...(label ? { label } : {}),
  concurrency: Number(concurrency),
  batchSize: Number(batchSize),
});
const cpu = cpuSeconds() - cpu0;
const threads = threadCpuSeconds();
await invoker.close();
process.send?.({
  rows: summary.rows,
  failed: summary.failed,
  elapsedMs: summary.elapsedMs,
  rowsPerSecond: summary.rowsPerSecond,
  cpuSeconds: cpu,
  mainThreadCpuSeconds: threads.main - threads0.main,
  otherThreadsCpuSeconds: threads.others - threads0.others,
  peakRssMB: peakRssMB(),
  p50: summary.latency.p50Ms,
  p99: summary.latency.p99Ms,
  rocAuc: summary.metrics?.rocAuc,
});
