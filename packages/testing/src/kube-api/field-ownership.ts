import {
  groupVersion,
  isPlainObject,
  type ManagerEntry,
  nowTimestamp,
  type Stored,
  type WriteOptions,
} from "./objects.js";
import { getPath, leafPaths } from "./patches.js";
import type { KubeResourceType } from "./types.js";

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ak = Object.keys(a).filter((k) => a[k] !== undefined);
  const bk = Object.keys(b).filter((k) => b[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(a[k], b[k]));
}

export function sameOwnership(a: ManagerEntry[], b: ManagerEntry[]): boolean {
  const key = (m: ManagerEntry) =>
    `${m.manager}|${m.operation}|${m.subresource ?? ""}|${[...m.paths].sort().join(",")}`;
  const ak = a
    .filter((m) => m.paths.size > 0)
    .map(key)
    .sort();
  const bk = b.map(key).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i]);
}

export function fieldsV1(paths: Set<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const encoded of paths) {
    let node = root;
    for (const key of JSON.parse(encoded) as string[]) {
      const k = `f:${key}`;
      if (!isPlainObject(node[k])) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
  }
  return root;
}

/** Paths the server itself owns and that never count as a manager's fields. */
export function isIdentityPath(path: string[], hasStatusSubresource: boolean): boolean {
  const [head, second] = path;
  if (head === "apiVersion" || head === "kind") return true;
  if (head === "status" && hasStatusSubresource) return true;
  return (
    head === "metadata" &&
    [
      "name",
      "namespace",
      "uid",
      "resourceVersion",
      "generation",
      "creationTimestamp",
      "managedFields",
      "selfLink",
      "deletionTimestamp",
    ].includes(second ?? "")
  );
}

/** Gives `opts.manager` (operation Update) the fields a non-apply write changed, taking them from others. */
export function recordUpdate(
  stored: Stored,
  before: unknown,
  after: unknown,
  type: KubeResourceType,
  opts: WriteOptions,
): void {
  const hasStatus = Boolean(type.status);
  const changed = new Set<string>();
  const beforePaths = leafPaths(before);
  const afterPaths = leafPaths(after);
  for (const p of afterPaths) {
    const path = JSON.parse(p) as string[];
    if (isIdentityPath(path, hasStatus && opts.subresource !== "status")) continue;
    if (opts.subresource === "status" && path[0] !== "status") continue;
    if (!beforePaths.has(p) || !deepEqual(getPath(before, path), getPath(after, path))) changed.add(p);
  }
  const time = nowTimestamp();
  for (const m of stored.managers) {
    for (const p of changed) if (m.manager !== opts.manager || m.operation !== "Update") m.paths.delete(p);
  }
  if (changed.size === 0) return;
  let entry = stored.managers.find(
    (m) => m.manager === opts.manager && m.operation === "Update" && m.subresource === opts.subresource,
  );
  if (!entry) {
    entry = {
      manager: opts.manager,
      operation: "Update",
      apiVersion: groupVersion(type),
      time,
      paths: new Set(),
    };
    if (opts.subresource) entry.subresource = opts.subresource;
    stored.managers.push(entry);
  }
  entry.time = time;
  for (const p of changed) entry.paths.add(p);
}
