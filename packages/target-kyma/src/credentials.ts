import {
  type CredentialsRefresh,
  type DeploymentStatus,
  emit,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
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

/** What signs the model URLs: temporary credentials put their session token into every presigned URL. */
interface Signer {
  temporary: boolean;
  /** When the credentials stop working, if they say (SSO, an assumed role, `aws sts get-session-token`). */
  expiresAt: Date | undefined;
}

async function signer(kyma: KymaContext): Promise<Signer> {
  let identity: { sessionToken?: string; expiration?: Date };
  try {
    identity = await kyma.s3().config.credentials();
  } catch (cause) {
    throw new MlshipError("E_CREDENTIALS", "No AWS credentials to sign the model URLs with", {
      cause,
      hint: "Set AWS credentials (a profile, environment variables, SSO) with read access to the model's bucket.",
    });
  }
  return { temporary: Boolean(identity.sessionToken), expiresAt: identity.expiration };
}

/** The URLs' lifetime: `urlExpirySeconds`, capped at the signing credentials' own expiry. */
function lifetime(kyma: KymaContext, credentials: Signer): number {
  const expiry = urlExpirySeconds(kyma);
  if (!credentials.expiresAt) return expiry;
  const left = Math.floor((credentials.expiresAt.getTime() - kyma.now().getTime()) / 1000);
  if (left < 1) {
    throw new MlshipError(
      "E_CREDENTIALS",
      `The AWS credentials that would sign the model URLs expired at ${credentials.expiresAt.toISOString()}`,
      { hint: "Renew them (aws sso login, a fresh role session), then deploy or refresh-credentials again." },
    );
  }
  return Math.min(expiry, left);
}

/** How long model URLs signed now would live: E_CREDENTIALS if the signing credentials have expired. */
export async function modelUrlLifetime(kyma: KymaContext): Promise<number> {
  return lifetime(kyma, await signer(kyma));
}

/**
 * (Re)writes the Secret with presigned URLs the init container downloads the model and code from. The URLs
 * live `urlExpirySeconds`, but never longer than the credentials that signed them; with temporary credentials
 * each URL carries their session token, and the deploy says so in its events.
 */
export async function applyModelUrls(
  kyma: KymaContext,
  name: string,
  namespace: string,
  modelData: string,
  sourceBundle: string,
  ctx?: OperationContext,
  status: DeploymentStatus = "InService",
): Promise<string> {
  const credentials = await signer(kyma);
  const expiry = lifetime(kyma, credentials);
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
      temporaryCredentials: credentials.temporary,
    }),
  );
  if (credentials.temporary) {
    emit(ctx, {
      type: "deploy.status",
      name,
      status,
      message:
        `Temporary AWS credentials signed the model URLs: Secret ${urlsSecretName(name)} in the cluster holds ` +
        `URLs carrying their session token (read access to those two objects only, as the URL grants), ` +
        `valid until ${expiresAt}. Renew with: mlship deployments refresh-credentials ${name} --target kyma`,
    });
  }
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
  const urlsExpireAt = await applyModelUrls(kyma, name, namespace, modelData, sourceBundle, ctx);
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
