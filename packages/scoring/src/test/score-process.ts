// Runs score() in its own process so a test can kill it with SIGKILL mid-run (a real crash).
// argv: url data out; prints "rows <n>" on every progress event.
import { createHttpInvoker } from "@mlship/core";
import { createModelSource } from "../model-source.js";
import { score } from "../score.js";

const [url, data, out] = process.argv.slice(2) as [string, string, string];
const invoker = createHttpInvoker({ url, retries: 0 });
await score({
  model: createModelSource({ invoker, features: ["f0", "f1", "f2", "f3"] }),
  data,
  out,
  keep: ["id"],
  label: "target",
  batchSize: 50,
  concurrency: 2,
  checkpointIntervalMs: 0,
  progressIntervalMs: 1,
  events: (e) => {
    if (e.type === "score.progress") process.stdout.write(`rows ${e.rowsDone}\n`);
  },
});
await invoker.close();
