import { isMlshipError } from "@mlship/core";
import type { KubeApi, KubeObject } from "./kube.js";

/** The wildcard domain a Gateway serves: `*.c-1a2b.kyma.ondemand.com` -> `c-1a2b.kyma.ondemand.com`. */
export function domainFromGateway(gateway: KubeObject | undefined): string | undefined {
  const servers = (gateway?.spec as { servers?: Array<{ hosts?: string[] }> } | undefined)?.servers ?? [];
  for (const server of servers) {
    for (const host of server.hosts ?? []) {
      // Hosts may be namespace-qualified (`ns/*.example.com`).
      const bare = host.includes("/") ? host.slice(host.indexOf("/") + 1) : host;
      if (bare.startsWith("*.") && bare.length > 2) return bare.slice(2);
    }
  }
  return undefined;
}

/**
 * The public domain behind the APIRule's short host: read from the Kyma gateway's hosts. Istio serves
 * `networking.istio.io/v1` since 1.22; older clusters only `v1beta1`. undefined when it cannot be read.
 */
export async function discoverDomain(kube: KubeApi, gateway: string): Promise<string | undefined> {
  const [namespace, name] = gateway.split("/") as [string, string];
  for (const apiVersion of ["networking.istio.io/v1", "networking.istio.io/v1beta1"]) {
    try {
      const object = await kube.read({ apiVersion, kind: "Gateway" }, namespace, name);
      const domain = domainFromGateway(object);
      if (domain) return domain;
      if (object) return undefined;
    } catch (error) {
      // Not served in this version (or not readable with these rights): try the next, then give up.
      if (!isMlshipError(error)) throw error;
    }
  }
  return undefined;
}
