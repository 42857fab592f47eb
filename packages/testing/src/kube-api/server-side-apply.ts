import { deepEqual, isIdentityPath } from "./field-ownership.js";
import {
  clone,
  groupVersion,
  isPlainObject,
  type ManagerEntry,
  nowTimestamp,
  type WriteOptions,
} from "./objects.js";
import { deletePath, getPath, leafPaths, setPath } from "./patches.js";
import type { Route } from "./routing.js";
import { KubeStatusError } from "./status-error.js";
import { type KubeStore, keyOf, requireNamespace } from "./store.js";
import type { KubeObject, KubeResourceType } from "./types.js";
import { checkBodyType, commit } from "./writes.js";

function mismatch(message: string): KubeStatusError {
  return new KubeStatusError(400, "BadRequest", message);
}

/** What kube-apiserver refuses in an apply configuration before looking at the stored object. */
function checkApplyBody(route: Route, body: KubeObject): void {
  const { type, namespace } = route;
  const name = route.name as string;
  if (!isPlainObject(body)) throw mismatch("apply patch must be an object");
  checkBodyType(type, body);
  if (body.apiVersion === undefined || body.kind === undefined) {
    throw mismatch("apiVersion and kind must be set in an apply configuration");
  }
  if (body.metadata?.managedFields !== undefined) throw mismatch("metadata.managedFields must be nil");
  if (body.metadata?.name !== undefined && body.metadata.name !== name) {
    throw mismatch(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (type.namespaced && body.metadata?.namespace !== undefined && body.metadata.namespace !== namespace) {
    throw mismatch("the namespace of the provided object does not match the namespace sent on the request");
  }
}

/** The fields the configuration sets, without the server's own (identity, status behind a subresource). */
function appliedPaths(type: KubeResourceType, body: KubeObject, opts: WriteOptions): Set<string> {
  const hasStatus = Boolean(type.status) && opts.subresource !== "status";
  const applied = new Set<string>();
  for (const p of leafPaths(body)) {
    const path = JSON.parse(p) as string[];
    if (isIdentityPath(path, hasStatus)) continue;
    if (opts.subresource === "status" && path[0] !== "status") continue;
    applied.add(p);
  }
  return applied;
}

/** Another manager owning a field we set to a different value is a conflict, unless forced (then it loses it). */
function takeOwnership(
  route: Route,
  managers: ManagerEntry[],
  applied: Set<string>,
  current: KubeObject,
  body: KubeObject,
  opts: WriteOptions & { force: boolean },
): void {
  const conflicts: Array<{ manager: string; field: string }> = [];
  for (const m of managers) {
    if (m.manager === opts.manager && m.operation === "Apply") continue;
    for (const p of applied) {
      if (!m.paths.has(p)) continue;
      const path = JSON.parse(p) as string[];
      if (deepEqual(getPath(current, path), getPath(body, path))) continue;
      if (opts.force) m.paths.delete(p);
      else conflicts.push({ manager: m.manager, field: `.${path.join(".")}` });
    }
  }
  if (conflicts.length === 0) return;
  const list = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join("\n- ");
  throw new KubeStatusError(
    409,
    "Conflict",
    `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.length > 1 ? `\n- ${list}` : list}`,
    {
      name: route.name,
      group: route.type.group,
      kind: route.type.resource,
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}"`,
        field: c.field,
      })),
    },
  );
}

/** Server-side apply (lists are atomic): creates or merges, with field ownership and conflicts. */
export function apply(
  store: KubeStore,
  route: Route,
  body: KubeObject,
  opts: WriteOptions & { force: boolean },
): { object: KubeObject; created: boolean } {
  const { type, namespace } = route;
  const name = route.name as string;
  checkApplyBody(route, body);
  const existing = store.objects.get(keyOf(type, namespace, name));
  if (!existing) requireNamespace(store, type, namespace);
  const applied = appliedPaths(type, body, opts);
  const managers = (existing?.managers ?? []).map((m) => ({ ...m, paths: new Set(m.paths) }));
  const current: KubeObject = existing
    ? clone(existing.object)
    : {
        apiVersion: groupVersion(type),
        kind: type.kind,
        metadata: { name, ...(type.namespaced ? { namespace } : {}) },
      };
  takeOwnership(route, managers, applied, current, body, opts);
  let entry = managers.find(
    (m) => m.manager === opts.manager && m.operation === "Apply" && m.subresource === opts.subresource,
  );
  // Fields we applied before and no longer apply are removed, unless someone else still owns them.
  for (const p of entry?.paths ?? []) {
    if (applied.has(p)) continue;
    if (managers.some((m) => m !== entry && m.paths.has(p))) continue;
    deletePath(current, JSON.parse(p) as string[]);
  }
  for (const p of applied)
    setPath(current, JSON.parse(p) as string[], getPath(body, JSON.parse(p) as string[]));
  const time = nowTimestamp();
  if (!entry) {
    entry = {
      manager: opts.manager,
      operation: "Apply",
      apiVersion: groupVersion(type),
      time,
      paths: new Set(),
    };
    if (opts.subresource) entry.subresource = opts.subresource;
    managers.push(entry);
  }
  entry.paths = applied;
  entry.time = time;
  return commit(store, type, existing, current, opts, managers);
}
