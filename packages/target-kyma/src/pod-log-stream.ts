import { createInterface } from "node:readline";
import { PassThrough, type Readable } from "node:stream";
import { type KubeConfig, Log } from "@kubernetes/client-node";
import { kubeError } from "./kube.js";

/** One line of a container's log, with the time the kubelet recorded for it. */
export interface PodLogLine {
  /** Epoch milliseconds. */
  time?: number;
  text: string;
}

export interface PodLogStreamOptions {
  /** Keep reading new lines until `signal` aborts or the pod goes away (`kubectl logs -f`). */
  follow?: boolean;
  /** RFC 3339: only lines from then on. */
  sinceTime?: string;
  signal?: AbortSignal;
}

/** `2026-12-06T15:20:00.123456789Z text` (what `timestamps=true` prefixes) split into time and text. */
function parseLine(line: string): PodLogLine {
  const space = line.indexOf(" ");
  const time = space > 0 ? Date.parse(line.slice(0, space)) : Number.NaN;
  return Number.isNaN(time) ? { text: line } : { time, text: line.slice(space + 1) };
}

/**
 * A container's log through client-node's `Log` helper (`pods/<pod>/log`, `timestamps=true`), line by line.
 * Aborting `signal` ends the iteration (the caller decides whether that is an error).
 */
export async function* podLogLines(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  options: PodLogStreamOptions,
): AsyncGenerator<PodLogLine> {
  const out = new PassThrough();
  // The helper pipes the response into `out`; on abort node-fetch emits "error" on the response, which
  // nothing else listens to. Stopping early is ours to ask for, not a failure.
  out.on("pipe", (source: Readable) => source.on("error", () => out.end()));
  let controller: AbortController;
  try {
    controller = await new Log(kc).log(namespace, pod, container, out, {
      follow: Boolean(options.follow),
      timestamps: true,
      ...(options.sinceTime ? { sinceTime: options.sinceTime } : {}),
    });
  } catch (error) {
    throw kubeError(error, `Reading the log of pod ${pod}`, `pod/${pod}`, kc.getCurrentCluster()?.server);
  }
  const stop = () => {
    controller.abort();
    out.end();
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const line of createInterface({ input: out, crlfDelay: Number.POSITIVE_INFINITY })) {
      yield parseLine(line);
    }
  } finally {
    options.signal?.removeEventListener("abort", stop);
    controller.abort();
  }
}
