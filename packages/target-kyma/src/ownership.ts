import { MlshipError } from "@mlship/core";
import type { KubeApi, KubeObject } from "./kube.js";
import { LABELS, MANAGED_BY, pullSecretName, TYPES, urlsSecretName } from "./manifests.js";

export type ObjectType = (typeof TYPES)[keyof typeof TYPES];

export function isManaged(object: KubeObject | undefined): boolean {
  return object?.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
}

/** The object, undefined when absent; E_ALREADY_EXISTS when it exists and mlship did not create it. */
export async function readManaged(
  kube: KubeApi,
  type: ObjectType,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  const object = await kube.read(type, namespace, name);
  if (object && !isManaged(object)) {
    throw new MlshipError(
      "E_ALREADY_EXISTS",
      `${type.kind} ${namespace}/${name} exists and is not managed by mlship`,
      {
        where: `${type.kind.toLowerCase()}/${name}`,
        hint: "Choose another deployment name or namespace; mlship never takes over or deletes objects it did not create.",
      },
    );
  }
  return object;
}

/** The pull and URL secrets are written by name too: refuse someone else's before touching anything. */
export async function readManagedSecrets(kube: KubeApi, namespace: string, name: string): Promise<void> {
  await readManaged(kube, TYPES.secret, namespace, pullSecretName(name));
  await readManaged(kube, TYPES.secret, namespace, urlsSecretName(name));
}

/** The Deployment mlship made under this name, with its secrets checked as mlship's too; else E_NOT_FOUND. */
export async function managedDeployment(kube: KubeApi, namespace: string, name: string): Promise<KubeObject> {
  const deployment = await readManaged(kube, TYPES.deployment, namespace, name);
  if (!deployment) {
    throw new MlshipError("E_NOT_FOUND", `No Kyma deployment ${name} in namespace ${namespace}`, {
      where: `deployment/${name}`,
    });
  }
  await readManagedSecrets(kube, namespace, name);
  return deployment;
}
