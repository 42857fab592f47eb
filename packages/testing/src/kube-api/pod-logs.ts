import type { IncomingMessage, ServerResponse } from "node:http";
import type { Route } from "./routing.js";
import { KubeStatusError, notFound } from "./status-error.js";
import { type KubeStore, keyOf } from "./store.js";

/** One line a container wrote, with when (the kubelet's CRI log keeps both). */
export interface PodLogLine {
  time: number;
  text: string;
}

/** Someone reading `pods/<name>/log?follow=true`: new lines as they come, `end` when the pod goes away. */
export interface PodLogFollower {
  line(line: PodLogLine): void;
  end(): void;
}

const logKey = (namespace: string, pod: string, container: string, previous = false) =>
  `${namespace}/${pod}/${container}/${previous ? "previous" : "current"}`;

const linesOf = (text: string, time: number): PodLogLine[] => {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((t) => ({ time, text: t }));
};

/** Replaces a container's log: every line written now. */
export function setPodLog(
  store: KubeStore,
  namespace: string,
  pod: string,
  container: string,
  text: string,
  previous = false,
): void {
  store.podLogs.set(logKey(namespace, pod, container, previous), linesOf(text, Date.now()));
}

/** Appends lines to a container's current log, as it writes them; followers get them at once. */
export function appendPodLog(
  store: KubeStore,
  namespace: string,
  pod: string,
  container: string,
  text: string,
) {
  const key = logKey(namespace, pod, container);
  const added = linesOf(text, Date.now());
  store.podLogs.set(key, [...(store.podLogs.get(key) ?? []), ...added]);
  for (const follower of store.podLogFollowers.get(key) ?? []) for (const l of added) follower.line(l);
}

/** Drops the logs under `prefix` (`<ns>/` or `<ns>/<pod>/`): the containers are gone, followers' streams end. */
export function dropPodLogs(store: KubeStore, prefix: string): void {
  for (const k of [...store.podLogs.keys()]) if (k.startsWith(prefix)) store.podLogs.delete(k);
  for (const [k, followers] of [...store.podLogFollowers.entries()]) {
    if (!k.startsWith(prefix)) continue;
    store.podLogFollowers.delete(k);
    for (const f of followers) f.end();
  }
}

/** Go's RFC3339Nano, as the kubelet prefixes lines with `timestamps=true` (trailing zeros trimmed). */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");
}

/** `sinceSeconds` / `sinceTime` as epoch ms; at most one may be given. */
function sinceOf(query: URLSearchParams): number | undefined {
  const seconds = query.get("sinceSeconds");
  const time = query.get("sinceTime");
  if (seconds !== null && time !== null) {
    throw new KubeStatusError(422, "Invalid", "at most one of sinceTime or sinceSeconds may be specified");
  }
  if (seconds !== null) return Date.now() - Number(seconds) * 1000;
  if (time !== null) {
    const at = Date.parse(time);
    if (Number.isNaN(at))
      throw new KubeStatusError(400, "BadRequest", `parsing time "${time}" as RFC3339: cannot parse`);
    return at;
  }
  return undefined;
}

/** The container a log request is for: the `container` parameter, or the pod's only container. */
function containerOf(store: KubeStore, r: Route, query: URLSearchParams): string {
  const pods = store.objects.get(keyOf(r.type, r.namespace, r.name as string));
  if (!pods) throw notFound(r.type, r.name as string);
  const spec = (pods.object.spec ?? {}) as {
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string }>;
  };
  const containers = (spec.containers ?? []).map((c) => c.name);
  const all = [...containers, ...(spec.initContainers ?? []).map((c) => c.name)];
  const container = query.get("container") ?? undefined;
  if (container === undefined) {
    if (containers.length !== 1) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        `a container name must be specified for pod ${r.name}, choose one of: [${containers.join(" ")}]${spec.initContainers?.length ? ` or one of the init containers: [${spec.initContainers.map((c) => c.name).join(" ")}]` : ""}`,
      );
    }
    return containers[0] as string;
  }
  if (!all.includes(container)) {
    throw new KubeStatusError(400, "BadRequest", `container ${container} is not valid for pod ${r.name}`);
  }
  return container;
}

/**
 * `pods/<name>/log`: the container's current (or previous) log with `tailLines`, `sinceSeconds`/`sinceTime`
 * and `timestamps` honoured; with `follow=true` the response stays open and carries each new line until the
 * client goes away or the pod is deleted.
 */
export function servePodLog(
  store: KubeStore,
  r: Route,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const container = containerOf(store, r, query);
  const previous = query.get("previous") === "true";
  const key = logKey(r.namespace as string, r.name as string, container, previous);
  const stored = store.podLogs.get(key);
  if (stored === undefined && previous) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `previous terminated container "${container}" in pod "${r.name}" not found`,
    );
  }
  const since = sinceOf(query);
  let lines = (stored ?? []).filter((l) => since === undefined || l.time >= since);
  const tail = query.get("tailLines");
  if (tail !== null) lines = Number(tail) > 0 ? lines.slice(-Number(tail)) : [];
  const format = (l: PodLogLine) =>
    `${query.get("timestamps") === "true" ? `${rfc3339Nano(l.time)} ` : ""}${l.text}\n`;
  res.writeHead(200, { "content-type": "text/plain" });
  if (query.get("follow") !== "true" || previous) {
    res.end(lines.map(format).join(""));
    return;
  }
  res.write(lines.map(format).join(""));
  const followers = store.podLogFollowers.get(key) ?? new Set<PodLogFollower>();
  store.podLogFollowers.set(key, followers);
  const follower: PodLogFollower = { line: (l) => res.write(format(l)), end: () => res.end() };
  followers.add(follower);
  req.on("close", () => followers.delete(follower));
}
