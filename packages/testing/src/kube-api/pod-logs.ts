import type { Route } from "./routing.js";
import { KubeStatusError, notFound } from "./status-error.js";
import { type KubeStore, keyOf } from "./store.js";

/** `pods/<name>/log`: the container's current (or previous) log, `tailLines` honoured. */
export function podLog(store: KubeStore, r: Route, query: URLSearchParams): string {
  const pods = store.objects.get(keyOf(r.type, r.namespace, r.name as string));
  if (!pods) throw notFound(r.type, r.name as string);
  const spec = (pods.object.spec ?? {}) as {
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string }>;
  };
  const containers = (spec.containers ?? []).map((c) => c.name);
  const all = [...containers, ...(spec.initContainers ?? []).map((c) => c.name)];
  let container = query.get("container") ?? undefined;
  if (container === undefined) {
    if (containers.length !== 1) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        `a container name must be specified for pod ${r.name}, choose one of: [${containers.join(" ")}]${spec.initContainers?.length ? ` or one of the init containers: [${spec.initContainers.map((c) => c.name).join(" ")}]` : ""}`,
      );
    }
    container = containers[0] as string;
  }
  if (!all.includes(container)) {
    throw new KubeStatusError(400, "BadRequest", `container ${container} is not valid for pod ${r.name}`);
  }
  const previous = query.get("previous") === "true";
  const text = store.podLogs.get(
    `${r.namespace}/${r.name}/${container}/${previous ? "previous" : "current"}`,
  );
  if (text === undefined && previous) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `previous terminated container "${container}" in pod "${r.name}" not found`,
    );
  }
  let lines = (text ?? "").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const tail = query.get("tailLines");
  if (tail !== null) lines = Number(tail) > 0 ? lines.slice(-Number(tail)) : [];
  return lines.map((l) => `${l}\n`).join("");
}
