// Runs score() in its own process so a test can kill it with SIGKILL mid-run (a real crash).
// argv: url data out [resume|restart]; prints "rows <n>" on every progress event, "error <code>" if it fails.
import { createHttpInvoker, isMlshipError } from "@mlship/core";
import { createModelSource } from "../model-source.js";
import { score } from "../score.js";

const [url, data, out, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const invoker = createHttpInvoker({ url, retries: 0 });
try {
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
    resume: mode === "resume",
    restart: mode === "restart",
    events: (e) => {
      if (e.type === "score.progress") process.stdout.write(`rows ${e.rowsDone}\n`);
    },
  });
  process.stdout.write("done\n");
} catch (error) {
  process.stdout.write(`error ${isMlshipError(error) ? error.code : "E_INTERNAL"}\n`);
  process.exitCode = 1;
} finally {
  await invoker.close();
}
