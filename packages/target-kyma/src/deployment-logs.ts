import {
  abortError,
  type DeploymentLogLine,
  type DeploymentLogOptions,
  type OperationContext,
} from "@mlship/core";
import type { KymaContext } from "./context.js";
import { getDeployment } from "./lookup.js";
import { MODEL_CONTAINER, selectorLabels, TYPES } from "./manifests.js";
import { redact } from "./status.js";

/**
 * The model container's log in each pod of the deployment (streams `<pod>/model`): merged in time order, or,
 * with `follow`, every pod's new lines as they come (`kubectl logs -f`) until the signal aborts or the pods
 * go away. Pods started after the call are not picked up. Presigned URLs and tokens are redacted.
 */
export async function* deploymentLogs(
  kyma: KymaContext,
  name: string,
  options: DeploymentLogOptions = {},
  ctx: OperationContext = {},
): AsyncGenerator<DeploymentLogLine> {
  await getDeployment(kyma, name);
  const kube = kyma.kube();
  const namespace = kyma.namespaceOf();
  const selector = Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = (await kube.list(TYPES.pod, namespace, selector)).filter((p) => !p.metadata.deletionTimestamp);
  const streams = pods.map((pod) =>
    linesOf(
      kube.podLogLines(namespace, pod.metadata.name, MODEL_CONTAINER, {
        follow: Boolean(options.follow),
        ...(options.since !== undefined ? { sinceTime: new Date(options.since).toISOString() } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }),
      `${pod.metadata.name}/${MODEL_CONTAINER}`,
    ),
  );
  if (options.follow) {
    yield* merged(streams);
    if (ctx.signal?.aborted) throw abortError(ctx.signal, `Following the logs of ${name}`);
    return;
  }
  const all: DeploymentLogLine[] = [];
  for (const stream of streams) for await (const line of stream) all.push(line);
  yield* all.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

async function* linesOf(
  lines: AsyncIterable<{ time?: number; text: string }>,
  stream: string,
): AsyncGenerator<DeploymentLogLine> {
  for await (const l of lines) {
    yield { message: redact(l.text), stream, ...(l.time !== undefined ? { timestamp: l.time } : {}) };
  }
}

/** Items of every source as each source yields them; ends when all have ended. */
async function* merged<T>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => {
    pending.set(
      i,
      (iterators[i] as AsyncIterator<T>).next().then((r) => ({ i, r })),
    );
  };
  for (let i = 0; i < iterators.length; i++) pull(i);
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) pending.delete(i);
      else {
        pull(i);
        yield r.value;
      }
    }
  } finally {
    // A source still waiting for its next line is ended by the signal that stopped us; do not wait for it.
    for (const it of iterators) void it.return?.(undefined).catch(() => {});
  }
}
