import { emit, type OperationContext } from "@mlship/core";
import { HPA_TYPE } from "./autoscaler.js";
import type { KymaContext } from "./context.js";
import { pullSecretName, TYPES, urlsSecretName } from "./manifests.js";
import { namespaceIsEmpty, readNamespaceIfManaged } from "./namespace.js";
import { isManaged, type ObjectType, readManaged } from "./ownership.js";
import { validateName } from "./validate.js";

/** Removes what mlship made for the deployment (and its namespace, when mlship made it and it is now empty). */
export async function deleteDeployment(
  kyma: KymaContext,
  name: string,
  ctx?: OperationContext,
): Promise<void> {
  validateName(name);
  const namespace = kyma.namespaceOf();
  const kube = kyma.kube();
  emit(ctx, {
    type: "deploy.status",
    name,
    status: "Deleting",
    message: `Deleting ${name} from namespace ${namespace}`,
  });
  // Refuse before removing anything if the name belongs to someone else.
  await readManaged(kube, TYPES.deployment, namespace, name);
  const owned: Array<[ObjectType, string]> = [
    [HPA_TYPE, name],
    [TYPES.apiRule, name],
    [TYPES.service, name],
    [TYPES.deployment, name],
    [TYPES.secret, urlsSecretName(name)],
    [TYPES.secret, pullSecretName(name)],
  ];
  for (const [type, objectName] of owned) {
    const object = await kube.read(type, namespace, objectName);
    if (object && isManaged(object)) await kube.remove(type, namespace, objectName);
  }
  if ((await readNamespaceIfManaged(kube, namespace)) && (await namespaceIsEmpty(kube, namespace))) {
    emit(ctx, {
      type: "deploy.status",
      name,
      status: "Deleting",
      message: `Deleting namespace ${namespace} (created by mlship, now empty)`,
    });
    await kube.remove(TYPES.namespace, undefined, namespace);
  }
  emit(ctx, { type: "deploy.status", name, status: "NotFound", message: `Deleted ${name}` });
}
