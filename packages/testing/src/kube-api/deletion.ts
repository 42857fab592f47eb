import { nowTimestamp } from "./objects.js";
import { dropPodLogs } from "./pod-logs.js";
import { notFound } from "./status-error.js";
import { emitWrite, type KubeStore, keyOf, render, typeFor } from "./store.js";
import type { KubeObject, KubeResourceType } from "./types.js";

/** A namespace's deletion takes everything in it (immediately: no finalizers here). */
function emptyNamespace(store: KubeStore, name: string): void {
  for (const [k, s] of [...store.objects.entries()]) {
    const t = typeFor(store, s.object);
    if (t.namespaced && s.object.metadata.namespace === name) {
      store.objects.delete(k);
      emitWrite(store, { type: "DELETED", object: render(t, s) });
    }
  }
  dropPodLogs(store, `${name}/`);
}

/** DELETE: removes the object, and (unless orphaning) garbage-collects what it owns. */
export function removeObject(
  store: KubeStore,
  type: KubeResourceType,
  namespace: string | undefined,
  name: string,
  propagation: string,
): KubeObject {
  const key = keyOf(type, namespace, name);
  const existing = store.objects.get(key);
  if (!existing) throw notFound(type, name);
  store.objects.delete(key);
  const rendered = render(type, existing);
  rendered.metadata.deletionTimestamp = nowTimestamp();
  if (type.resource === "namespaces") {
    rendered.status = { phase: "Terminating" };
    emptyNamespace(store, name);
  }
  emitWrite(store, { type: "DELETED", object: rendered });
  if (propagation !== "Orphan") {
    // Garbage collection: dependents whose owner reference points at the deleted object.
    const uid = existing.object.metadata.uid;
    for (const s of [...store.objects.values()]) {
      if (s.object.metadata.ownerReferences?.some((o) => o.uid === uid)) {
        const t = typeFor(store, s.object);
        const dependent = s.object.metadata.name as string;
        if (store.objects.has(keyOf(t, s.object.metadata.namespace, dependent))) {
          removeObject(store, t, s.object.metadata.namespace, dependent, propagation);
        }
      }
    }
  }
  if (type.resource === "pods") dropPodLogs(store, `${namespace}/${name}/`);
  return rendered;
}
