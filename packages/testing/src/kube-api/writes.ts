import { randomBytes, randomUUID } from "node:crypto";
import { applyDefaults } from "./defaults.js";
import { deepEqual, recordUpdate, sameOwnership } from "./field-ownership.js";
import {
  BUILTIN_GROUPS,
  clone,
  groupVersion,
  isPlainObject,
  type ManagerEntry,
  nowTimestamp,
  qualifiedResource,
  type Stored,
  TEST_MANAGER,
  type WriteOptions,
} from "./objects.js";
import { hasPath, jsonPatch, mergePatch, strategicMergePatch } from "./patches.js";
import type { Route } from "./routing.js";
import { KubeStatusError, notFound } from "./status-error.js";
import { emitWrite, type KubeStore, keyOf, render, requireNamespace } from "./store.js";
import type { KubeObject, KubeResourceType } from "./types.js";
import { validateMetadata } from "./validation.js";

/** Metadata checks and the type's own; any cause is a 422 Invalid naming every field at fault. */
export function validate(type: KubeResourceType, object: KubeObject, old: KubeObject | undefined): void {
  const causes = [...validateMetadata(type, object), ...(type.validate?.(object, old) ?? [])];
  if (causes.length === 0) return;
  const name = object.metadata.name ?? "";
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  throw new KubeStatusError(
    422,
    "Invalid",
    `${type.kind}${type.group ? `.${type.group}` : ""} "${name}" is invalid: ${summary}`,
    {
      name,
      group: type.group,
      kind: type.kind,
      causes: causes.map((c) => ({
        reason: c.reason ?? "FieldValueInvalid",
        message: c.message,
        field: c.field,
      })),
    },
  );
}

export function checkBodyType(type: KubeResourceType, body: KubeObject): void {
  if (body.apiVersion !== undefined && body.apiVersion !== groupVersion(type)) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${groupVersion(type)})`,
    );
  }
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`,
    );
  }
}

function specChanged(before: KubeObject | undefined, after: KubeObject): boolean {
  if (!before) return true;
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !deepEqual(strip(before), strip(after));
}

/** What the server keeps from the stored object on a write: identity, status (with a subresource), generation. */
function carryOver(
  type: KubeResourceType,
  existing: Stored | undefined,
  object: KubeObject,
  opts: WriteOptions,
): void {
  if (!existing) {
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = nowTimestamp();
    if (object.spec !== undefined) object.metadata.generation = 1;
    else delete object.metadata.generation;
    if (type.status && opts.manager !== TEST_MANAGER && type.resource !== "namespaces") delete object.status;
    return;
  }
  object.metadata.uid = existing.object.metadata.uid;
  object.metadata.creationTimestamp = existing.object.metadata.creationTimestamp;
  if (existing.object.metadata.deletionTimestamp) {
    object.metadata.deletionTimestamp = existing.object.metadata.deletionTimestamp;
  }
  if (type.status && opts.subresource !== "status") {
    // The main resource ignores status when a status subresource exists.
    if (existing.object.status === undefined) delete object.status;
    else object.status = clone(existing.object.status);
  }
  const generation = existing.object.metadata.generation;
  if (generation !== undefined) {
    object.metadata.generation = specChanged(existing.object, object) ? generation + 1 : generation;
  } else delete object.metadata.generation;
}

/** Persists `next` (already merged) for the key, with bookkeeping; returns the rendered object. */
export function commit(
  store: KubeStore,
  type: KubeResourceType,
  existing: Stored | undefined,
  next: KubeObject,
  opts: WriteOptions,
  managers: ManagerEntry[],
): { object: KubeObject; created: boolean } {
  let object = next;
  if (existing && opts.subresource === "status") {
    // Through /status only the status changes; everything else stays as stored.
    object = clone(existing.object);
    if (next.status === undefined) delete object.status;
    else object.status = clone(next.status);
  }
  const name = existing ? (existing.object.metadata.name as string) : (object.metadata.name as string);
  const namespace = type.namespaced
    ? (existing?.object.metadata.namespace ?? object.metadata.namespace)
    : undefined;
  object.apiVersion = groupVersion(type);
  object.kind = type.kind;
  object.metadata.name = name;
  if (type.namespaced) object.metadata.namespace = namespace;
  else delete object.metadata.namespace;
  delete object.metadata.managedFields;
  carryOver(type, existing, object, opts);
  applyDefaults(store, type, object);
  validate(type, object, existing?.object);
  // Ownership of fields that no longer exist goes away.
  for (const m of managers) {
    for (const p of [...m.paths]) if (!hasPath(object, JSON.parse(p) as string[])) m.paths.delete(p);
  }
  const kept = managers.filter((m) => m.paths.size > 0);
  if (existing) {
    object.metadata.resourceVersion = existing.object.metadata.resourceVersion;
    if (deepEqual(existing.object, object) && sameOwnership(existing.managers, kept)) {
      // A no-op write (e.g. re-applying the same configuration) changes nothing, not even resourceVersion.
      return { object: render(type, existing), created: false };
    }
  }
  object.metadata.resourceVersion = String(++store.revision);
  const stored: Stored = { object, managers: kept };
  if (opts.dryRun) return { object: render(type, stored), created: !existing };
  store.objects.set(keyOf(type, namespace, name), stored);
  emitWrite(store, {
    type: existing ? "MODIFIED" : "ADDED",
    object: render(type, stored),
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  });
  return { object: render(type, stored), created: !existing };
}

/** POST: a new object (generateName honoured); 409 when the name is taken. */
export function create(
  store: KubeStore,
  type: KubeResourceType,
  namespace: string | undefined,
  body: KubeObject,
  opts: WriteOptions,
): KubeObject {
  const object = clone(body);
  object.metadata = isPlainObject(object.metadata) ? object.metadata : {};
  if (!object.metadata.name && object.metadata.generateName) {
    object.metadata.name = `${object.metadata.generateName}${randomBytes(3).toString("hex").slice(0, 5)}`;
  }
  if (type.namespaced) {
    if (object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    object.metadata.namespace = namespace ?? object.metadata.namespace;
    requireNamespace(store, type, object.metadata.namespace);
  }
  const name = object.metadata.name ?? "";
  if (name === "") validate(type, object, undefined);
  if (store.objects.has(keyOf(type, object.metadata.namespace, name))) {
    throw new KubeStatusError(409, "AlreadyExists", `${qualifiedResource(type)} "${name}" already exists`, {
      name,
      group: type.group,
      kind: type.resource,
    });
  }
  delete object.metadata.resourceVersion;
  const stored: Stored = { object, managers: [] };
  recordUpdate(stored, {}, object, type, opts);
  return commit(store, type, undefined, object, opts, stored.managers).object;
}

/** PUT: replaces the object; 409 when the body's resourceVersion is not the stored one. */
export function update(store: KubeStore, route: Route, body: KubeObject, opts: WriteOptions): KubeObject {
  const { type, namespace } = route;
  const name = route.name as string;
  const existing = store.objects.get(keyOf(type, namespace, name));
  if (!existing) throw notFound(type, name);
  const object = clone(body);
  object.metadata = isPlainObject(object.metadata) ? object.metadata : {};
  if (object.metadata.name !== undefined && object.metadata.name !== name) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  object.metadata.name = name;
  if (type.namespaced) object.metadata.namespace = namespace;
  const rv = object.metadata.resourceVersion;
  if (rv !== undefined && rv !== "" && rv !== existing.object.metadata.resourceVersion) {
    throw new KubeStatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      {
        name,
        group: type.group,
        kind: type.resource,
      },
    );
  }
  const managers = existing.managers.map((m) => ({ ...m, paths: new Set(m.paths) }));
  const stored: Stored = { object, managers };
  recordUpdate(stored, existing.object, object, type, opts);
  return commit(store, type, existing, object, opts, managers).object;
}

function patched(type: KubeResourceType, existing: Stored, contentType: string, body: unknown): unknown {
  if (contentType === "application/merge-patch+json") return mergePatch(existing.object, body);
  if (contentType === "application/strategic-merge-patch+json") {
    if (!BUILTIN_GROUPS.has(type.group)) {
      throw new KubeStatusError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    }
    return strategicMergePatch(existing.object, body);
  }
  if (contentType === "application/json-patch+json") return jsonPatch(existing.object, body);
  throw new KubeStatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${BUILTIN_GROUPS.has(type.group) ? ", application/strategic-merge-patch+json" : ""}`,
  );
}

/** PATCH with a merge, strategic merge or JSON patch (server-side apply is server-side-apply.ts). */
export function patch(
  store: KubeStore,
  route: Route,
  contentType: string,
  body: unknown,
  opts: WriteOptions,
): KubeObject {
  const { type, namespace } = route;
  const name = route.name as string;
  const existing = store.objects.get(keyOf(type, namespace, name));
  if (!existing) throw notFound(type, name);
  const next = patched(type, existing, contentType, body);
  if (!isPlainObject(next)) throw new KubeStatusError(422, "Invalid", "patch result must be an object");
  const object = next as KubeObject;
  object.metadata = { ...(object.metadata ?? {}), name };
  if (type.namespaced) object.metadata.namespace = namespace;
  const managers = existing.managers.map((m) => ({ ...m, paths: new Set(m.paths) }));
  recordUpdate({ object, managers }, existing.object, object, type, opts);
  return commit(store, type, existing, object, opts, managers).object;
}
