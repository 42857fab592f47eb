import { MlshipError } from "@mlship/core/errors";
import { defineTargetPlugin } from "@mlship/core/plugin";
import { z } from "zod";
import type { KymaAutoscaling } from "./autoscaler.js";

const text = z.string().min(1);
const count = z.coerce.number().int().positive();
const quantities = z.record(z.string(), z.union([z.string(), z.number()]));

/** What `mlship.config.json`, the environment and flags may set (programmatic users pass KymaTargetOptions). */
export const kymaPluginOptions = z
  .object({
    kubeconfig: text
      .optional()
      .describe("Path to the kubeconfig (Kyma dashboard download; default KUBECONFIG)"),
    context: text.optional().describe("kubeconfig context (default: its current context)"),
    namespace: text.optional().describe("Namespace (default: the context's, else default)"),
    labelNamespace: z.boolean().optional().describe("Add istio-injection=enabled to an existing namespace"),
    auth: z
      .enum(["jwt", "noAuth", "none"])
      .optional()
      .describe("APIRule access: jwt (default) or noAuth/none (public)"),
    jwtIssuer: z.url().optional().describe("JWT issuer URL for the APIRule's jwt rules"),
    jwksUri: z.url().optional().describe("JWKS URI of the JWT issuer"),
    domain: text.optional().describe("Public domain (default: from the kyma-gateway Gateway)"),
    gateway: text.optional().describe("Istio gateway namespace/name (default kyma-system/kyma-gateway)"),
    resources: z
      .object({ requests: quantities.optional(), limits: quantities.optional() })
      .strict()
      .optional()
      .describe("Container requests/limits"),
    token: text.optional().describe("Bearer token for invoking jwt deployments"),
    region: text.optional().describe("AWS region for the image, ECR and S3"),
    profileName: text.optional().describe("AWS profile with ECR and S3 access"),
    profile: text.optional().describe("Alias of profileName"),
    endpoint: z.url().optional().describe("One endpoint URL for every AWS service (emulator)"),
    urlExpirySeconds: count.optional().describe("Lifetime of the presigned model URLs (default 604800)"),
    waitTimeoutMs: count.optional().describe("How long deploy waits for readiness (default 900000)"),
    pollIntervalMs: count.optional().describe("Poll interval while waiting (default 3000)"),
    invokeBaseUrl: z
      .url()
      .optional()
      .describe("Invoke this base URL instead of https://<host> (a port-forward)"),
    invokeTimeoutMs: count.optional().describe("Per-request invoke timeout (default 60000)"),
    invokeRetries: z.coerce.number().int().min(0).optional().describe("Invoke retries (default 3)"),
    minInstances: count.optional().describe("Deploy with an HPA: fewest replicas"),
    maxInstances: count.optional().describe("Deploy with an HPA: most replicas"),
    targetCpuUtilization: count
      .optional()
      .describe("HPA: average CPU utilisation to hold, % of the CPU request (default 70)"),
  })
  .strict();

/** The HPA the deploy flags ask for: min and max together (E_USAGE naming the missing one), the target optional. */
function autoscalingFromFlags(
  minInstances?: number,
  maxInstances?: number,
  targetCpuUtilization?: number,
): KymaAutoscaling | undefined {
  if (minInstances === undefined && maxInstances === undefined && targetCpuUtilization === undefined) return;
  if (minInstances === undefined || maxInstances === undefined) {
    const missing = minInstances === undefined ? "--min-instances" : "--max-instances";
    throw new MlshipError("E_USAGE", `Autoscaling needs ${missing}`, {
      where: missing,
      hint: "Give --min-instances and --max-instances together (--target-cpu is optional).",
    });
  }
  return { minInstances, maxInstances, ...(targetCpuUtilization ? { targetCpuUtilization } : {}) };
}

/** Where a deployment lives: every command that reaches deployments takes these. */
const CLUSTER = ["deploy", "invoke", "score", "deployments", "rime"];

/**
 * The `kyma` target as a plugin. Training jobs are resolved through core's model resolver service (the
 * sagemaker plugin provides one); the implementation is imported by `create`, so reading the flags stays cheap.
 */
export default defineTargetPlugin({
  name: "kyma",
  apiVersion: 2,
  options: kymaPluginOptions,
  env: {
    token: "MLSHIP_KYMA_TOKEN",
    region: "AWS_REGION",
    profile: "AWS_PROFILE",
    endpoint: "AWS_ENDPOINT_URL",
  },
  flags: [
    { name: "--namespace <ns>", option: "namespace", description: "namespace", commands: CLUSTER },
    {
      name: "--kubeconfig <file>",
      option: "kubeconfig",
      description: "kubeconfig path",
      commands: CLUSTER,
      path: "file",
    },
    { name: "--context <name>", option: "context", description: "kubeconfig context", commands: CLUSTER },
    { name: "--region <region>", option: "region", description: "AWS region", commands: CLUSTER },
    { name: "--profile <profile>", option: "profile", description: "AWS profile", commands: CLUSTER },
    { name: "--endpoint-url <url>", option: "endpoint", description: "AWS endpoint", commands: CLUSTER },
    {
      name: "--profile-name <profile>",
      option: "profileName",
      description: "AWS profile used for ECR pull access and S3",
      commands: ["deploy", "deployments"],
    },
    {
      name: "--auth <mode>",
      option: "auth",
      description: "API authentication: jwt or none",
      commands: ["deploy"],
    },
    { name: "--jwt-issuer <url>", option: "jwtIssuer", description: "JWT issuer", commands: ["deploy"] },
    { name: "--jwks-uri <url>", option: "jwksUri", description: "JWKS URI", commands: ["deploy"] },
    {
      name: "--domain <domain>",
      option: "domain",
      description: "cluster domain (default from the kyma-gateway)",
      commands: ["deploy"],
    },
    {
      name: "--label-namespace",
      option: "labelNamespace",
      description: "add istio-injection=enabled to an existing namespace",
      commands: ["deploy"],
    },
    {
      name: "--token <token>",
      option: "token",
      description: "bearer token (or MLSHIP_KYMA_TOKEN)",
      commands: ["invoke", "score"],
    },
    {
      name: "--min-instances <n>",
      option: "minInstances",
      description: "autoscaling (HPA on CPU): fewest replicas (with --max-instances)",
      commands: ["deploy"],
    },
    {
      name: "--max-instances <n>",
      option: "maxInstances",
      description: "autoscaling (HPA on CPU): most replicas",
      commands: ["deploy"],
    },
    {
      name: "--target-cpu <percent>",
      option: "targetCpuUtilization",
      description: "autoscaling: average CPU utilisation to hold, % of the CPU request (default 70)",
      commands: ["deploy"],
    },
  ],
  async create(options, services) {
    const { createKymaTarget } = await import("./target.js");
    const { minInstances, maxInstances, targetCpuUtilization, ...targetOptions } = options;
    const autoscaling = autoscalingFromFlags(minInstances, maxInstances, targetCpuUtilization);
    return {
      deploy: createKymaTarget({
        ...targetOptions,
        ...(autoscaling ? { autoscaling } : {}),
        models: services.models,
      }),
    };
  },
});
