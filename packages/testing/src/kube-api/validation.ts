import { isPlainObject } from "./objects.js";
import type { KubeFieldCause, KubeObject, KubeResourceType } from "./types.js";

// What kube-apiserver answers with 422 Invalid.

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

export function validateMetadata(type: KubeResourceType, object: KubeObject): KubeFieldCause[] {
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

export function validateDeployment(object: KubeObject, old: KubeObject | undefined): KubeFieldCause[] {
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

export function validateSecret(object: KubeObject, old: KubeObject | undefined): KubeFieldCause[] {
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

export function validateService(object: KubeObject): KubeFieldCause[] {
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

/** One entry of spec.rules: path, methods, exactly one access mode, and their own checks. */
function validateApiRuleRule(rule: unknown, f: string): KubeFieldCause[] {
  if (!isPlainObject(rule)) return [{ field: f, message: "Invalid value: must be an object" }];
  const causes: KubeFieldCause[] = [];
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
    (rule.extAuth !== undefined ? 1 : 0) + (rule.jwt !== undefined ? 1 : 0) + (rule.noAuth === true ? 1 : 0);
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
    for (const [i, rule] of rules.entries()) causes.push(...validateApiRuleRule(rule, `spec.rules[${i}]`));
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
