import { randomBytes } from "node:crypto";
import { clone, nowTimestamp, TEST_MANAGER, type WriteOptions } from "./objects.js";
import type { Route } from "./routing.js";
import { notFound } from "./status-error.js";
import { type KubeStore, keyOf, typeFor } from "./store.js";
import type { KubeObject, KubeTypeRef } from "./types.js";
import { create, update } from "./writes.js";

// What a test writes directly goes through the same code paths as the API, as field manager `test`.
const TEST_WRITE: WriteOptions = { manager: TEST_MANAGER };

export function seedNamespaces(
  store: KubeStore,
  namespaces: Array<string | { name: string; labels?: Record<string, string> }>,
): void {
  const nsType = typeFor(store, { apiVersion: "v1", kind: "Namespace" });
  for (const ns of namespaces) {
    const spec = typeof ns === "string" ? { name: ns } : ns;
    create(
      store,
      nsType,
      undefined,
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: spec.name, ...(spec.labels ? { labels: spec.labels } : {}) },
      },
      TEST_WRITE,
    );
  }
}

/** Creates or replaces an object (its status too, through /status when the type has one). */
export function setObject(store: KubeStore, object: KubeObject): KubeObject {
  const type = typeFor(store, object);
  const name = object.metadata?.name as string;
  const namespace = type.namespaced ? (object.metadata.namespace ?? "default") : undefined;
  const existing = store.objects.get(keyOf(type, namespace, name));
  if (!existing) return create(store, type, namespace, object, TEST_WRITE);
  const body = clone(object);
  delete body.metadata.resourceVersion;
  const r: Route = { type, name };
  if (namespace !== undefined) r.namespace = namespace;
  const result = update(store, r, body, TEST_WRITE);
  if (type.status && object.status !== undefined) {
    return update(store, r, { ...result, status: object.status } as KubeObject, {
      ...TEST_WRITE,
      subresource: "status",
    });
  }
  return result;
}

/** Replaces an object's status, as a controller would. */
export function setStatus(
  store: KubeStore,
  ref: KubeTypeRef,
  namespace: string | undefined,
  name: string,
  status: unknown,
): KubeObject {
  const type = typeFor(store, ref);
  const stored = store.objects.get(keyOf(type, namespace, name));
  if (!stored) throw notFound(type, name);
  const r: Route = { type, name };
  if (type.namespaced && namespace !== undefined) r.namespace = namespace;
  return update(store, r, { ...clone(stored.object), status } as KubeObject, {
    ...TEST_WRITE,
    ...(type.status ? { subresource: "status" } : {}),
  });
}

/** Records a core/v1 Event about an object. */
export function addEvent(
  store: KubeStore,
  involved: KubeObject,
  event: { reason: string; message: string; type?: "Normal" | "Warning" },
): KubeObject {
  const now = nowTimestamp();
  const namespace = involved.metadata.namespace ?? "default";
  return create(
    store,
    typeFor(store, { apiVersion: "v1", kind: "Event" }),
    namespace,
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace,
        uid: involved.metadata.uid,
      },
      reason: event.reason,
      message: event.message,
      type: event.type ?? "Normal",
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: TEST_MANAGER },
    },
    TEST_WRITE,
  );
}
