import { DeployTargetToken, type PluginOptionDescription } from "@mlship/core";
import type { DependencyContainer } from "tsyringe";
import type { KymaTargetOptions } from "./options.js";
import { createKymaTarget, type KymaTarget } from "./target.js";

/** Registers the Kyma deployment target (name `kyma`) on `container`. */
export function registerKymaTarget(
  container: DependencyContainer,
  options: KymaTargetOptions = {},
): KymaTarget {
  const target = createKymaTarget(options);
  container.register(DeployTargetToken, { useValue: target });
  return target;
}

export function describeKymaOptions(): PluginOptionDescription[] {
  return [
    {
      name: "kubeconfig",
      type: "string",
      description: "Path to the kubeconfig (Kyma dashboard download).",
      env: "KUBECONFIG",
    },
    { name: "context", type: "string", description: "kubeconfig context (default: its current context)." },
    { name: "namespace", type: "string", description: "Namespace (default: the context's, else default)." },
    {
      name: "labelNamespace",
      type: "boolean",
      description: "Add istio-injection=enabled to an existing namespace.",
    },
    {
      name: "auth",
      type: "string",
      description: "APIRule access: jwt (default) or noAuth (public, only on request).",
    },
    { name: "jwtIssuer", type: "string", description: "JWT issuer URL for the APIRule's jwt rules." },
    { name: "jwksUri", type: "string", description: "JWKS URI of the JWT issuer." },
    {
      name: "domain",
      type: "string",
      description: "Public domain (default: from the kyma-gateway Gateway).",
    },
    {
      name: "token",
      type: "string",
      description: "Bearer token for invoking jwt deployments.",
      env: "MLSHIP_KYMA_TOKEN",
    },
    {
      name: "region",
      type: "string",
      description: "AWS region for the image, ECR and S3.",
      env: "AWS_REGION",
    },
    {
      name: "profileName",
      type: "string",
      description: "AWS profile with ECR and S3 access.",
      env: "AWS_PROFILE",
    },
    { name: "profile", type: "string", description: "Alias of profileName." },
    { name: "endpoint", type: "string", description: "One endpoint URL for every AWS service (emulator)." },
    {
      name: "urlExpirySeconds",
      type: "number",
      description: "Lifetime of the presigned model URLs (default 604800).",
    },
    {
      name: "waitTimeoutMs",
      type: "number",
      description: "How long deploy waits for readiness (default 900000).",
    },
  ];
}
