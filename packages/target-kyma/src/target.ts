import {
  type CredentialsRefresh,
  type Deployment,
  type DeploymentLogLine,
  type DeploymentLogOptions,
  type DeployPlan,
  type DeployTarget,
  type Invoker,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
import { applyPlan } from "./apply.js";
import { createKymaContext, type KymaContext } from "./context.js";
import { refreshCredentials, refreshPullSecret } from "./credentials.js";
import { deploymentLogs } from "./deployment-logs.js";
import { TARGET_NAME } from "./deployment-view.js";
import { createKymaInvoker, TOKEN_ENV } from "./invoker.js";
import { getDeployment, listDeployments } from "./lookup.js";
import type { KymaDeploySpec, KymaTargetOptions } from "./options.js";
import { planDeploy } from "./plan.js";
import type { PullSecretInfo } from "./pull-secret.js";
import { deleteDeployment } from "./remove.js";

export interface KymaTarget extends DeployTarget {
  readonly name: "kyma";
  deploy(spec: KymaDeploySpec, ctx?: OperationContext): Promise<Deployment>;
  plan(spec: KymaDeploySpec, ctx?: OperationContext): Promise<DeployPlan>;
  apply(plan: DeployPlan, ctx?: OperationContext): Promise<Deployment>;
  update(name: string, spec: Omit<KymaDeploySpec, "name">, ctx?: OperationContext): Promise<Deployment>;
  /** Renews the ECR pull secret of a deployment (tokens last 12 hours); returns its new expiry. */
  refreshPullSecret(name: string, ctx?: OperationContext): Promise<PullSecretInfo>;
  /** Renews the ECR pull secret (when the image is from ECR) and the presigned model URLs. */
  refreshCredentials(name: string, ctx?: OperationContext): Promise<CredentialsRefresh>;
  /** The model container's log in the deployment's pods (`kubectl logs [-f]`), lines tagged `<pod>/model`. */
  logs(
    name: string,
    options?: DeploymentLogOptions,
    ctx?: OperationContext,
  ): AsyncIterable<DeploymentLogLine>;
}

/** An invoker for the deployment's public URL, with the bearer token its jwt APIRule needs. */
async function invokerFor(kyma: KymaContext, name: string, ctx?: OperationContext): Promise<Invoker> {
  const { options } = kyma;
  const deployment = await getDeployment(kyma, name);
  const auth = deployment.details?.auth;
  const url = options.invokeBaseUrl ?? deployment.url;
  if (!url) {
    throw new MlshipError("E_CONFIG", `The public host of ${name} is unknown`, {
      where: "domain",
      hint: "Pass `domain` (the cluster's domain, e.g. c-1a2b.kyma.ondemand.com) or invokeBaseUrl.",
    });
  }
  const token = options.token ?? process.env[TOKEN_ENV];
  if (auth === "jwt" && !token) {
    throw new MlshipError("E_CREDENTIALS", `${name} is protected by JWT and no token is configured`, {
      where: "token",
      hint: `Set ${TOKEN_ENV} (or the token option) to a bearer token from the issuer the APIRule trusts.`,
    });
  }
  return createKymaInvoker({
    url,
    ...(auth === "jwt" && token ? { token } : { anonymous: true }),
    ...(options.invokeTimeoutMs !== undefined ? { timeoutMs: options.invokeTimeoutMs } : {}),
    ...(options.invokeRetries !== undefined ? { retries: options.invokeRetries } : {}),
    ...(ctx?.events ? { events: ctx.events } : {}),
  });
}

/** The Kyma deploy target: each operation lives in a module of its own, over one lazily connected context. */
export function createKymaTarget(options: KymaTargetOptions = {}): KymaTarget {
  const kyma = createKymaContext(options);
  const scaling = options.autoscaling;
  const withDefaults = <S extends KymaDeploySpec>(spec: S): S =>
    spec.autoscaling || !scaling ? spec : { ...spec, autoscaling: scaling };
  const deploy = async (spec: KymaDeploySpec, ctx?: OperationContext) =>
    applyPlan(kyma, await planDeploy(kyma, withDefaults(spec), ctx), ctx);
  return {
    name: TARGET_NAME,
    deploy,
    plan: (spec, ctx) => planDeploy(kyma, withDefaults(spec), ctx),
    apply: (plan, ctx) => applyPlan(kyma, plan, ctx),
    get: (name) => getDeployment(kyma, name),
    list: (listOptions) => listDeployments(kyma, listOptions),
    async update(name, spec, ctx) {
      // The deployment to update lives where the spec deploys to.
      await getDeployment(kyma, name, kyma.namespaceOf(spec));
      return deploy({ ...spec, name }, ctx);
    },
    delete: (name, ctx) => deleteDeployment(kyma, name, ctx),
    invoker: (name, ctx) => invokerFor(kyma, name, ctx),
    refreshPullSecret: (name, ctx) => refreshPullSecret(kyma, name, ctx),
    refreshCredentials: (name, ctx) => refreshCredentials(kyma, name, ctx),
    logs: (name, logOptions, ctx) => deploymentLogs(kyma, name, logOptions, ctx),
  };
}
