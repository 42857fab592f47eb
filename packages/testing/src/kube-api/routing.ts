import { resourceNotFound } from "./status-error.js";
import type { KubeResourceType } from "./types.js";

/** What a request path names: a type, maybe a namespace, an object and a subresource. */
export interface Route {
  type: KubeResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Discovery: the resources of one group version (with their status and log subresources). */
function resourceList(
  types: readonly KubeResourceType[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
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

/** Discovery: every named API group and its versions. */
function groupList(types: readonly KubeResourceType[]): Record<string, unknown> {
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

/** `/api/v1/...` or `/apis/<group>/<version>/...`: a discovery document, or the rest of the path to route. */
function splitApiPath(
  types: readonly KubeResourceType[],
  segments: string[],
): { document: Record<string, unknown> } | { group: string; version: string; rest: string[] } {
  if (segments[0] === "api") {
    if (segments.length === 1)
      return { document: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] } };
    return { group: "", version: segments[1] as string, rest: segments.slice(2) };
  }
  if (segments[0] === "apis") {
    if (segments.length === 1) return { document: groupList(types) };
    const group = segments[1] as string;
    if (segments.length === 2) {
      const g = (groupList(types).groups as Array<Record<string, unknown>>).find((x) => x.name === group);
      if (!g) throw resourceNotFound();
      return { document: { kind: "APIGroup", apiVersion: "v1", ...g } };
    }
    return { group, version: segments[2] as string, rest: segments.slice(3) };
  }
  if (segments[0] === "version" && segments.length === 1) {
    return {
      document: { major: "1", minor: "31", gitVersion: "v1.31.0-mlship-test", platform: "linux/amd64" },
    };
  }
  throw resourceNotFound();
}

/** Maps a request path to a discovery document or a Route; 404 for anything the server does not serve. */
export function route(
  types: readonly KubeResourceType[],
  segments: string[],
): { route: Route } | { document: Record<string, unknown> } {
  const split = splitApiPath(types, segments);
  if ("document" in split) return split;
  const { group, version } = split;
  let rest = split.rest;
  if (rest.length === 0) {
    const list = resourceList(types, group, version);
    if (!list) throw resourceNotFound();
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
  if (!type || rest.length > 3) throw resourceNotFound();
  const r: Route = { type };
  if (namespace !== undefined) r.namespace = namespace;
  if (rest[1] !== undefined) r.name = rest[1];
  if (rest[2] !== undefined) r.subresource = rest[2];
  return { route: r };
}
