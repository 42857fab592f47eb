import { MlshipError } from "@mlship/core";
import { type ApiAuth, DEFAULT_GATEWAY, type Resources } from "./manifests.js";
import type { KymaExposureOptions } from "./options.js";

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// The APIRule v2 CRD's rule for spec.gateway.
const GATEWAY = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/;
const DOMAIN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;
// A Kubernetes resource quantity (no sign): 250m, 0.5, 512Mi, 1G, 1e3.
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

export function validateName(name: string): void {
  if (!NAME.test(name)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid deployment name "${name}" for Kyma`, {
      where: "name",
      hint: "Use 1-63 lowercase letters, digits and '-', starting with a letter (it names the Service and the host).",
    });
  }
}

/** What the cluster would refuse (or misroute) only after earlier objects were written. */
export function validatePlacement(namespace: string, gateway: string, domain: string | undefined): void {
  if (!DNS_LABEL.test(namespace)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid namespace "${namespace}"`, {
      where: "namespace",
      hint: "Use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
    });
  }
  if (!GATEWAY.test(gateway)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Invalid gateway "${gateway}": the APIRule needs namespace/name`,
      {
        where: "gateway",
        hint: `E.g. ${DEFAULT_GATEWAY} (the default).`,
      },
    );
  }
  if (domain !== undefined && (domain.length > 253 || !DOMAIN.test(domain))) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid domain "${domain}": expected a DNS name`, {
      where: "domain",
      hint: "Give the cluster's domain alone, without scheme, path or wildcard, e.g. c-1a2b.kyma.ondemand.com.",
    });
  }
}

export function validateReplicas(replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new MlshipError("E_INVALID_INPUT", `instanceCount must be a whole number >= 0, got ${replicas}`, {
      where: "instanceCount",
    });
  }
}

/** Requests/limits as quantity strings (a JSON config may give numbers); anything else is refused up front. */
export function checkResources(resources: Resources): Resources {
  const out: Resources = {};
  for (const kind of ["requests", "limits"] as const) {
    const list = resources[kind];
    if (list === undefined) continue;
    const checked: Record<string, string> = {};
    for (const [key, value] of Object.entries(list as Record<string, unknown>)) {
      if (value === undefined) continue;
      const text = typeof value === "number" && Number.isFinite(value) && value >= 0 ? String(value) : value;
      if (typeof text !== "string" || !QUANTITY.test(text)) {
        throw new MlshipError(
          "E_INVALID_INPUT",
          `resources.${kind}.${key} is not a Kubernetes quantity: ${JSON.stringify(value)}`,
          {
            where: `resources.${kind}.${key}`,
            hint: 'E.g. cpu "250m" or "1", memory "512Mi" or "2Gi" (binary suffixes Ki, Mi, Gi; "MB" is not one).',
          },
        );
      }
      checked[key] = text;
    }
    out[kind] = checked;
  }
  return out;
}

function requireHttpUrl(field: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new MlshipError("E_INVALID_INPUT", `${field} must be an http(s) URL, got "${value}"`, {
      where: field,
    });
  }
}

/** The APIRule's access rule: the spec's, else the target's, else jwt (which needs an issuer and JWKS). */
export function resolveAuth(spec: KymaExposureOptions, options: KymaExposureOptions): ApiAuth {
  const requested = String(spec.auth ?? options.auth ?? "jwt");
  const mode = ["noauth", "none"].includes(requested.toLowerCase()) ? "noAuth" : requested;
  if (mode === "noAuth") return { mode };
  if (mode !== "jwt") {
    throw new MlshipError("E_INVALID_INPUT", `Unknown auth "${String(mode)}": use "jwt" or "noAuth"`, {
      where: "auth",
    });
  }
  const issuer = spec.jwtIssuer ?? options.jwtIssuer;
  const jwksUri = spec.jwksUri ?? options.jwksUri;
  if (!issuer || !jwksUri) {
    throw new MlshipError("E_CONFIG", "A jwt APIRule needs jwtIssuer and jwksUri", {
      where: issuer ? "jwksUri" : "jwtIssuer",
      hint:
        "E.g. SAP Cloud Identity Services: jwtIssuer https://<tenant>.accounts.ondemand.com, " +
        "jwksUri https://<tenant>.accounts.ondemand.com/oauth2/certs. Only if the model may be public, pass auth: noAuth.",
    });
  }
  requireHttpUrl("jwtIssuer", issuer);
  requireHttpUrl("jwksUri", jwksUri);
  return { mode, issuer, jwksUri };
}
