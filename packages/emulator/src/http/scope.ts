import type { IncomingMessage } from "node:http";

/** The SigV4 credential scope a request was signed with: `AK/date/region/service/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const HEADER_CREDENTIAL = /Credential=([^,\s]+)/;

/**
 * Reads the credential scope from the `Authorization` header (signed requests) or the `X-Amz-Credential`
 * query parameter (presigned URLs). Signatures are not verified: the emulator accepts any credentials, but
 * the scope is how AWS SDK clients tell which service they mean when every service shares one endpoint.
 */
export function credentialScope(req: IncomingMessage, query: URLSearchParams): CredentialScope | undefined {
  const auth = req.headers.authorization;
  let credential: string | undefined;
  if (auth?.startsWith("AWS4-HMAC-SHA256")) credential = HEADER_CREDENTIAL.exec(auth)?.[1];
  credential ??= query.get("X-Amz-Credential") ?? undefined;
  if (!credential) return undefined;
  const parts = credential.split("/");
  if (parts.length < 5) return undefined;
  const [accessKeyId = "", date = "", region = "", service = ""] = parts;
  return { accessKeyId, date, region, service };
}
