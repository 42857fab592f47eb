import type { S3Client } from "@aws-sdk/client-s3";
import type { KubeConfig } from "@kubernetes/client-node";
import type { DeploySpec, ModelResolver } from "@mlship/core";
import type { KymaAutoscaling } from "./autoscaler.js";
import type { KubeApi } from "./kube.js";
import type { Resources } from "./manifests.js";
import type { EcrApi } from "./pull-secret.js";

/** `none` is accepted as an alias of `noAuth` (the CLI's `--auth none`). */
export type KymaAuth = "jwt" | "noAuth" | "none";

/** Settings that can be given per target and overridden per deployment. */
export interface KymaExposureOptions {
  /** Namespace (default: the kubeconfig context's, else `default`). */
  namespace?: string;
  /** Add `istio-injection=enabled` to an existing namespace that lacks it (default false: fail and explain). */
  labelNamespace?: boolean;
  /** `jwt` (default) or `noAuth` — an unauthenticated public endpoint only when asked for explicitly. */
  auth?: KymaAuth;
  /** JWT issuer (e.g. `https://<tenant>.accounts.ondemand.com` for SAP Cloud Identity Services). */
  jwtIssuer?: string;
  /** JWKS URI of the issuer (e.g. `https://<tenant>.accounts.ondemand.com/oauth2/certs`). */
  jwksUri?: string;
  /** Public domain (default: read from the `kyma-gateway` Gateway's hosts). */
  domain?: string;
  /** Istio gateway `namespace/name` (default `kyma-system/kyma-gateway`). */
  gateway?: string;
  /** Container requests/limits (default requests cpu 250m / memory 512Mi, limit memory 1Gi). */
  resources?: Resources;
}

export interface KymaTargetOptions extends KymaExposureOptions {
  /** A ready KubeConfig (programmatic use). */
  kubeConfig?: KubeConfig;
  /** Path to a kubeconfig file (the Kyma dashboard's `kubeconfig.yml`); default `KUBECONFIG` / `~/.kube/config`. */
  kubeconfig?: string;
  /** kubeconfig context (default: its current context). */
  context?: string;
  /** AWS region for the image, ECR and S3 (default: the SDK chain / the training job's region). */
  region?: string;
  /** AWS named profile for ECR and S3 (the seed's `profile_name`). */
  profileName?: string;
  /** Alias of profileName. */
  profile?: string;
  /** One endpoint for every AWS service (the emulator, a compatible API). */
  endpoint?: string;
  /** Bearer token for invoking jwt-protected deployments (default env `MLSHIP_KYMA_TOKEN`). Never logged. */
  token?: string;
  /** Lifetime of the presigned model/code URLs in seconds (default 7 days, the S3 maximum). */
  urlExpirySeconds?: number;
  /** How long deploy waits for Available + Ready (default 15 minutes). */
  waitTimeoutMs?: number;
  /** Poll interval while waiting (default 3 s). */
  pollIntervalMs?: number;
  /** Invoke this base URL instead of `https://<host>` (e.g. a `kubectl port-forward`, or a test server). */
  invokeBaseUrl?: string;
  /** Per-request timeout and retries of the invoker (defaults 60 s / 3). */
  invokeTimeoutMs?: number;
  invokeRetries?: number;
  /**
   * Resolves `model.trainingJob` to its artifact, code and image: e.g. `createSageMakerTarget(...).models`.
   * The plugin passes core's model resolver service (every loaded plugin's resolver).
   */
  models?: ModelResolver;
  /** Autoscaling for deploys whose spec sets none (the plugin's `--min-instances` / `--max-instances` flags). */
  autoscaling?: KymaAutoscaling;
  /** Injected ports (tests, custom clients). */
  kube?: KubeApi;
  s3?: S3Client;
  ecr?: EcrApi;
  /** Clock (tests). */
  now?: () => Date;
}

/** A DeploySpec with the Kyma settings that may differ per deployment. */
export interface KymaDeploySpec extends DeploySpec, KymaExposureOptions {
  /** A HorizontalPodAutoscaler on CPU utilisation instead of a fixed `instanceCount`. */
  autoscaling?: KymaAutoscaling;
}
