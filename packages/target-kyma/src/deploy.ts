import { abortError, type Deployment, emit, type OperationContext } from "@mlship/core";
import type { KymaContext } from "./context.js";
import { applyModelUrls, urlExpirySeconds } from "./credentials.js";
import { toDeployment } from "./deployment-view.js";
import { discoverDomain } from "./domain.js";
import {
  type ApiAuth,
  apiRuleManifest,
  DEFAULT_RESOURCES,
  type DeploymentPlan,
  deploymentManifest,
  pullSecretName,
  type Resources,
  serviceManifest,
  TYPES,
  urlsSecretName,
} from "./manifests.js";
import { type ResolvedModel, resolveModel } from "./model-source.js";
import { ensureNamespace } from "./namespace.js";
import type { KymaDeploySpec } from "./options.js";
import { readManaged, readManagedSecrets } from "./ownership.js";
import { buildPullSecret } from "./pull-secret.js";
import { waitUntilReady } from "./rollout.js";
import { rolloutState } from "./status.js";
import {
  checkResources,
  resolveAuth,
  validateName,
  validatePlacement,
  validateReplicas,
} from "./validate.js";

/** A deploy's settings, all checked before anything is read from or written to the cluster. */
interface CheckedSpec {
  name: string;
  namespace: string;
  gateway: string;
  auth: ApiAuth;
  replicas: number;
  resources: Resources;
}

function checkSpec(kyma: KymaContext, spec: KymaDeploySpec): CheckedSpec {
  validateName(spec.name);
  const namespace = kyma.namespaceOf(spec);
  const auth = resolveAuth(spec, kyma.options);
  const replicas = spec.instanceCount ?? 1;
  validateReplicas(replicas);
  const gateway = kyma.gatewayOf(spec);
  validatePlacement(namespace, gateway, spec.domain ?? kyma.options.domain);
  urlExpirySeconds(kyma);
  const resources = checkResources(spec.resources ?? kyma.options.resources ?? DEFAULT_RESOURCES);
  return { name: spec.name, namespace, gateway, auth, replicas, resources };
}

/** The public host, or undefined (with a warning) when the domain is neither given nor discoverable. */
async function resolveHost(
  kyma: KymaContext,
  spec: KymaDeploySpec,
  gateway: string,
  ctx?: OperationContext,
): Promise<string | undefined> {
  const domain = spec.domain ?? kyma.options.domain ?? (await discoverDomain(kyma.kube(), gateway));
  if (domain) return `${spec.name}.${domain}`;
  emit(ctx, {
    type: "log",
    level: "warn",
    message: `Cannot read the domain from the ${gateway} Gateway: the deployment's URL stays unknown until you pass \`domain\``,
  });
  return undefined;
}

function manifestInput(
  checked: CheckedSpec,
  spec: KymaDeploySpec,
  model: ResolvedModel,
  pullSecret: string | undefined,
  host: string | undefined,
): DeploymentPlan {
  return {
    name: checked.name,
    namespace: checked.namespace,
    image: model.image,
    replicas: checked.replicas,
    resources: checked.resources,
    environment: spec.environment ?? {},
    source: model.source,
    modelData: model.modelData,
    sourceBundle: model.sourceBundle,
    entryPoint: model.entryPoint,
    ...(model.region ? { region: model.region } : {}),
    ...(pullSecret ? { pullSecret } : {}),
    urlsSecret: urlsSecretName(checked.name),
    auth: checked.auth,
    gateway: checked.gateway,
    ...(host ? { host } : {}),
  };
}

/** Writes the namespace, secrets, Deployment, Service and APIRule for the spec, then waits unless told not to. */
export async function deploy(
  kyma: KymaContext,
  spec: KymaDeploySpec,
  ctx?: OperationContext,
): Promise<Deployment> {
  const checked = checkSpec(kyma, spec);
  const { name, namespace } = checked;
  const kube = kyma.kube();
  // Checked before each write: an abort stops the deploy at the next step instead of after the last.
  const stopIfAborted = () => {
    if (ctx?.signal?.aborted) throw abortError(ctx.signal, `Deploying ${name}`);
  };
  stopIfAborted();
  emit(ctx, {
    type: "deploy.status",
    name,
    status: "Creating",
    message: `Deploying ${name} to namespace ${namespace}`,
  });
  const existing = await readManaged(kube, TYPES.deployment, namespace, name);
  await readManaged(kube, TYPES.service, namespace, name);
  await readManaged(kube, TYPES.apiRule, namespace, name);
  await readManagedSecrets(kube, namespace, name);
  // Everything that can fail without touching the cluster comes first.
  const region = kyma.region;
  const model = await resolveModel(
    spec,
    { sagemaker: kyma.sagemaker, s3: kyma.s3, namespace, ...(region ? { region } : {}) },
    ctx,
  );
  const host = await resolveHost(kyma, spec, checked.gateway, ctx);
  stopIfAborted();
  await ensureNamespace(kube, namespace, spec.labelNamespace ?? kyma.options.labelNamespace ?? false, ctx);
  const pull = await buildPullSecret(kyma.ecrFor(model.image), {
    owner: name,
    namespace,
    image: model.image,
  });
  stopIfAborted();
  if (pull) {
    await kube.apply(pull.manifest);
    const message = `ECR pull secret ${pull.info.name} valid until ${pull.info.expiresAt}`;
    emit(ctx, { type: "deploy.status", name, status: "Creating", message });
  }
  stopIfAborted();
  const urlsExpireAt = await applyModelUrls(kyma, name, namespace, model.modelData, model.sourceBundle);
  const input = manifestInput(checked, spec, model, pull?.info.name, host);
  stopIfAborted();
  await kube.apply(deploymentManifest(input));
  await kube.apply(serviceManifest(input));
  await kube.apply(apiRuleManifest(input));
  // A redeploy away from an ECR image leaves no pull secret behind for `get` to report as due or expired.
  if (!pull && existing) await kube.remove(TYPES.secret, namespace, pullSecretName(name));
  emit(ctx, {
    type: "deploy.status",
    name,
    status: existing ? "Updating" : "Creating",
    message: `Applied Deployment, Service and APIRule ${name} (${checked.auth.mode})${host ? ` for https://${host}` : ""}`,
  });
  if (spec.wait === false) {
    const state = rolloutState(
      await kube.read(TYPES.deployment, namespace, name),
      await kube.read(TYPES.apiRule, namespace, name),
    );
    return toDeployment(kyma, state, namespace, host, { pull: pull?.info, urlsExpireAt });
  }
  return waitUntilReady(kyma, namespace, name, pull?.info, spec, ctx);
}
