import type { Deployment } from "@mlship/core";
import type { KymaContext } from "./context.js";
import { discoverDomain } from "./domain.js";
import type { KubeObject } from "./kube.js";
import { ANNOTATIONS, MODEL_CONTAINER, pullSecretName, TYPES, urlsSecretName } from "./manifests.js";
import type { KymaExposureOptions } from "./options.js";
import { type PullSecretInfo, pullSecretInfo } from "./pull-secret.js";
import type { rolloutState } from "./status.js";

export const TARGET_NAME = "kyma";

/** What `get` reports about the secrets a deployment runs on. */
export interface SecretsState {
  pull?: PullSecretInfo | undefined;
  urlsExpireAt?: string | undefined;
  urlsTemporaryCredentials?: boolean | undefined;
}

export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
  return o;
}

/** The image of the model container in a Deployment. */
export function modelImage(deployment: KubeObject): string | undefined {
  const spec = deployment.spec as {
    template?: { spec?: { containers?: Array<{ name: string; image?: string }> } };
  };
  return (spec.template?.spec?.containers ?? []).find((c) => c.name === MODEL_CONTAINER)?.image;
}

/** The recorded public host, else `<name>.<domain>` when the domain is given or discoverable. */
export async function hostOf(
  kyma: KymaContext,
  deployment: KubeObject,
  spec?: KymaExposureOptions,
): Promise<string | undefined> {
  const recorded = deployment.metadata.annotations?.[ANNOTATIONS.host];
  if (recorded) return recorded;
  const domain =
    spec?.domain ?? kyma.options.domain ?? (await discoverDomain(kyma.kube(), kyma.gatewayOf(spec)));
  return domain ? `${deployment.metadata.name}.${domain}` : undefined;
}

export async function secretsOf(kyma: KymaContext, namespace: string, name: string): Promise<SecretsState> {
  const [pull, urls] = await Promise.all([
    kyma.kube().read(TYPES.secret, namespace, pullSecretName(name)),
    kyma.kube().read(TYPES.secret, namespace, urlsSecretName(name)),
  ]);
  return {
    pull: pullSecretInfo(pull),
    urlsExpireAt: urls?.metadata.annotations?.[ANNOTATIONS.urlsExpireAt],
    urlsTemporaryCredentials: urls?.metadata.annotations?.[ANNOTATIONS.urlsTemporaryCredentials] === "true",
  };
}

/** The core Deployment record of a rollout, with Kyma's particulars (host, image, secrets' expiry) in details. */
export function toDeployment(
  kyma: KymaContext,
  state: ReturnType<typeof rolloutState>,
  namespace: string,
  host: string | undefined,
  secrets: SecretsState,
): Deployment {
  const d = state.deployment as KubeObject;
  const annotations = d.metadata.annotations ?? {};
  const at = kyma.now().getTime();
  const details = compact({
    namespace,
    host,
    image: modelImage(d),
    auth: annotations[ANNOTATIONS.auth],
    modelData: annotations[ANNOTATIONS.modelData],
    sourceBundle: annotations[ANNOTATIONS.sourceBundle],
    entryPoint: annotations[ANNOTATIONS.entryPoint],
    replicas: state.replicas,
    apiRuleState: state.apiRuleState,
    apiRuleDescription: state.apiRuleDescription,
    message: state.message,
    pullSecret: secrets.pull?.name,
    pullSecretExpiresAt: secrets.pull?.expiresAt,
    pullSecretExpired: secrets.pull ? Date.parse(secrets.pull.expiresAt) <= at : undefined,
    modelUrlsExpireAt: secrets.urlsExpireAt,
    modelUrlsExpired: secrets.urlsExpireAt ? Date.parse(secrets.urlsExpireAt) <= at : undefined,
    modelUrlsTemporaryCredentials: secrets.urlsTemporaryCredentials || undefined,
  });
  return compact({
    target: TARGET_NAME,
    name: d.metadata.name,
    status: state.status,
    url: host ? `https://${host}` : undefined,
    model: annotations[ANNOTATIONS.source],
    failureReason: state.failure?.message,
    instanceCount: state.replicas.desired,
    createdAt: d.metadata.creationTimestamp,
    details,
  }) as Deployment;
}
