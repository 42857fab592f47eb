import {
  type ECRClient,
  GetAuthorizationTokenCommand,
  type GetAuthorizationTokenCommandInput,
  type GetAuthorizationTokenCommandOutput,
} from "@aws-sdk/client-ecr";
import { MlshipError } from "@mlship/core";
import { wrapAwsError } from "@mlship/data-s3";
import type { KubeObject } from "./kube.js";
import { ANNOTATIONS, pullSecretManifest, pullSecretName } from "./manifests.js";

/** The ECR call this target makes. */
export interface EcrApi {
  getAuthorizationToken(
    input: GetAuthorizationTokenCommandInput,
  ): Promise<GetAuthorizationTokenCommandOutput>;
}

export function ecrApi(client: ECRClient): EcrApi {
  return { getAuthorizationToken: (input) => client.send(new GetAuthorizationTokenCommand(input)) };
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** `<account>.dkr.ecr.<region>.amazonaws.com` of an ECR image, or undefined for any other registry. */
export function ecrRegistryOf(
  image: string,
): { host: string; accountId: string; region: string } | undefined {
  const host = image.split("/")[0] ?? "";
  const m = ECR_HOST.exec(host);
  return m ? { host, accountId: m[1] as string, region: m[3] as string } : undefined;
}

export interface PullSecretInfo {
  name: string;
  registry: string;
  expiresAt: string;
}

/**
 * A fresh dockerconfigjson secret for the image's ECR registry. ECR tokens work for every registry the
 * caller may pull from (the SageMaker images included) and expire after 12 hours: the expiry is recorded
 * on the secret so `get` can show it and `refreshPullSecret` can renew it.
 */
export async function buildPullSecret(
  ecr: EcrApi,
  input: { owner: string; namespace: string; image: string },
): Promise<{ manifest: KubeObject; info: PullSecretInfo } | undefined> {
  const registry = ecrRegistryOf(input.image);
  if (!registry) return undefined;
  let out: GetAuthorizationTokenCommandOutput;
  try {
    out = await ecr.getAuthorizationToken({});
  } catch (error) {
    const wrapped = wrapAwsError(error, "ECR GetAuthorizationToken", {
      code: "E_CREDENTIALS",
      where: "profileName",
    });
    throw new MlshipError(wrapped.code, wrapped.message, {
      cause: error,
      where: "profileName",
      hint:
        wrapped.code === "E_NETWORK"
          ? (wrapped.hint ?? "Check the network path to ECR.")
          : "The AWS profile (profileName) needs ecr:GetAuthorizationToken and pull rights on the image's repository.",
      ...(wrapped.details ? { details: wrapped.details } : {}),
    });
  }
  const data = out.authorizationData?.[0];
  if (!data?.authorizationToken) {
    throw new MlshipError("E_CREDENTIALS", "ECR GetAuthorizationToken returned no token");
  }
  const decoded = Buffer.from(data.authorizationToken, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new MlshipError("E_CREDENTIALS", "ECR returned a token that is not user:password");
  const expiresAt = (
    data.expiresAt ? new Date(data.expiresAt) : new Date(Date.now() + 12 * 3600_000)
  ).toISOString();
  const name = pullSecretName(input.owner);
  return {
    manifest: pullSecretManifest({
      name,
      namespace: input.namespace,
      owner: input.owner,
      registry: registry.host,
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      expiresAt,
    }),
    info: { name, registry: registry.host, expiresAt },
  };
}

/** What a stored pull secret says about itself (never its contents). */
export function pullSecretInfo(secret: KubeObject | undefined): PullSecretInfo | undefined {
  if (!secret) return undefined;
  const annotations = secret.metadata.annotations ?? {};
  const expiresAt = annotations[ANNOTATIONS.pullSecretExpiresAt];
  const registry = annotations[ANNOTATIONS.pullSecretRegistry];
  if (!expiresAt || !registry) return undefined;
  return { name: secret.metadata.name, registry, expiresAt };
}
