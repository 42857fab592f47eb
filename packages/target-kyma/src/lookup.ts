import { type Deployment, type ListOptions, MlshipError } from "@mlship/core";
import { HPA_TYPE, withAutoscaler } from "./autoscaler.js";
import type { KymaContext } from "./context.js";
import { hostOf, secretsOf, toDeployment } from "./deployment-view.js";
import { discoverDomain } from "./domain.js";
import { ANNOTATIONS, LABELS, MANAGED_BY, TYPES } from "./manifests.js";
import { isManaged } from "./ownership.js";
import { observe, rolloutState } from "./status.js";
import { validateName } from "./validate.js";

/** A deployment mlship made, with its rollout and secrets observed; E_NOT_FOUND for anything else. */
export async function getDeployment(
  kyma: KymaContext,
  name: string,
  inNamespace?: string,
): Promise<Deployment> {
  validateName(name);
  const namespace = inNamespace ?? kyma.namespaceOf();
  const deployment = await kyma.kube().read(TYPES.deployment, namespace, name);
  if (deployment && !isManaged(deployment)) {
    throw new MlshipError(
      "E_NOT_FOUND",
      `Deployment ${namespace}/${name} exists but was not deployed by mlship`,
      {
        where: `deployment/${name}`,
        details: { namespace },
      },
    );
  }
  if (!deployment) {
    throw new MlshipError("E_NOT_FOUND", `No Kyma deployment ${name} in namespace ${namespace}`, {
      where: `deployment/${name}`,
      details: { namespace },
    });
  }
  const secrets = await secretsOf(kyma, namespace, name);
  const state = await observe(kyma.kube(), namespace, name, secrets.pull);
  if (!state.deployment)
    throw new MlshipError("E_NOT_FOUND", `No Kyma deployment ${name} in namespace ${namespace}`);
  const hpa = await kyma.kube().read(HPA_TYPE, namespace, name);
  const found = toDeployment(kyma, state, namespace, await hostOf(kyma, state.deployment), secrets);
  return withAutoscaler(found, hpa && isManaged(hpa) ? hpa : undefined);
}

/** mlship's deployments in the target's namespace, from the Deployments and APIRules alone (no pod reads). */
export async function listDeployments(kyma: KymaContext, listOptions?: ListOptions): Promise<Deployment[]> {
  const namespace = kyma.namespaceOf();
  const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
  const [deployments, rules] = await Promise.all([
    kyma.kube().list(TYPES.deployment, namespace, selector),
    kyma.kube().list(TYPES.apiRule, namespace, selector),
  ]);
  const domain = kyma.options.domain ?? (await discoverDomain(kyma.kube(), kyma.gatewayOf()));
  const out: Deployment[] = [];
  for (const d of deployments) {
    if (listOptions?.nameContains && !d.metadata.name.includes(listOptions.nameContains)) continue;
    const rule = rules.find((r) => r.metadata.name === d.metadata.name);
    const host =
      d.metadata.annotations?.[ANNOTATIONS.host] ?? (domain ? `${d.metadata.name}.${domain}` : undefined);
    out.push(toDeployment(kyma, rolloutState(d, rule), namespace, host, {}));
    if (listOptions?.maxResults && out.length >= listOptions.maxResults) break;
  }
  return out;
}
