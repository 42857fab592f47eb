import { randomBytes } from "node:crypto";
import type { JsonOperations } from "./json-service.js";

const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * ECR's GetAuthorizationToken: a base64 `AWS:<password>` token valid for 12 hours, one per requested
 * registry (the caller's account by default), with the registry's proxy endpoint.
 */
export function ecrOperations(options: { region: string; accountId: string }): JsonOperations {
  return {
    GetAuthorizationToken: (input) => {
      const ids = Array.isArray(input.registryIds) ? input.registryIds.map(String) : [options.accountId];
      const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS);
      return {
        authorizationData: ids.map((id) => ({
          authorizationToken: Buffer.from(`AWS:${randomBytes(48).toString("base64")}`).toString("base64"),
          expiresAt,
          proxyEndpoint: `https://${id}.dkr.ecr.${options.region}.amazonaws.com`,
        })),
      };
    },
  };
}
