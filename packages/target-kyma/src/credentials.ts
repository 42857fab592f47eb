import { type CredentialsRefresh, emit, MlshipError, type OperationContext } from "@mlship/core";
import { presignGetUrl } from "@mlship/data-s3";
import type { KymaContext } from "./context.js";
import { modelImage } from "./deployment-view.js";
import type { KubeObject } from "./kube.js";
import { ANNOTATIONS, urlsSecretManifest, urlsSecretName } from "./manifests.js";
import { managedDeployment } from "./ownership.js";
import { buildPullSecret, type PullSecretInfo } from "./pull-secret.js";
import { validateName } from "./validate.js";

const DEFAULT_URL_EXPIRY_SECONDS = 7 * 24 * 3600;

/** Lifetime of the presigned URLs; checked before anything is written. */
export function urlExpirySeconds(kyma: KymaContext): number {
  const expiry = kyma.options.urlExpirySeconds ?? DEFAULT_URL_EXPIRY_SECONDS;
  if (!Number.isInteger(expiry) || expiry < 1 || expiry > DEFAULT_URL_EXPIRY_SECONDS) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `urlExpirySeconds must be a whole number from 1 to ${DEFAULT_URL_EXPIRY_SECONDS} (7 days, S3's maximum), got ${expiry}`,
      { where: "urlExpirySeconds" },
    );
  }
  return expiry;
}

/** (Re)writes the Secret with presigned URLs the init container downloads the model and code from. */
export async function applyModelUrls(
  kyma: KymaContext,
  name: string,
  namespace: string,
  modelData: string,
  sourceBundle: string,
): Promise<string> {
  const expiry = urlExpirySeconds(kyma);
  const expiresAt = new Date(kyma.now().getTime() + expiry * 1000).toISOString();
  const [modelUrl, sourceUrl] = await Promise.all([
    presignGetUrl(kyma.s3(), modelData, expiry),
    presignGetUrl(kyma.s3(), sourceBundle, expiry),
  ]);
  await kyma.kube().apply(
    urlsSecretManifest({
      name: urlsSecretName(name),
      namespace,
      owner: name,
      modelUrl,
      sourceUrl,
      expiresAt,
    }),
  );
  return expiresAt;
}

/** A fresh ECR pull secret for the deployment's image; undefined when the image is not from ECR. */
async function renewPullSecret(
  kyma: KymaContext,
  name: string,
  namespace: string,
  deployment: KubeObject,
): Promise<PullSecretInfo | undefined> {
  const image = modelImage(deployment);
  const pull = image
    ? await buildPullSecret(kyma.ecrFor(image), { owner: name, namespace, image })
    : undefined;
  if (pull) await kyma.kube().apply(pull.manifest);
  return pull?.info;
}

export async function refreshPullSecret(
  kyma: KymaContext,
  name: string,
  ctx?: OperationContext,
): Promise<PullSecretInfo> {
  validateName(name);
  const namespace = kyma.namespaceOf();
  const deployment = await managedDeployment(kyma.kube(), namespace, name);
  const pull = await renewPullSecret(kyma, name, namespace, deployment);
  if (!pull) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `${name} does not run an ECR image: there is no pull secret to refresh`,
      { where: `deployment/${name}` },
    );
  }
  emit(ctx, {
    type: "deploy.status",
    name,
    status: "InService",
    message: `ECR pull secret ${pull.name} renewed until ${pull.expiresAt}`,
  });
  return pull;
}

export async function refreshCredentials(
  kyma: KymaContext,
  name: string,
  ctx?: OperationContext,
): Promise<CredentialsRefresh> {
  urlExpirySeconds(kyma);
  validateName(name);
  const namespace = kyma.namespaceOf();
  const deployment = await managedDeployment(kyma.kube(), namespace, name);
  const annotations = deployment.metadata.annotations ?? {};
  const modelData = annotations[ANNOTATIONS.modelData];
  const sourceBundle = annotations[ANNOTATIONS.sourceBundle];
  if (!modelData || !sourceBundle) {
    throw new MlshipError("E_INVALID_INPUT", `${name} does not record where its model is`, {
      where: `deployment/${name}`,
      hint: "Deploy it again with mlship: that records the model and renews every credential.",
    });
  }
  const renewed: CredentialsRefresh["renewed"] = [];
  const pull = await renewPullSecret(kyma, name, namespace, deployment);
  if (pull) renewed.push({ credential: `ECR pull secret ${pull.name}`, expiresAt: pull.expiresAt });
  const urlsExpireAt = await applyModelUrls(kyma, name, namespace, modelData, sourceBundle);
  renewed.push({ credential: `model URLs (secret ${urlsSecretName(name)})`, expiresAt: urlsExpireAt });
  for (const r of renewed) {
    emit(ctx, {
      type: "deploy.status",
      name,
      status: "InService",
      message: `${r.credential} renewed until ${r.expiresAt}`,
    });
  }
  return { name, renewed };
}
