import type { KubeObject, KubeResourceType } from "./types.js";

/** API groups of built-in types: they take strategic merge patches, and their lists omit items' apiVersion/kind. */
export const BUILTIN_GROUPS = new Set([
  "",
  "apps",
  "batch",
  "networking.k8s.io",
  "rbac.authorization.k8s.io",
]);
/** The field manager of what a test writes directly (seeds, statuses, events). */
export const TEST_MANAGER = "test";

/** Fields one manager owns, as kube-apiserver's managedFields records them. */
export interface ManagerEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  subresource?: string;
  paths: Set<string>;
}

/** An object as kept: its JSON and who owns which of its fields. */
export interface Stored {
  object: KubeObject;
  managers: ManagerEntry[];
}

export interface WriteOptions {
  manager: string;
  subresource?: string;
  dryRun?: boolean;
}

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function groupVersion(type: KubeResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

export function qualifiedResource(type: KubeResourceType): string {
  return type.group === "" ? type.resource : `${type.resource}.${type.group}`;
}
