import type { DeployPlan, JsonObject, OperationContext, PlannedChange } from "@mlship/core";
import { checkAutoscaling, HPA_TYPE, hpaManifest, type KymaAutoscaling } from "./autoscaler.js";
import type { KymaContext } from "./context.js";
import { modelUrlLifetime, urlExpirySeconds } from "./credentials.js";
import { TARGET_NAME } from "./deployment-view.js";
import { discoverDomain } from "./domain.js";
import type { KubeApi, KubeObject } from "./kube.js";
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
import { type NamespaceStep, planNamespace } from "./namespace.js";
import type { KymaDeploySpec } from "./options.js";
import { readManaged, readManagedSecrets } from "./ownership.js";
import { ecrRegistryOf } from "./pull-secret.js";
import {
  checkResources,
  resolveAuth,
  validateName,
  validatePlacement,
  validateReplicas,
} from "./validate.js";

/** What apply needs, kept in the plan's `inputs` (JSON, no secrets). */
export interface KymaPlanInputs {
  /** Everything the Deployment, Service and APIRule manifests are made from. */
  workload: DeploymentPlan;
  namespaceStep: NamespaceStep;
  /** Pack and upload this local source dir to the source bundle URI first. */
  upload?: { sourceDir: string; uri: string };
  /** The image is from ECR: write a fresh pull secret. */
  pullSecret: boolean;
  /** Which of the three workload objects exist and whether applying changes them. */
  objects: {
    deployment: PlannedChange["action"];
    service: PlannedChange["action"];
    apiRule: PlannedChange["action"];
    /** The HorizontalPodAutoscaler, when one is asked for or one is left from an earlier deploy. */
    hpa?: PlannedChange["action"];
  };
  /** The HPA's limits and target, when the spec asks for autoscaling. */
  autoscaling?: Required<KymaAutoscaling>;
  removePullSecret: boolean;
  wait: boolean;
  /** The spec's domain/gateway, for the URL `get` reports after the wait. */
  exposure: { domain?: string; gateway: string };
}

/** A deploy's settings, all checked before anything is read from the cluster. */
interface CheckedSpec {
  name: string;
  namespace: string;
  gateway: string;
  auth: ApiAuth;
  replicas: number;
  resources: Resources;
  autoscaling?: Required<KymaAutoscaling>;
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
  const autoscaling = spec.autoscaling ? checkAutoscaling(spec.autoscaling, resources) : undefined;
  return {
    name: spec.name,
    namespace,
    gateway,
    auth,
    replicas,
    resources,
    ...(autoscaling ? { autoscaling } : {}),
  };
}

function workloadOf(
  checked: CheckedSpec,
  spec: KymaDeploySpec,
  model: ResolvedModel,
  pullSecret: boolean,
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
    ...(pullSecret ? { pullSecret: pullSecretName(checked.name) } : {}),
    urlsSecret: urlsSecretName(checked.name),
    auth: checked.auth,
    gateway: checked.gateway,
    ...(host ? { host } : {}),
    ...(checked.autoscaling ? { autoscaled: true } : {}),
  };
}

/** create when absent; else a server-side dry run says whether applying would change it. */
async function actionFor(kube: KubeApi, existing: KubeObject | undefined, manifest: KubeObject) {
  if (!existing) return "create" as const;
  const after = await kube.apply(manifest, { dryRun: true });
  return after.metadata.resourceVersion === existing.metadata.resourceVersion
    ? ("unchanged" as const)
    : ("update" as const);
}

const NAMESPACE_CHANGE: Record<NamespaceStep, PlannedChange["action"] | undefined> = {
  create: "create",
  label: "update",
  none: undefined,
  unknown: undefined,
};

function changesOf(inputs: KymaPlanInputs): PlannedChange[] {
  const { name, namespace } = inputs.workload;
  const at = (n: string) => `${namespace}/${n}`;
  const changes: PlannedChange[] = [];
  if (inputs.upload) {
    changes.push({
      action: "create",
      kind: "S3Object",
      name: inputs.upload.uri,
      reason: `packed from ${inputs.upload.sourceDir}`,
    });
  }
  const ns = NAMESPACE_CHANGE[inputs.namespaceStep];
  if (ns) {
    const reason = ns === "create" ? "with istio-injection=enabled" : "add istio-injection=enabled";
    changes.push({ action: ns, kind: "Namespace", name: namespace, reason });
  }
  const secretAction = inputs.objects.deployment === "create" ? "create" : "update";
  if (inputs.pullSecret) {
    changes.push({
      action: secretAction,
      kind: "Secret",
      name: at(pullSecretName(name)),
      reason: "fresh ECR pull token (12 h)",
    });
  }
  changes.push({
    action: secretAction,
    kind: "Secret",
    name: at(urlsSecretName(name)),
    reason: "fresh presigned model URLs",
  });
  changes.push({ action: inputs.objects.deployment, kind: "Deployment", name: at(name) });
  const scaling = inputs.autoscaling;
  if (inputs.objects.hpa) {
    changes.push({
      action: inputs.objects.hpa,
      kind: "HorizontalPodAutoscaler",
      name: at(name),
      reason: scaling
        ? `${scaling.minInstances}-${scaling.maxInstances} replicas at ${scaling.targetCpuUtilization} % CPU`
        : "no autoscaling asked for",
    });
  }
  changes.push({ action: inputs.objects.service, kind: "Service", name: at(name) });
  changes.push({
    action: inputs.objects.apiRule,
    kind: "APIRule",
    name: at(name),
    reason: `${inputs.workload.auth.mode}`,
  });
  if (inputs.removePullSecret) {
    changes.push({
      action: "delete",
      kind: "Secret",
      name: at(pullSecretName(name)),
      reason: "the image is no longer from ECR",
    });
  }
  return changes;
}

/** Create, update or keep the HPA the spec asks for; delete one an earlier deploy made when it asks for none. */
async function hpaAction(kube: KubeApi, checked: CheckedSpec): Promise<{ hpa?: PlannedChange["action"] }> {
  const existing = await readManaged(kube, HPA_TYPE, checked.namespace, checked.name);
  if (checked.autoscaling) {
    return {
      hpa: await actionFor(kube, existing, hpaManifest(checked.name, checked.namespace, checked.autoscaling)),
    };
  }
  return existing ? { hpa: "delete" } : {};
}

/** What deploy(spec) will change on the cluster (and in S3), found with reads and server-side dry runs. */
export async function planDeploy(
  kyma: KymaContext,
  spec: KymaDeploySpec,
  ctx?: OperationContext,
): Promise<DeployPlan> {
  const checked = checkSpec(kyma, spec);
  // Credentials that cannot sign model URLs (expired) fail the plan, before anything is written.
  await modelUrlLifetime(kyma);
  const { name, namespace } = checked;
  const kube = kyma.kube();
  const existing = await readManaged(kube, TYPES.deployment, namespace, name);
  const service = await readManaged(kube, TYPES.service, namespace, name);
  const apiRule = await readManaged(kube, TYPES.apiRule, namespace, name);
  await readManagedSecrets(kube, namespace, name);
  const region = kyma.region;
  const model = await resolveModel(
    spec,
    { models: kyma.models, namespace, ...(region ? { region } : {}) },
    ctx,
  );
  const domain = spec.domain ?? kyma.options.domain ?? (await discoverDomain(kube, checked.gateway));
  const host = domain ? `${name}.${domain}` : undefined;
  const namespaceStep = await planNamespace(
    kube,
    namespace,
    spec.labelNamespace ?? kyma.options.labelNamespace ?? false,
  );
  const pullSecret = ecrRegistryOf(model.image) !== undefined;
  const workload = workloadOf(checked, spec, model, pullSecret, host);
  const inputs: KymaPlanInputs = {
    workload,
    namespaceStep,
    ...(model.upload ? { upload: model.upload } : {}),
    pullSecret,
    objects: {
      deployment: await actionFor(kube, existing, deploymentManifest(workload)),
      service: await actionFor(kube, service, serviceManifest(workload)),
      apiRule: await actionFor(kube, apiRule, apiRuleManifest(workload)),
      ...(await hpaAction(kube, checked)),
    },
    ...(checked.autoscaling ? { autoscaling: checked.autoscaling } : {}),
    removePullSecret:
      !pullSecret &&
      existing !== undefined &&
      (await kube.read(TYPES.secret, namespace, pullSecretName(name))) !== undefined,
    wait: spec.wait !== false,
    exposure: { ...(spec.domain ? { domain: spec.domain } : {}), gateway: checked.gateway },
  };
  const notes: string[] = [];
  if (!host) {
    notes.push(
      `Cannot read the domain from the ${checked.gateway} Gateway: the deployment's URL stays unknown until you pass \`domain\``,
    );
  }
  if (namespaceStep === "unknown")
    notes.push(
      `Cannot read namespace ${namespace} with these credentials; assuming it exists with istio-injection=enabled`,
    );
  return {
    target: TARGET_NAME,
    name,
    operation: existing ? "update" : "create",
    changes: changesOf(inputs),
    ...(notes.length > 0 ? { notes } : {}),
    inputs: inputs as unknown as JsonObject,
  };
}
