import { fieldsV1 } from "./field-ownership.js";
import { matchesFields, matchesLabels, parseLabelSelector } from "./label-selectors.js";
import { clone, groupVersion, type Stored } from "./objects.js";
import type { PodLogFollower, PodLogLine } from "./pod-logs.js";
import { DEFAULT_KUBE_RESOURCE_TYPES } from "./resource-types.js";
import { KubeStatusError, notFound } from "./status-error.js";
import type { KubeObject, KubeResourceType, KubeTypeRef, KubeWriteEvent } from "./types.js";

/** Everything the server keeps: the types it serves, the objects, pod logs and who listens to writes. */
export interface KubeStore {
  readonly types: KubeResourceType[];
  readonly objects: Map<string, Stored>;
  /** `<ns>/<pod>/<container>/<current|previous>` -> its lines. */
  readonly podLogs: Map<string, PodLogLine[]>;
  readonly podLogFollowers: Map<string, Set<PodLogFollower>>;
  readonly listeners: Set<(event: KubeWriteEvent) => void>;
  /** The last resourceVersion handed out. */
  revision: number;
  /** Next ClusterIP to hand to a Service. */
  clusterIpCounter: number;
}

/** The default types, with `extra` added (or replacing a default of the same group/version/resource). */
export function createStore(extra: readonly KubeResourceType[] = []): KubeStore {
  const types: KubeResourceType[] = [...DEFAULT_KUBE_RESOURCE_TYPES];
  for (const t of extra) {
    const idx = types.findIndex(
      (d) => d.group === t.group && d.version === t.version && d.resource === t.resource,
    );
    if (idx >= 0) types[idx] = t;
    else types.push(t);
  }
  return {
    types,
    objects: new Map(),
    podLogs: new Map(),
    podLogFollowers: new Map(),
    listeners: new Set(),
    revision: 1,
    clusterIpCounter: 10,
  };
}

export function keyOf(type: KubeResourceType, namespace: string | undefined, name: string): string {
  return `${type.group}/${type.resource}/${type.namespaced ? (namespace ?? "") : ""}/${name}`;
}

export function typeFor(store: KubeStore, ref: KubeTypeRef): KubeResourceType {
  const [group, version] = ref.apiVersion.includes("/") ? ref.apiVersion.split("/") : ["", ref.apiVersion];
  const type = store.types.find((t) => t.group === group && t.version === version && t.kind === ref.kind);
  if (!type)
    throw new KubeStatusError(
      404,
      "NotFound",
      `the server could not find the requested resource (${ref.kind} ${ref.apiVersion})`,
    );
  return type;
}

/** Tells listeners about a write asynchronously, like a controller's watch; a listener's failure is its own. */
export function emitWrite(store: KubeStore, event: KubeWriteEvent): void {
  const snapshot = clone(event);
  const targets = [...store.listeners];
  setImmediate(() => {
    for (const l of targets) {
      try {
        l(snapshot);
      } catch {
        // A test listener's failure must not break the server.
      }
    }
  });
}

/** The object as the API returns it: apiVersion, kind and managedFields filled in. */
export function render(type: KubeResourceType, stored: Stored): KubeObject {
  const object = clone(stored.object);
  object.apiVersion = groupVersion(type);
  object.kind = type.kind;
  object.metadata.managedFields = stored.managers
    .filter((m) => m.paths.size > 0)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      time: m.time,
      fieldsType: "FieldsV1",
      fieldsV1: fieldsV1(m.paths),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
  return object;
}

/** A namespaced write needs its namespace to exist and not be terminating. */
export function requireNamespace(
  store: KubeStore,
  type: KubeResourceType,
  namespace: string | undefined,
): void {
  if (!type.namespaced) return;
  if (!namespace)
    throw new KubeStatusError(400, "BadRequest", "a namespace is required for namespaced resources");
  const nsType = typeFor(store, { apiVersion: "v1", kind: "Namespace" });
  const ns = store.objects.get(keyOf(nsType, undefined, namespace));
  if (!ns) throw notFound(nsType, namespace);
  if (ns.object.metadata.deletionTimestamp) {
    throw new KubeStatusError(
      403,
      "Forbidden",
      `unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

/** The objects of a type (in a namespace, matching the selectors), sorted by namespace/name. */
export function listObjects(
  store: KubeStore,
  type: KubeResourceType,
  namespace: string | undefined,
  labelSelector?: string,
  fieldSelector?: string,
): Stored[] {
  const requirements = parseLabelSelector(labelSelector ?? "");
  return [...store.objects.values()]
    .filter((s) => {
      const t = typeFor(store, s.object);
      if (t !== type) return false;
      if (type.namespaced && namespace !== undefined && s.object.metadata.namespace !== namespace)
        return false;
      return matchesLabels(requirements, s.object.metadata.labels) && matchesFields(fieldSelector, s.object);
    })
    .sort((a, b) => {
      const ak = `${a.object.metadata.namespace ?? ""}/${a.object.metadata.name}`;
      const bk = `${b.object.metadata.namespace ?? ""}/${b.object.metadata.name}`;
      return ak < bk ? -1 : ak > bk ? 1 : 0;
    });
}
