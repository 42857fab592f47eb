import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

/*
 * A Kubernetes API server for tests: plain node:http on loopback, objects kept in memory and versioned,
 * answering the way kube-apiserver does for the calls @kubernetes/client-node makes (discovery, CRUD,
 * merge/strategic/JSON patches, server-side apply with field managers, the status subresource, pod logs,
 * Status bodies for 401/404/409/422). No controllers run: a test drives Deployment/APIRule status itself
 * (setStatus, onWrite) the way a cluster's controllers would.
 *
 * Simplifications, on purpose: lists are atomic for field ownership (SSA replaces a list as a whole),
 * no watch, no admission webhooks, namespace deletion is immediate.
 */

/** A resource the server serves, as discovery lists it. */
export interface KubeResourceType {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name in URLs, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Has a `/status` subresource: the main resource ignores status, `/status` changes only status. */
  status?: boolean;
  shortNames?: string[];
  /** Extra checks run on create/update; each cause becomes part of a 422 Invalid Status. */
  validate?: (object: KubeObject, old: KubeObject | undefined) => KubeFieldCause[];
}

export interface KubeFieldCause {
  field: string;
  message: string;
  reason?: string;
}

export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [key: string]: unknown;
}

/** `{ apiVersion, kind }` of a type, e.g. `{ apiVersion: "apps/v1", kind: "Deployment" }`. */
export interface KubeTypeRef {
  apiVersion: string;
  kind: string;
}

export interface KubeWriteEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  /** `status` when only the status subresource was written. */
  subresource?: string;
}

export interface KubeRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  status: number;
}

/** What a request wants to do, in RBAC terms. */
export interface KubeAccessRequest {
  verb: "get" | "list" | "create" | "update" | "patch" | "delete";
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface KubeApiServerOptions {
  /** Bearer token the server accepts (default: random). Requests without it get 401. */
  token?: string;
  /** Namespace of the kubeconfig's context (default: none, so clients fall back to `default`). */
  contextNamespace?: string;
  /** Context / cluster / user names in the kubeconfig (default `test`). */
  contextName?: string;
  /** Types served besides the defaults (or replacing a default with the same group/version/resource). */
  resources?: KubeResourceType[];
  /** Namespaces that exist at start (default `default`, `kube-system`, `kyma-system`, `istio-system`). */
  namespaces?: Array<string | { name: string; labels?: Record<string, string> }>;
  /** Objects that exist at start (created as manager `test`). */
  objects?: KubeObject[];
  /** RBAC stand-in: return false to answer 403 Forbidden (default: everything allowed). */
  authorize?: (request: KubeAccessRequest) => boolean;
}

export interface KubeConfigObject {
  apiVersion: "v1";
  kind: "Config";
  "current-context": string;
  clusters: Array<{ name: string; cluster: { server: string; "insecure-skip-tls-verify": boolean } }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
}

export interface KubeApiServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  token: string;
  /** A kubeconfig (YAML) pointing at this server: one cluster, one token user, one current context. */
  kubeconfig: string;
  kubeconfigObject: KubeConfigObject;
  /** Every request answered, in order (method, path, query, content type, status). */
  requests: KubeRequestRecord[];
  get(type: KubeTypeRef, namespace: string | undefined, name: string): KubeObject | undefined;
  list(type: KubeTypeRef, namespace?: string, labelSelector?: string): KubeObject[];
  /** Creates or replaces an object as field manager `test` (validation and defaults apply). */
  set(object: KubeObject): KubeObject;
  /** Replaces the status of an object, as a controller would (bumps resourceVersion). */
  setStatus(type: KubeTypeRef, namespace: string | undefined, name: string, status: unknown): KubeObject;
  /** Deletes an object (with garbage collection of dependents); false when it did not exist. */
  remove(type: KubeTypeRef, namespace: string | undefined, name: string): boolean;
  /** Text served by `pods/<name>/log` for that container (`previous` for the last terminated one). */
  setPodLog(
    namespace: string,
    pod: string,
    container: string,
    text: string,
    options?: { previous?: boolean },
  ): void;
  /** Records a core/v1 Event about an object. */
  addEvent(
    involved: KubeObject,
    event: { reason: string; message: string; type?: "Normal" | "Warning" },
  ): KubeObject;
  /** Called after every successful write (API or test), asynchronously like a controller's watch. */
  onWrite(listener: (event: KubeWriteEvent) => void): () => void;
  stop(): Promise<void>;
}

const CORE: Omit<KubeResourceType, "resource" | "kind" | "namespaced"> = { group: "", version: "v1" };

export const DEFAULT_KUBE_RESOURCE_TYPES: readonly KubeResourceType[] = [
  { ...CORE, resource: "namespaces", kind: "Namespace", namespaced: false, status: true, shortNames: ["ns"] },
  { ...CORE, resource: "secrets", kind: "Secret", namespaced: true, validate: validateSecret },
  { ...CORE, resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { ...CORE, resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"] },
  {
    ...CORE,
    resource: "services",
    kind: "Service",
    namespaced: true,
    status: true,
    shortNames: ["svc"],
    validate: validateService,
  },
  { ...CORE, resource: "pods", kind: "Pod", namespaced: true, status: true, shortNames: ["po"] },
  { ...CORE, resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  {
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    namespaced: true,
    status: true,
    shortNames: ["deploy"],
    validate: validateDeployment,
  },
  {
    group: "apps",
    version: "v1",
    resource: "replicasets",
    kind: "ReplicaSet",
    namespaced: true,
    status: true,
  },
  {
    group: "gateway.kyma-project.io",
    version: "v2",
    resource: "apirules",
    kind: "APIRule",
    namespaced: true,
    status: true,
    validate: (o) => validateApiRuleV2(o),
  },
  { group: "networking.istio.io", version: "v1", resource: "gateways", kind: "Gateway", namespaced: true },
  {
    group: "networking.istio.io",
    version: "v1",
    resource: "virtualservices",
    kind: "VirtualService",
    namespaced: true,
  },
];

const BUILTIN_GROUPS = new Set(["", "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io"]);
const MAX_BODY_BYTES = 3 * 1024 * 1024;
const TEST_MANAGER = "test";

class KubeStatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

interface ManagerEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  subresource?: string;
  paths: Set<string>;
}

interface Stored {
  object: KubeObject;
  managers: ManagerEntry[];
}

interface WriteOptions {
  manager: string;
  subresource?: string;
  dryRun?: boolean;
}

function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function groupVersion(type: KubeResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

function qualifiedResource(type: KubeResourceType): string {
  return type.group === "" ? type.resource : `${type.resource}.${type.group}`;
}

// ---------------------------------------------------------------------------------------------
// Validation (what kube-apiserver answers with 422 Invalid)

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function validateQualifiedKey(key: string, field: string): KubeFieldCause[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const causes: KubeFieldCause[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    causes.push({
      field,
      message: `Invalid value: "${key}": prefix part must be a lowercase RFC 1123 subdomain`,
    });
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    causes.push({
      field,
      message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63)`,
    });
  }
  return causes;
}

function validateMetadata(type: KubeResourceType, object: KubeObject): KubeFieldCause[] {
  const causes: KubeFieldCause[] = [];
  const name = object.metadata.name ?? "";
  const needsLabel = type.resource === "namespaces" || type.resource === "services";
  const pattern = needsLabel ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  const max = needsLabel ? 63 : 253;
  if (name === "")
    causes.push({ field: "metadata.name", message: "Required value: name or generateName is required" });
  else if (name.length > max || !pattern.test(name)) {
    causes.push({
      field: "metadata.name",
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${needsLabel ? "label" : "subdomain"} must consist of lower case alphanumeric characters, '-'${needsLabel ? "" : " or '.'"}, and must start and end with an alphanumeric character`,
    });
  }
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    causes.push(...validateQualifiedKey(key, "metadata.labels"));
    if (typeof value !== "string" || value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push({
        field: "metadata.labels",
        message: `Invalid value: "${String(value)}": a valid label value`,
      });
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
    causes.push(...validateQualifiedKey(key, "metadata.annotations"));
    if (typeof value !== "string")
      causes.push({ field: "metadata.annotations", message: `Invalid value: ${key}` });
    annotationBytes += key.length + String(value).length;
  }
  if (annotationBytes > 256 * 1024) {
    causes.push({ field: "metadata.annotations", message: "Too long: must have at most 262144 bytes" });
  }
  return causes.map((c) => ({ reason: "FieldValueInvalid", ...c }));
}

function selectorMatches(
  selector: Record<string, unknown> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  const expressions = (selector.matchExpressions ?? []) as Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
  for (const e of expressions) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === "In" && !(has && e.values?.includes(value as string))) return false;
    if (e.operator === "NotIn" && has && e.values?.includes(value as string)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return Object.keys(matchLabels).length + expressions.length > 0;
}

function validateDeployment(object: KubeObject, old: KubeObject | undefined): KubeFieldCause[] {
  const causes: KubeFieldCause[] = [];
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const template = (spec.template ?? {}) as {
    metadata?: { labels?: Record<string, string> };
    spec?: { containers?: unknown[] };
  };
  const selector = spec.selector as Record<string, unknown> | undefined;
  if (!selector)
    causes.push({ field: "spec.selector", message: "Required value", reason: "FieldValueRequired" });
  else if (!selectorMatches(selector, template.metadata?.labels ?? {})) {
    causes.push({
      field: "spec.template.metadata.labels",
      message: "Invalid value: `selector` does not match template `labels`",
      reason: "FieldValueInvalid",
    });
  }
  const containers = template.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({
      field: "spec.template.spec.containers",
      message: "Required value",
      reason: "FieldValueRequired",
    });
  }
  const oldSelector = old ? (old.spec as Record<string, unknown> | undefined)?.selector : undefined;
  if (old && selector && JSON.stringify(oldSelector) !== JSON.stringify(selector)) {
    causes.push({
      field: "spec.selector",
      message: "Invalid value: field is immutable",
      reason: "FieldValueInvalid",
    });
  }
  return causes;
}

function validateSecret(object: KubeObject, old: KubeObject | undefined): KubeFieldCause[] {
  const causes: KubeFieldCause[] = [];
  const data = (object.data ?? {}) as Record<string, unknown>;
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      // Like the real server, never echo secret values back.
      causes.push({
        field: `data[${key}]`,
        message: "Invalid value: <secret>: must be base64",
        reason: "FieldValueInvalid",
      });
    } else bytes += Buffer.from(value, "base64").length;
  }
  if (bytes > 1024 * 1024)
    causes.push({ field: "data", message: "Too long: must have at most 1048576 bytes" });
  if (object.type === "kubernetes.io/dockerconfigjson") {
    const raw = data[".dockerconfigjson"];
    if (typeof raw !== "string") {
      causes.push({
        field: "data[.dockerconfigjson]",
        message: "Required value",
        reason: "FieldValueRequired",
      });
    } else {
      try {
        JSON.parse(Buffer.from(raw, "base64").toString("utf8"));
      } catch {
        causes.push({
          field: "data[.dockerconfigjson]",
          message: "Invalid value: <secret contents redacted>: invalid JSON",
        });
      }
    }
  }
  if (old && (old.type ?? "Opaque") !== (object.type ?? "Opaque")) {
    causes.push({ field: "type", message: "Invalid value: field is immutable", reason: "FieldValueInvalid" });
  }
  return causes;
}

function validateService(object: KubeObject): KubeFieldCause[] {
  const spec = (object.spec ?? {}) as { type?: string; ports?: Array<{ port?: unknown }> };
  const causes: KubeFieldCause[] = [];
  if (
    (spec.type ?? "ClusterIP") !== "ExternalName" &&
    (!Array.isArray(spec.ports) || spec.ports.length === 0)
  ) {
    causes.push({ field: "spec.ports", message: "Required value", reason: "FieldValueRequired" });
  }
  for (const [i, p] of (spec.ports ?? []).entries()) {
    if (typeof p.port !== "number" || p.port < 1 || p.port > 65535) {
      causes.push({ field: `spec.ports[${i}].port`, message: "Invalid value: must be between 1 and 65535" });
    }
  }
  return causes;
}

const APIRULE_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);
const APIRULE_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?:\.[a-z0-9]{2,63}))?$/;
const APIRULE_GATEWAY = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/;
const APIRULE_PATH = /^((\/([A-Za-z0-9-._~!$&'()+,;=:@]|%[0-9a-fA-F]{2})*)|(\/\{\*{1,2}\}))+$|^\/\*$/;

function validateApiRuleService(service: unknown, field: string): KubeFieldCause[] {
  if (!isPlainObject(service)) return [{ field, message: "Invalid value: must be an object" }];
  const causes: KubeFieldCause[] = [];
  if (typeof service.name !== "string" || service.name === "") {
    causes.push({ field: `${field}.name`, message: "Required value", reason: "FieldValueRequired" });
  }
  if (
    service.namespace !== undefined &&
    (typeof service.namespace !== "string" || !DNS1123_LABEL.test(service.namespace))
  ) {
    causes.push({
      field: `${field}.namespace`,
      message: "Invalid value: must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    });
  }
  const port = service.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    causes.push({ field: `${field}.port`, message: "Invalid value: must be an integer between 1 and 65535" });
  }
  const known = new Set(["name", "namespace", "port", "external"]);
  for (const key of Object.keys(service)) {
    if (!known.has(key))
      causes.push({
        field: `${field}.${key}`,
        message: "Unsupported field",
        reason: "FieldValueNotSupported",
      });
  }
  return causes;
}

function validateJwt(jwt: unknown, field: string): KubeFieldCause[] {
  if (!isPlainObject(jwt)) return [{ field, message: "Invalid value: must be an object" }];
  const causes: KubeFieldCause[] = [];
  for (const key of Object.keys(jwt)) {
    if (key !== "authentications" && key !== "authorizations") {
      causes.push({
        field: `${field}.${key}`,
        message: "Unsupported field",
        reason: "FieldValueNotSupported",
      });
    }
  }
  const authentications = jwt.authentications;
  if (authentications !== undefined) {
    if (!Array.isArray(authentications))
      causes.push({ field: `${field}.authentications`, message: "Invalid value: must be a list" });
    else {
      for (const [i, a] of authentications.entries()) {
        const f = `${field}.authentications[${i}]`;
        if (!isPlainObject(a)) {
          causes.push({ field: f, message: "Invalid value: must be an object" });
          continue;
        }
        if (typeof a.issuer !== "string" || a.issuer === "")
          causes.push({ field: `${f}.issuer`, message: "Required value" });
        if (typeof a.jwksUri !== "string" || a.jwksUri === "")
          causes.push({ field: `${f}.jwksUri`, message: "Required value" });
        for (const key of Object.keys(a)) {
          if (!["issuer", "jwksUri", "fromHeaders", "fromParams"].includes(key)) {
            causes.push({
              field: `${f}.${key}`,
              message: "Unsupported field",
              reason: "FieldValueNotSupported",
            });
          }
        }
      }
    }
  }
  return causes;
}

/**
 * The checks the APIRule `gateway.kyma-project.io/v2` CRD makes (OpenAPI schema and CEL rules of
 * kyma-project/api-gateway `apis/gateway/v2/apirule_types.go`): one host (short name or FQDN), a
 * `namespace/name` gateway, a service with a port, at least one rule with methods from the enum and
 * exactly one of `noAuth: true`, `jwt`, `extAuth`. Unknown fields are rejected (structural schema).
 */
export function validateApiRuleV2(object: unknown): KubeFieldCause[] {
  if (!isPlainObject(object)) return [{ field: "", message: "Invalid value: must be an object" }];
  const causes: KubeFieldCause[] = [];
  if (object.apiVersion !== "gateway.kyma-project.io/v2") {
    causes.push({ field: "apiVersion", message: `Unsupported value: "${String(object.apiVersion)}"` });
  }
  if (object.kind !== "APIRule")
    causes.push({ field: "kind", message: `Unsupported value: "${String(object.kind)}"` });
  const spec = object.spec;
  if (!isPlainObject(spec))
    return [...causes, { field: "spec", message: "Required value", reason: "FieldValueRequired" }];
  for (const key of Object.keys(spec)) {
    if (!["hosts", "service", "gateway", "corsPolicy", "rules", "timeout"].includes(key)) {
      causes.push({ field: `spec.${key}`, message: "Unsupported field", reason: "FieldValueNotSupported" });
    }
  }
  const hosts = spec.hosts;
  if (!Array.isArray(hosts) || hosts.length !== 1) {
    causes.push({ field: "spec.hosts", message: "Invalid value: must have exactly 1 item" });
  } else {
    for (const [i, h] of hosts.entries()) {
      if (typeof h !== "string" || h.length > 255 || !APIRULE_HOST.test(h)) {
        causes.push({
          field: `spec.hosts[${i}]`,
          message: `Invalid value: "${String(h)}": Host must be a lowercase RFC 1123 label or a fully qualified domain name`,
        });
      }
    }
  }
  if (typeof spec.gateway !== "string" || spec.gateway.length > 127 || !APIRULE_GATEWAY.test(spec.gateway)) {
    causes.push({
      field: "spec.gateway",
      message: "Invalid value: Gateway must be in the namespace/name format",
    });
  }
  if (spec.service !== undefined) causes.push(...validateApiRuleService(spec.service, "spec.service"));
  const rules = spec.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    causes.push({ field: "spec.rules", message: "Invalid value: must have at least 1 item" });
  } else {
    for (const [i, rule] of rules.entries()) {
      const f = `spec.rules[${i}]`;
      if (!isPlainObject(rule)) {
        causes.push({ field: f, message: "Invalid value: must be an object" });
        continue;
      }
      for (const key of Object.keys(rule)) {
        if (!["path", "service", "methods", "noAuth", "jwt", "extAuth", "timeout", "request"].includes(key)) {
          causes.push({
            field: `${f}.${key}`,
            message: "Unsupported field",
            reason: "FieldValueNotSupported",
          });
        }
      }
      if (typeof rule.path !== "string" || !APIRULE_PATH.test(rule.path)) {
        causes.push({ field: `${f}.path`, message: `Invalid value: "${String(rule.path)}"` });
      }
      const methods = rule.methods;
      if (!Array.isArray(methods) || methods.length === 0) {
        causes.push({ field: `${f}.methods`, message: "Invalid value: must have at least 1 item" });
      } else {
        for (const m of methods) {
          if (typeof m !== "string" || !APIRULE_METHODS.has(m)) {
            causes.push({
              field: `${f}.methods`,
              message: `Unsupported value: "${String(m)}"`,
              reason: "FieldValueNotSupported",
            });
          }
        }
      }
      const modes =
        (rule.extAuth !== undefined ? 1 : 0) +
        (rule.jwt !== undefined ? 1 : 0) +
        (rule.noAuth === true ? 1 : 0);
      if (modes !== 1)
        causes.push({ field: f, message: "One of the following fields must be set: noAuth, jwt, extAuth" });
      if (rule.noAuth !== undefined && typeof rule.noAuth !== "boolean") {
        causes.push({ field: `${f}.noAuth`, message: "Invalid value: must be a boolean" });
      }
      if (rule.jwt !== undefined) causes.push(...validateJwt(rule.jwt, `${f}.jwt`));
      if (rule.service !== undefined) causes.push(...validateApiRuleService(rule.service, `${f}.service`));
      if (
        rule.timeout !== undefined &&
        (typeof rule.timeout !== "number" || rule.timeout < 1 || rule.timeout > 3900)
      ) {
        causes.push({ field: `${f}.timeout`, message: "Invalid value: must be between 1 and 3900" });
      }
    }
  }
  if (
    spec.service === undefined &&
    Array.isArray(rules) &&
    rules.some((r) => isPlainObject(r) && r.service === undefined)
  ) {
    causes.push({ field: "spec.service", message: "Required value: a service on the spec or on every rule" });
  }
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Label selectors

interface Requirement {
  key: string;
  op: "in" | "notin" | "exists" | "!";
  values: string[];
}

/** Parses a label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k`); throws 400 on bad syntax. */
function parseLabelSelector(selector: string): Requirement[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += ch;
  }
  terms.push(current);
  const requirements: Requirement[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    if (term === "") {
      if (selector.trim() === "") continue;
      throw new KubeStatusError(
        400,
        "BadRequest",
        `unable to parse requirement: found '', expected: identifier`,
      );
    }
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] ?? "")
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      requirements.push({ key: m[1] as string, op: m[2] as "in" | "notin", values });
      continue;
    }
    m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,=!]*)$/.exec(term);
    if (m) {
      requirements.push({ key: m[1] as string, op: m[2] === "!=" ? "notin" : "in", values: [m[3] ?? ""] });
      continue;
    }
    m = /^(!?)([^\s!=(),]+)$/.exec(term);
    if (m) {
      requirements.push({ key: m[2] as string, op: m[1] === "!" ? "!" : "exists", values: [] });
      continue;
    }
    throw new KubeStatusError(
      400,
      "BadRequest",
      `unable to parse requirement: invalid label selector "${term}"`,
    );
  }
  return requirements;
}

function matchesLabels(requirements: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case "in":
        return has && r.values.includes(l[r.key] as string);
      case "notin":
        return !has || !r.values.includes(l[r.key] as string);
      case "exists":
        return has;
      case "!":
        return !has;
    }
    return false;
  });
}

function matchesFields(fieldSelector: string | undefined, object: KubeObject): boolean {
  if (!fieldSelector) return true;
  return fieldSelector.split(",").every((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw new KubeStatusError(400, "BadRequest", `invalid field selector: "${term}"`);
    const path = (m[1] as string).split(".");
    let value: unknown = object;
    for (const p of path) value = isPlainObject(value) ? value[p] : undefined;
    const equal = String(value ?? "") === m[3];
    return m[2] === "!=" ? !equal : equal;
  });
}

// ---------------------------------------------------------------------------------------------
// Field paths, merges and patches

/** Leaf paths of an object (lists and empty maps are leaves), as JSON-encoded key arrays. */
function leafPaths(value: unknown, prefix: string[] = [], out: Set<string> = new Set()): Set<string> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leafPaths(v, [...prefix, k], out);
  } else if (prefix.length > 0) {
    out.add(JSON.stringify(prefix));
  }
  return out;
}

function getPath(object: unknown, path: string[]): unknown {
  let value = object;
  for (const p of path) {
    if (!isPlainObject(value)) return undefined;
    value = value[p];
  }
  return value;
}

function hasPath(object: unknown, path: string[]): boolean {
  let value = object;
  for (const p of path) {
    if (!isPlainObject(value) || !Object.hasOwn(value, p)) return false;
    value = value[p];
  }
  return true;
}

function setPath(object: Record<string, unknown>, path: string[], value: unknown): void {
  let node = object;
  for (const p of path.slice(0, -1)) {
    if (!isPlainObject(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = clone(value);
}

/** Deletes a leaf and then any map it leaves empty. */
function deletePath(object: Record<string, unknown>, path: string[]): void {
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
function mergePatch(target: unknown, patch: unknown): unknown {
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
function strategicMergePatch(target: unknown, patch: unknown): unknown {
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
function jsonPatch(target: unknown, operations: unknown): unknown {
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

function deepEqual(a: unknown, b: unknown): boolean {
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

function sameOwnership(a: ManagerEntry[], b: ManagerEntry[]): boolean {
  const key = (m: ManagerEntry) =>
    `${m.manager}|${m.operation}|${m.subresource ?? ""}|${[...m.paths].sort().join(",")}`;
  const ak = a
    .filter((m) => m.paths.size > 0)
    .map(key)
    .sort();
  const bk = b.map(key).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i]);
}

function fieldsV1(paths: Set<string>): Record<string, unknown> {
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
function isIdentityPath(path: string[], hasStatusSubresource: boolean): boolean {
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

// ---------------------------------------------------------------------------------------------
// The server

interface Route {
  type: KubeResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const token = options.token ?? randomBytes(24).toString("base64url");
  const types: KubeResourceType[] = [...DEFAULT_KUBE_RESOURCE_TYPES];
  for (const extra of options.resources ?? []) {
    const idx = types.findIndex(
      (t) => t.group === extra.group && t.version === extra.version && t.resource === extra.resource,
    );
    if (idx >= 0) types[idx] = extra;
    else types.push(extra);
  }
  const store = new Map<string, Stored>();
  const podLogs = new Map<string, string>();
  const listeners = new Set<(event: KubeWriteEvent) => void>();
  const requests: KubeRequestRecord[] = [];
  let revision = 1;
  let clusterIpCounter = 10;

  const keyOf = (type: KubeResourceType, namespace: string | undefined, name: string) =>
    `${type.group}/${type.resource}/${type.namespaced ? (namespace ?? "") : ""}/${name}`;

  function typeFor(ref: KubeTypeRef): KubeResourceType {
    const [group, version] = ref.apiVersion.includes("/") ? ref.apiVersion.split("/") : ["", ref.apiVersion];
    const type = types.find((t) => t.group === group && t.version === version && t.kind === ref.kind);
    if (!type)
      throw new KubeStatusError(
        404,
        "NotFound",
        `the server could not find the requested resource (${ref.kind} ${ref.apiVersion})`,
      );
    return type;
  }

  function notFound(type: KubeResourceType, name: string): KubeStatusError {
    return new KubeStatusError(404, "NotFound", `${qualifiedResource(type)} "${name}" not found`, {
      name,
      group: type.group,
      kind: type.resource,
    });
  }

  function emitWrite(event: KubeWriteEvent): void {
    const snapshot = clone(event);
    const targets = [...listeners];
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

  function render(type: KubeResourceType, stored: Stored): KubeObject {
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

  function requireNamespace(type: KubeResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    if (!namespace)
      throw new KubeStatusError(400, "BadRequest", "a namespace is required for namespaced resources");
    const nsType = typeFor({ apiVersion: "v1", kind: "Namespace" });
    const ns = store.get(keyOf(nsType, undefined, namespace));
    if (!ns) throw notFound(nsType, namespace);
    if (ns.object.metadata.deletionTimestamp) {
      throw new KubeStatusError(
        403,
        "Forbidden",
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  function applyDefaults(type: KubeResourceType, object: KubeObject): void {
    if (type.resource === "namespaces") {
      object.metadata.labels = {
        ...object.metadata.labels,
        "kubernetes.io/metadata.name": object.metadata.name as string,
      };
      object.status = object.status ?? { phase: "Active" };
    }
    if (type.resource === "secrets") {
      object.type = object.type ?? "Opaque";
      const stringData = object.stringData as Record<string, string> | undefined;
      if (stringData) {
        const data = (object.data ?? {}) as Record<string, string>;
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
        object.data = data;
        delete object.stringData;
      }
    }
    if (type.resource === "services") {
      const spec = (object.spec ?? {}) as Record<string, unknown>;
      spec.type = spec.type ?? "ClusterIP";
      if (spec.type !== "ExternalName" && spec.clusterIP === undefined) {
        spec.clusterIP = `10.96.${Math.floor(clusterIpCounter / 250)}.${(clusterIpCounter % 250) + 1}`;
        clusterIpCounter++;
        spec.clusterIPs = [spec.clusterIP];
      }
      spec.sessionAffinity = spec.sessionAffinity ?? "None";
      for (const port of (spec.ports ?? []) as Array<Record<string, unknown>>) {
        port.protocol = port.protocol ?? "TCP";
        port.targetPort = port.targetPort ?? port.port;
      }
      object.spec = spec;
    }
    if (type.resource === "deployments") {
      const spec = (object.spec ?? {}) as Record<string, unknown>;
      spec.replicas = spec.replicas ?? 1;
      spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
      spec.progressDeadlineSeconds = spec.progressDeadlineSeconds ?? 600;
      spec.strategy = spec.strategy ?? {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
      };
      object.spec = spec;
    }
  }

  function validate(type: KubeResourceType, object: KubeObject, old: KubeObject | undefined): void {
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

  function recordUpdate(
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

  function specChanged(before: KubeObject | undefined, after: KubeObject): boolean {
    if (!before) return true;
    const strip = (o: KubeObject) => {
      const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    };
    return !deepEqual(strip(before), strip(after));
  }

  /** Persists `next` (already merged) for the key, with bookkeeping; returns the rendered object. */
  function commit(
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
    if (existing) {
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
    } else {
      object.metadata.uid = randomUUID();
      object.metadata.creationTimestamp = nowTimestamp();
      if (object.spec !== undefined) object.metadata.generation = 1;
      else delete object.metadata.generation;
      if (type.status && opts.manager !== TEST_MANAGER && type.resource !== "namespaces")
        delete object.status;
    }
    applyDefaults(type, object);
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
    object.metadata.resourceVersion = String(++revision);
    const stored: Stored = { object, managers: kept };
    if (opts.dryRun) return { object: render(type, stored), created: !existing };
    store.set(keyOf(type, namespace, name), stored);
    emitWrite({
      type: existing ? "MODIFIED" : "ADDED",
      object: render(type, stored),
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    });
    return { object: render(type, stored), created: !existing };
  }

  function create(
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
      requireNamespace(type, object.metadata.namespace);
    }
    const name = object.metadata.name ?? "";
    if (name === "") validate(type, object, undefined);
    if (store.has(keyOf(type, object.metadata.namespace, name))) {
      throw new KubeStatusError(409, "AlreadyExists", `${qualifiedResource(type)} "${name}" already exists`, {
        name,
        group: type.group,
        kind: type.resource,
      });
    }
    delete object.metadata.resourceVersion;
    const stored: Stored = { object, managers: [] };
    recordUpdate(stored, {}, object, type, opts);
    return commit(type, undefined, object, opts, stored.managers).object;
  }

  function checkBodyType(type: KubeResourceType, body: KubeObject): void {
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

  function update(route: Route, body: KubeObject, opts: WriteOptions): KubeObject {
    const { type, namespace } = route;
    const name = route.name as string;
    const existing = store.get(keyOf(type, namespace, name));
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
    return commit(type, existing, object, opts, managers).object;
  }

  function apply(
    route: Route,
    body: KubeObject,
    opts: WriteOptions & { force: boolean },
  ): { object: KubeObject; created: boolean } {
    const { type, namespace } = route;
    const name = route.name as string;
    if (!isPlainObject(body)) throw new KubeStatusError(400, "BadRequest", "apply patch must be an object");
    checkBodyType(type, body);
    if (body.apiVersion === undefined || body.kind === undefined) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        "apiVersion and kind must be set in an apply configuration",
      );
    }
    if (body.metadata?.managedFields !== undefined) {
      throw new KubeStatusError(400, "BadRequest", "metadata.managedFields must be nil");
    }
    if (body.metadata?.name !== undefined && body.metadata.name !== name) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (type.namespaced && body.metadata?.namespace !== undefined && body.metadata.namespace !== namespace) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    const existing = store.get(keyOf(type, namespace, name));
    if (!existing) requireNamespace(type, namespace);
    const hasStatus = Boolean(type.status) && opts.subresource !== "status";
    const applied = new Set<string>();
    for (const p of leafPaths(body)) {
      const path = JSON.parse(p) as string[];
      if (isIdentityPath(path, hasStatus)) continue;
      if (opts.subresource === "status" && path[0] !== "status") continue;
      applied.add(p);
    }
    const managers = (existing?.managers ?? []).map((m) => ({ ...m, paths: new Set(m.paths) }));
    const current: KubeObject = existing
      ? clone(existing.object)
      : {
          apiVersion: groupVersion(type),
          kind: type.kind,
          metadata: { name, ...(type.namespaced ? { namespace } : {}) },
        };
    // Conflicts: another manager owns a field we set, with a different value.
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
    if (conflicts.length > 0) {
      const list = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join("\n- ");
      throw new KubeStatusError(
        409,
        "Conflict",
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.length > 1 ? `\n- ${list}` : list}`,
        {
          name,
          group: type.group,
          kind: type.resource,
          causes: conflicts.map((c) => ({
            reason: "FieldManagerConflict",
            message: `conflict with "${c.manager}"`,
            field: c.field,
          })),
        },
      );
    }
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
    return commit(type, existing, current, opts, managers);
  }

  function patch(route: Route, contentType: string, body: unknown, opts: WriteOptions): KubeObject {
    const { type, namespace } = route;
    const name = route.name as string;
    const existing = store.get(keyOf(type, namespace, name));
    if (!existing) throw notFound(type, name);
    let next: unknown;
    if (contentType === "application/merge-patch+json") next = mergePatch(existing.object, body);
    else if (contentType === "application/strategic-merge-patch+json") {
      if (!BUILTIN_GROUPS.has(type.group)) {
        throw new KubeStatusError(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      next = strategicMergePatch(existing.object, body);
    } else if (contentType === "application/json-patch+json") next = jsonPatch(existing.object, body);
    else {
      throw new KubeStatusError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${BUILTIN_GROUPS.has(type.group) ? ", application/strategic-merge-patch+json" : ""}`,
      );
    }
    if (!isPlainObject(next)) throw new KubeStatusError(422, "Invalid", "patch result must be an object");
    const object = next as KubeObject;
    object.metadata = { ...(object.metadata ?? {}), name };
    if (type.namespaced) object.metadata.namespace = namespace;
    const managers = existing.managers.map((m) => ({ ...m, paths: new Set(m.paths) }));
    recordUpdate({ object, managers }, existing.object, object, type, opts);
    return commit(type, existing, object, opts, managers).object;
  }

  function removeObject(
    type: KubeResourceType,
    namespace: string | undefined,
    name: string,
    propagation: string,
  ): KubeObject {
    const key = keyOf(type, namespace, name);
    const existing = store.get(key);
    if (!existing) throw notFound(type, name);
    store.delete(key);
    const rendered = render(type, existing);
    rendered.metadata.deletionTimestamp = nowTimestamp();
    if (type.resource === "namespaces") {
      rendered.status = { phase: "Terminating" };
      for (const [k, s] of [...store.entries()]) {
        const t = typeFor(s.object);
        if (t.namespaced && s.object.metadata.namespace === name) {
          store.delete(k);
          emitWrite({ type: "DELETED", object: render(t, s) });
        }
      }
      for (const k of [...podLogs.keys()]) if (k.startsWith(`${name}/`)) podLogs.delete(k);
    }
    emitWrite({ type: "DELETED", object: rendered });
    if (propagation !== "Orphan") {
      // Garbage collection: dependents whose owner reference points at the deleted object.
      const uid = existing.object.metadata.uid;
      for (const s of [...store.values()]) {
        if (s.object.metadata.ownerReferences?.some((o) => o.uid === uid)) {
          const t = typeFor(s.object);
          if (store.has(keyOf(t, s.object.metadata.namespace, s.object.metadata.name as string))) {
            removeObject(t, s.object.metadata.namespace, s.object.metadata.name as string, propagation);
          }
        }
      }
    }
    if (type.resource === "pods")
      for (const k of [...podLogs.keys()]) if (k.startsWith(`${namespace}/${name}/`)) podLogs.delete(k);
    return rendered;
  }

  function listObjects(
    type: KubeResourceType,
    namespace: string | undefined,
    labelSelector?: string,
    fieldSelector?: string,
  ): Stored[] {
    const requirements = parseLabelSelector(labelSelector ?? "");
    return [...store.values()]
      .filter((s) => {
        const t = typeFor(s.object);
        if (t !== type) return false;
        if (type.namespaced && namespace !== undefined && s.object.metadata.namespace !== namespace)
          return false;
        return (
          matchesLabels(requirements, s.object.metadata.labels) && matchesFields(fieldSelector, s.object)
        );
      })
      .sort((a, b) => {
        const ak = `${a.object.metadata.namespace ?? ""}/${a.object.metadata.name}`;
        const bk = `${b.object.metadata.namespace ?? ""}/${b.object.metadata.name}`;
        return ak < bk ? -1 : ak > bk ? 1 : 0;
      });
  }

  // --- discovery -------------------------------------------------------------------------------

  function resourceList(group: string, version: string): Record<string, unknown> | undefined {
    const served = types.filter((t) => t.group === group && t.version === version);
    if (served.length === 0) return undefined;
    const resources: Array<Record<string, unknown>> = [];
    for (const t of served) {
      resources.push({
        name: t.resource,
        singularName: t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["create", "delete", "get", "list", "patch", "update"],
        ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      });
      if (t.status) {
        resources.push({
          name: `${t.resource}/status`,
          singularName: "",
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ["get", "patch", "update"],
        });
      }
      if (t.resource === "pods" && t.group === "") {
        resources.push({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] });
      }
    }
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group === "" ? version : `${group}/${version}`,
      resources,
    };
  }

  function groupList(): Record<string, unknown> {
    const groups = new Map<string, string[]>();
    for (const t of types) {
      if (t.group === "") continue;
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [...groups.entries()].map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }

  // --- routing ---------------------------------------------------------------------------------

  function route(segments: string[]): { route: Route } | { document: Record<string, unknown> } {
    let group = "";
    let version: string | undefined;
    let rest: string[];
    if (segments[0] === "api") {
      if (segments.length === 1)
        return { document: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] } };
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === "apis") {
      if (segments.length === 1) return { document: groupList() };
      group = segments[1] as string;
      if (segments.length === 2) {
        const g = (groupList().groups as Array<Record<string, unknown>>).find((x) => x.name === group);
        if (!g)
          throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
        return { document: { kind: "APIGroup", apiVersion: "v1", ...g } };
      }
      version = segments[2];
      rest = segments.slice(3);
    } else if (segments[0] === "version" && segments.length === 1) {
      return {
        document: { major: "1", minor: "31", gitVersion: "v1.31.0-mlship-test", platform: "linux/amd64" },
      };
    } else {
      throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
    }
    if (rest.length === 0) {
      const list = resourceList(group, version as string);
      if (!list)
        throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
      return { document: list };
    }
    const byResource = (resource: string | undefined) =>
      types.find((t) => t.group === group && t.version === version && t.resource === resource);
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3 && byResource(rest[2])?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = byResource(rest[0]);
    if (!type || rest.length > 3)
      throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
    const r: Route = { type };
    if (namespace !== undefined) r.namespace = namespace;
    if (rest[1] !== undefined) r.name = rest[1];
    if (rest[2] !== undefined) r.subresource = rest[2];
    return { route: r };
  }

  function podLog(r: Route, query: URLSearchParams): string {
    const pods = store.get(keyOf(r.type, r.namespace, r.name as string));
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
    const text = podLogs.get(`${r.namespace}/${r.name}/${container}/${previous ? "previous" : "current"}`);
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

  function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          reject(new KubeStatusError(413, "RequestEntityTooLarge", "the request body is too large"));
          req.destroy();
        } else chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  }

  function parseBody(raw: Buffer, contentType: string): unknown {
    const text = raw.toString("utf8");
    if (text.trim() === "") throw new KubeStatusError(400, "BadRequest", "the request body is empty");
    try {
      return contentType === "application/apply-patch+yaml" || contentType === "application/yaml"
        ? parseYaml(text)
        : JSON.parse(text);
    } catch (e) {
      throw new KubeStatusError(
        400,
        "BadRequest",
        `the body of the request could not be decoded: ${(e as Error).message}`,
      );
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: KubeRequestRecord): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new KubeStatusError(401, "Unauthorized", "Unauthorized");
    }
    const routed = route(segments);
    const method = req.method ?? "GET";
    if ("document" in routed) {
      if (method !== "GET")
        throw new KubeStatusError(
          405,
          "MethodNotAllowed",
          `the server does not allow this method on the requested resource`,
        );
      send(res, 200, routed.document, record);
      return;
    }
    const r = routed.route;
    const query = url.searchParams;
    const manager = query.get("fieldManager") ?? userAgentManager(req.headers["user-agent"]);
    const dryRun = query.get("dryRun") === "All";
    const contentType =
      (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "application/json";
    const { type } = r;
    if (options.authorize) {
      const verbs: Record<string, KubeAccessRequest["verb"]> = {
        GET: r.name === undefined ? "list" : "get",
        POST: "create",
        PUT: "update",
        PATCH: "patch",
        DELETE: "delete",
      };
      const access: KubeAccessRequest = {
        verb: verbs[method] ?? "get",
        group: type.group,
        resource: type.resource,
      };
      if (r.subresource) access.subresource = r.subresource;
      if (r.namespace) access.namespace = r.namespace;
      if (r.name) access.name = r.name;
      if (!options.authorize(access)) {
        const scope = r.namespace ? `in the namespace "${r.namespace}"` : "at the cluster scope";
        throw new KubeStatusError(
          403,
          "Forbidden",
          `${qualifiedResource(type)}${r.name ? ` "${r.name}"` : ""} is forbidden: User "test" cannot ${access.verb} resource "${type.resource}${r.subresource ? `/${r.subresource}` : ""}" in API group "${type.group}" ${scope}`,
          { ...(r.name ? { name: r.name } : {}), group: type.group, kind: type.resource },
        );
      }
    }
    if (r.subresource !== undefined) {
      const allowed =
        (r.subresource === "status" && type.status) || (r.subresource === "log" && type.resource === "pods");
      if (!allowed)
        throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
    }
    if (r.subresource === "log") {
      if (method !== "GET")
        throw new KubeStatusError(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
        );
      const text = podLog(r, query);
      record.status = 200;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(text);
      return;
    }
    const writeOpts: WriteOptions = { manager, dryRun };
    if (r.subresource) writeOpts.subresource = r.subresource;
    if (r.name === undefined) {
      if (method === "GET") {
        if (query.get("watch") === "true" || query.get("watch") === "1") {
          throw new KubeStatusError(
            400,
            "BadRequest",
            "watch is not supported by the mlship test API server",
          );
        }
        const items = listObjects(
          type,
          r.namespace,
          query.get("labelSelector") ?? undefined,
          query.get("fieldSelector") ?? undefined,
        );
        const limit = Number(query.get("limit") ?? "0");
        const offset = query.get("continue")
          ? Number(Buffer.from(query.get("continue") as string, "base64url").toString())
          : 0;
        const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
        const more = limit > 0 && offset + limit < items.length;
        const builtin = BUILTIN_GROUPS.has(type.group);
        send(
          res,
          200,
          {
            kind: `${type.kind}List`,
            apiVersion: groupVersion(type),
            metadata: {
              resourceVersion: String(revision),
              ...(more
                ? {
                    continue: Buffer.from(String(offset + limit)).toString("base64url"),
                    remainingItemCount: items.length - offset - limit,
                  }
                : {}),
            },
            items: page.map((s) => {
              const o = render(type, s);
              // Like kube-apiserver, built-in lists leave apiVersion/kind off their items; CRD lists keep them.
              if (builtin) {
                const { apiVersion: _a, kind: _k, ...rest } = o;
                return rest;
              }
              return o;
            }),
          },
          record,
        );
        return;
      }
      if (method === "POST") {
        const body = parseBody(await readBody(req), contentType) as KubeObject;
        if (!isPlainObject(body)) throw new KubeStatusError(400, "BadRequest", "the body must be an object");
        checkBodyType(type, body);
        send(res, 201, create(type, r.namespace, body, writeOpts), record);
        return;
      }
      throw new KubeStatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    }
    if (type.namespaced && r.namespace === undefined) {
      throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
    }
    const key = keyOf(type, r.namespace, r.name);
    switch (method) {
      case "GET": {
        const stored = store.get(key);
        if (!stored) throw notFound(type, r.name);
        send(res, 200, render(type, stored), record);
        return;
      }
      case "PUT": {
        const body = parseBody(await readBody(req), contentType) as KubeObject;
        if (!isPlainObject(body)) throw new KubeStatusError(400, "BadRequest", "the body must be an object");
        checkBodyType(type, body);
        send(res, 200, update(r, body, writeOpts), record);
        return;
      }
      case "PATCH": {
        const body = parseBody(await readBody(req), contentType);
        if (contentType === "application/apply-patch+yaml") {
          if (!query.get("fieldManager")) {
            throw new KubeStatusError(
              422,
              "Invalid",
              'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
            );
          }
          const force = query.get("force") === "true";
          const result = apply(r, body as KubeObject, { ...writeOpts, force });
          send(res, result.created ? 201 : 200, result.object, record);
          return;
        }
        if (query.has("force")) {
          throw new KubeStatusError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
          );
        }
        send(res, 200, patch(r, contentType, body, writeOpts), record);
        return;
      }
      case "DELETE": {
        const raw = await readBody(req);
        let propagation = query.get("propagationPolicy") ?? "Background";
        if (raw.length > 0) {
          const opts = parseBody(raw, "application/json") as { propagationPolicy?: string };
          propagation = opts.propagationPolicy ?? propagation;
        }
        if (r.subresource)
          throw new KubeStatusError(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
          );
        if (dryRun) {
          const stored = store.get(key);
          if (!stored) throw notFound(type, r.name);
          send(res, 200, render(type, stored), record);
          return;
        }
        send(res, 200, removeObject(type, r.namespace, r.name, propagation), record);
        return;
      }
      default:
        throw new KubeStatusError(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
        );
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, record: KubeRequestRecord): void {
    record.status = status;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  function sendStatus(res: ServerResponse, error: KubeStatusError, record: KubeRequestRecord): void {
    send(
      res,
      error.code,
      {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: error.message,
        reason: error.reason,
        ...(error.details ? { details: error.details } : {}),
        code: error.code,
      },
      record,
    );
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const record: KubeRequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    const ct = req.headers["content-type"];
    if (ct) record.contentType = ct;
    requests.push(record);
    handle(req, res, record).catch((e: unknown) => {
      if (res.headersSent) return;
      if (e instanceof KubeStatusError) sendStatus(res, e, record);
      else
        sendStatus(
          res,
          new KubeStatusError(500, "InternalError", `Internal error occurred: ${(e as Error).message}`),
          record,
        );
    });
  });

  // Seed state through the same code paths the API uses.
  const seedOpts: WriteOptions = { manager: TEST_MANAGER };
  const nsType = typeFor({ apiVersion: "v1", kind: "Namespace" });
  for (const ns of options.namespaces ?? ["default", "kube-system", "kyma-system", "istio-system"]) {
    const spec = typeof ns === "string" ? { name: ns } : ns;
    create(
      nsType,
      undefined,
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: spec.name, ...(spec.labels ? { labels: spec.labels } : {}) },
      },
      seedOpts,
    );
  }

  function set(object: KubeObject): KubeObject {
    const type = typeFor(object);
    const name = object.metadata?.name as string;
    const namespace = type.namespaced ? (object.metadata.namespace ?? "default") : undefined;
    const existing = store.get(keyOf(type, namespace, name));
    if (!existing) return create(type, namespace, object, seedOpts);
    const body = clone(object);
    delete body.metadata.resourceVersion;
    const r: Route = { type, name };
    if (namespace !== undefined) r.namespace = namespace;
    const result = update(r, body, seedOpts);
    if (type.status && object.status !== undefined) {
      return update(r, { ...result, status: object.status } as KubeObject, {
        ...seedOpts,
        subresource: "status",
      });
    }
    return result;
  }

  for (const object of options.objects ?? []) set(object);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const contextName = options.contextName ?? "test";
  const kubeconfigObject: KubeConfigObject = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": contextName,
    // Plain HTTP on loopback: client-node only allows http:// when TLS verification is skipped.
    clusters: [{ name: contextName, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: contextName, user: { token } }],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: contextName,
          user: contextName,
          ...(options.contextNamespace ? { namespace: options.contextNamespace } : {}),
        },
      },
    ],
  };

  return {
    url,
    token,
    kubeconfig: stringifyYaml(kubeconfigObject),
    kubeconfigObject,
    requests,
    get(ref, namespace, name) {
      const type = typeFor(ref);
      const stored = store.get(keyOf(type, namespace, name));
      return stored ? render(type, stored) : undefined;
    },
    list(ref, namespace, labelSelector) {
      const type = typeFor(ref);
      return listObjects(type, namespace, labelSelector).map((s) => render(type, s));
    },
    set,
    setStatus(ref, namespace, name, status) {
      const type = typeFor(ref);
      const stored = store.get(keyOf(type, namespace, name));
      if (!stored) throw notFound(type, name);
      const r: Route = { type, name };
      if (type.namespaced && namespace !== undefined) r.namespace = namespace;
      return update(r, { ...clone(stored.object), status } as KubeObject, {
        manager: TEST_MANAGER,
        ...(type.status ? { subresource: "status" } : {}),
      });
    },
    remove(ref, namespace, name) {
      const type = typeFor(ref);
      if (!store.has(keyOf(type, namespace, name))) return false;
      removeObject(type, namespace, name, "Background");
      return true;
    },
    setPodLog(namespace, pod, container, text, opts) {
      podLogs.set(`${namespace}/${pod}/${container}/${opts?.previous ? "previous" : "current"}`, text);
    },
    addEvent(involved, event) {
      const now = nowTimestamp();
      const namespace = involved.metadata.namespace ?? "default";
      return create(
        typeFor({ apiVersion: "v1", kind: "Event" }),
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
        seedOpts,
      );
    },
    onWrite(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      listeners.clear();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** What kube-apiserver records as the manager of a non-apply write without `fieldManager`: the user agent's program name. */
function userAgentManager(userAgent: string | undefined): string {
  const first = (userAgent ?? "").split("/")[0]?.trim();
  return first && first.length > 0 ? first.slice(0, 128) : "unknown";
}

/** What a simulated rollout ends in. */
export type SimulatedRollout = "ready" | "imagePullBackOff" | "crashLoopBackOff" | "initFailed" | "pending";

export interface SimulatedControllersOptions {
  /** Outcome of each Deployment write (default `ready`). */
  rollout?: (deployment: KubeObject) => SimulatedRollout;
  /** Status for each APIRule write (default `{ state: "Ready" }`). */
  apiRule?: (rule: KubeObject) => { state: string; description?: string };
  /** Log text per container name: current logs, and previous ones for crash-looping containers. */
  logs?: Record<string, string>;
}

type PodContainer = { name: string };

/**
 * Plays the controllers a test cluster lacks: for every Deployment write, a pod of the new template
 * (owned by the Deployment, `pod-template-hash` label) with container statuses for the chosen outcome,
 * and the Deployment's status (Available or not, observedGeneration); for every APIRule write, its status.
 * Returns a function that stops it.
 */
export function simulateControllers(
  server: KubeApiServer,
  options: SimulatedControllersOptions = {},
): () => void {
  return server.onWrite((e) => {
    if (e.type === "DELETED" || e.subresource) return;
    const meta = e.object.metadata;
    const namespace = meta.namespace ?? "default";
    const name = meta.name as string;
    if (e.object.kind === "APIRule") {
      server.setStatus(e.object, namespace, name, {
        lastProcessedTime: nowTimestamp(),
        ...(options.apiRule?.(e.object) ?? { state: "Ready" }),
      });
      return;
    }
    if (e.object.kind !== "Deployment") return;
    const spec = e.object.spec as {
      replicas?: number;
      template: {
        metadata?: { labels?: Record<string, string> };
        spec: { containers?: PodContainer[]; initContainers?: PodContainer[] };
      };
    };
    const outcome = options.rollout?.(e.object) ?? "ready";
    const replicas = spec.replicas ?? 1;
    const hash = createHash("sha256").update(JSON.stringify(spec.template)).digest("hex").slice(0, 10);
    const pod = `${name}-${hash}-${hash.slice(0, 5)}`;
    const inits = (spec.template.spec.initContainers ?? []).map((c) => c.name);
    const mains = (spec.template.spec.containers ?? []).map((c) => c.name);
    const waiting = (reason: string, message: string) => ({ state: { waiting: { reason, message } } });
    const done = (n: string) => ({ name: n, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    const running = (n: string, ready: boolean) => ({
      name: n,
      ready,
      restartCount: 0,
      state: { running: {} },
    });
    let status: Record<string, unknown>;
    switch (outcome) {
      case "ready":
        status = {
          phase: "Running",
          initContainerStatuses: inits.map(done),
          containerStatuses: mains.map((n) => running(n, true)),
        };
        break;
      case "imagePullBackOff": {
        const message = "Back-off pulling image: failed to authorize: 401 Unauthorized";
        status = inits.length
          ? {
              phase: "Pending",
              initContainerStatuses: inits.map((n) => ({ name: n, ...waiting("ImagePullBackOff", message) })),
            }
          : {
              phase: "Pending",
              containerStatuses: mains.map((n) => ({ name: n, ...waiting("ImagePullBackOff", message) })),
            };
        break;
      }
      case "crashLoopBackOff":
        status = {
          phase: "Running",
          initContainerStatuses: inits.map(done),
          containerStatuses: mains.map((n, i) =>
            i === 0
              ? {
                  name: n,
                  ready: false,
                  restartCount: 4,
                  ...waiting("CrashLoopBackOff", `back-off 1m20s restarting failed container=${n}`),
                  lastState: { terminated: { exitCode: 1, reason: "Error" } },
                }
              : running(n, true),
          ),
        };
        break;
      case "initFailed":
        status = {
          phase: "Pending",
          initContainerStatuses: inits.map((n, i) =>
            i === 0
              ? { name: n, state: { terminated: { exitCode: 1, reason: "Error" } } }
              : { name: n, state: { waiting: { reason: "PodInitializing" } } },
          ),
        };
        break;
      default:
        status = {
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
        };
    }
    if (!server.get({ apiVersion: "v1", kind: "Pod" }, namespace, pod)) {
      server.set({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: pod,
          namespace,
          labels: { ...(spec.template.metadata?.labels ?? {}), "pod-template-hash": hash },
          ownerReferences: [
            { apiVersion: "apps/v1", kind: "Deployment", name, uid: meta.uid as string, controller: true },
          ],
        },
        spec: spec.template.spec,
        status,
      });
      for (const [container, text] of Object.entries(options.logs ?? {})) {
        if (![...inits, ...mains].includes(container)) continue;
        server.setPodLog(namespace, pod, container, text);
        if (outcome === "crashLoopBackOff")
          server.setPodLog(namespace, pod, container, text, { previous: true });
      }
    }
    const ok = outcome === "ready";
    server.setStatus(e.object, namespace, name, {
      observedGeneration: meta.generation,
      replicas,
      updatedReplicas: replicas,
      ...(ok
        ? {
            readyReplicas: replicas,
            availableReplicas: replicas,
            conditions: [
              { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
              { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
            ],
          }
        : {
            unavailableReplicas: replicas,
            conditions: [
              { type: "Available", status: "False", reason: "MinimumReplicasUnavailable" },
              { type: "Progressing", status: "True", reason: "ReplicaSetUpdated" },
            ],
          }),
    });
  });
}
