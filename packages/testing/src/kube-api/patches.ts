import { clone, isPlainObject } from "./objects.js";
import { KubeStatusError } from "./status-error.js";

// Field paths, merges and patches.

/** Leaf paths of an object (lists and empty maps are leaves), as JSON-encoded key arrays. */
export function leafPaths(value: unknown, prefix: string[] = [], out: Set<string> = new Set()): Set<string> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leafPaths(v, [...prefix, k], out);
  } else if (prefix.length > 0) {
    out.add(JSON.stringify(prefix));
  }
  return out;
}

export function getPath(object: unknown, path: string[]): unknown {
  let value = object;
  for (const p of path) {
    if (!isPlainObject(value)) return undefined;
    value = value[p];
  }
  return value;
}

export function hasPath(object: unknown, path: string[]): boolean {
  let value = object;
  for (const p of path) {
    if (!isPlainObject(value) || !Object.hasOwn(value, p)) return false;
    value = value[p];
  }
  return true;
}

export function setPath(object: Record<string, unknown>, path: string[], value: unknown): void {
  let node = object;
  for (const p of path.slice(0, -1)) {
    if (!isPlainObject(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = clone(value);
}

/** Deletes a leaf and then any map it leaves empty. */
export function deletePath(object: Record<string, unknown>, path: string[]): void {
  const parents: Array<[Record<string, unknown>, string]> = [];
  let node: unknown = object;
  for (const p of path.slice(0, -1)) {
    if (!isPlainObject(node)) return;
    parents.push([node, p]);
    node = node[p];
  }
  if (!isPlainObject(node)) return;
  delete node[path[path.length - 1] as string];
  for (let i = parents.length - 1; i >= 0; i--) {
    const [parent, key] = parents[i] as [Record<string, unknown>, string];
    const child = parent[key];
    if (isPlainObject(child) && Object.keys(child).length === 0) delete parent[key];
    else break;
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

/**
 * Strategic merge patch for the shapes mlship uses: maps merge, `null` deletes, lists of objects with a
 * `name` (containers, env, volumes, ports, imagePullSecrets...) merge by name, other lists are replaced.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target)) {
    const byName = patch.every((p) => isPlainObject(p) && typeof p.name === "string");
    if (!byName) return clone(patch);
    const result = clone(target) as unknown[];
    for (const item of patch as Array<Record<string, unknown>>) {
      if (item.$patch === "delete") {
        const idx = result.findIndex((r) => isPlainObject(r) && r.name === item.name);
        if (idx >= 0) result.splice(idx, 1);
        continue;
      }
      const idx = result.findIndex((r) => isPlainObject(r) && r.name === item.name);
      if (idx >= 0) result[idx] = strategicMergePatch(result[idx], item);
      else result.push(clone(item));
    }
    return result;
  }
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const result: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = strategicMergePatch(result[k], v);
  }
  return result;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new KubeStatusError(422, "Invalid", `invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** RFC 6902 JSON patch (add, remove, replace, test, copy, move). */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw new KubeStatusError(400, "BadRequest", "json patch must be a list of operations");
  const doc = { root: clone(target) } as Record<string, unknown>;
  const parentOf = (path: string[]): [Record<string, unknown> | unknown[], string] => {
    let node: unknown = doc.root;
    for (const p of path.slice(0, -1)) {
      node = Array.isArray(node) ? node[Number(p)] : isPlainObject(node) ? node[p] : undefined;
      if (node === undefined)
        throw new KubeStatusError(422, "Invalid", `doc is missing path: ${path.join("/")}`);
    }
    return [node as Record<string, unknown>, path[path.length - 1] as string];
  };
  const read = (path: string[]): unknown => {
    let node: unknown = doc.root;
    for (const p of path)
      node = Array.isArray(node) ? node[Number(p)] : isPlainObject(node) ? node[p] : undefined;
    return node;
  };
  const write = (path: string[], value: unknown, insert: boolean) => {
    if (path.length === 0) {
      doc.root = value;
      return;
    }
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) {
      const idx = key === "-" ? parent.length : Number(key);
      if (insert) parent.splice(idx, 0, value);
      else parent[idx] = value;
    } else parent[key] = value;
  };
  const remove = (path: string[]) => {
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else {
      if (!Object.hasOwn(parent, key))
        throw new KubeStatusError(422, "Invalid", `unable to remove nonexistent key: ${key}`);
      delete parent[key];
    }
  };
  for (const op of operations as Array<Record<string, unknown>>) {
    const path = pointer(String(op.path ?? ""));
    switch (op.op) {
      case "add":
        write(path, clone(op.value), true);
        break;
      case "replace":
        if (read(path) === undefined)
          throw new KubeStatusError(
            422,
            "Invalid",
            `replace operation does not apply: doc is missing path: ${op.path}`,
          );
        write(path, clone(op.value), false);
        break;
      case "remove":
        remove(path);
        break;
      case "test":
        if (JSON.stringify(read(path)) !== JSON.stringify(op.value)) {
          throw new KubeStatusError(422, "Invalid", `testing value ${op.path} failed`);
        }
        break;
      case "copy":
      case "move": {
        const from = pointer(String(op.from ?? ""));
        const value = clone(read(from));
        if (op.op === "move") remove(from);
        write(path, value, true);
        break;
      }
      default:
        throw new KubeStatusError(400, "BadRequest", `unsupported json patch operation "${String(op.op)}"`);
    }
  }
  return doc.root;
}
