import { emit, isMlshipError, MlshipError, type OperationContext } from "@mlship/core";
import type { KubeApi, KubeObject } from "./kube.js";
import { LABELS, namespaceManifest, TYPES } from "./manifests.js";
import { isManaged } from "./ownership.js";

const SYSTEM_CONFIGMAPS = new Set(["kube-root-ca.crt", "istio-ca-root-cert"]);

/**
 * What the namespace needs: `create` (absent), `label` (add istio-injection=enabled, only when allowed),
 * `none`, or `unknown` (these credentials may not read Namespace objects; assumed to exist, labelled).
 */
export type NamespaceStep = "create" | "label" | "none" | "unknown";

export async function planNamespace(kube: KubeApi, name: string, label: boolean): Promise<NamespaceStep> {
  let existing: KubeObject | undefined;
  try {
    existing = await kube.read(TYPES.namespace, undefined, name);
  } catch (error) {
    // Namespace-scoped credentials (a Kyma service account) may not read Namespace objects at all.
    if (!isMlshipError(error) || error.code !== "E_PERMISSION") throw error;
    return "unknown";
  }
  if (!existing) return "create";
  if (existing.metadata.labels?.[LABELS.istioInjection] === "enabled") return "none";
  if (!label) {
    throw new MlshipError(
      "E_CONFIG",
      `Namespace ${name} does not have the label istio-injection=enabled: its pods would get no Istio sidecar and the APIRule could not reach them`,
      {
        where: `namespace/${name}`,
        hint: `Run \`kubectl label namespace ${name} istio-injection=enabled\`, or let mlship add the label (labelNamespace: true / --label-namespace).`,
      },
    );
  }
  return "label";
}

/** Carries out the planned step: creates the namespace with istio-injection=enabled, or adds the label (the plan notes `unknown`). */
export async function applyNamespace(
  kube: KubeApi,
  name: string,
  step: NamespaceStep,
  deployment: string,
  ctx?: OperationContext,
): Promise<void> {
  if (step === "create") {
    emit(ctx, {
      type: "deploy.status",
      name: deployment,
      status: "Creating",
      message: `Creating namespace ${name} (istio-injection=enabled)`,
    });
    await kube.apply(namespaceManifest(name, { created: true }));
  }
  if (step === "label") {
    emit(ctx, {
      type: "deploy.status",
      name: deployment,
      status: "Creating",
      message: `Labelling namespace ${name} istio-injection=enabled`,
    });
    await kube.apply({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { [LABELS.istioInjection]: "enabled" } },
    });
  }
}

/** True when nothing but what Kubernetes/Istio put into every namespace is left. */
export async function namespaceIsEmpty(kube: KubeApi, namespace: string): Promise<boolean> {
  const alive = (o: KubeObject) => !o.metadata.deletionTimestamp;
  const [deployments, services, rules, pods, secrets, configMaps] = await Promise.all([
    kube.list(TYPES.deployment, namespace),
    kube.list(TYPES.service, namespace),
    kube.list(TYPES.apiRule, namespace),
    kube.list(TYPES.pod, namespace),
    kube.list(TYPES.secret, namespace),
    kube.list({ apiVersion: "v1", kind: "ConfigMap" }, namespace),
  ]);
  return (
    deployments.filter(alive).length === 0 &&
    services.filter(alive).length === 0 &&
    rules.filter(alive).length === 0 &&
    pods.filter(alive).length === 0 &&
    secrets.filter((s) => alive(s) && s.type !== "kubernetes.io/service-account-token").length === 0 &&
    configMaps.filter((c) => alive(c) && !SYSTEM_CONFIGMAPS.has(c.metadata.name)).length === 0
  );
}

/** The namespace, when mlship created it and nothing of anyone's is left in it (undefined when unreadable). */
export async function readNamespaceIfManaged(
  kube: KubeApi,
  namespace: string,
): Promise<KubeObject | undefined> {
  const ns = await kube.read(TYPES.namespace, undefined, namespace).catch((error: unknown) => {
    if (isMlshipError(error) && error.code === "E_PERMISSION") return undefined;
    throw error;
  });
  return isManaged(ns) ? ns : undefined;
}
