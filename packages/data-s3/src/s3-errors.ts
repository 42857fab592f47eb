import { isMlshipError, MlshipError, type MlshipErrorCode } from "@mlship/core";

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** HTTP status of an SDK error, if the server answered. */
export function statusOf(error: unknown): number | undefined {
  const e = error as SdkErrorShape | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

/** S3 error code (`NoSuchKey`, `AccessDenied`...) or Node error code (`ECONNREFUSED`). */
export function errorNameOf(error: unknown): string | undefined {
  const e = error as SdkErrorShape | undefined;
  return e?.name && e.name !== "Error" ? e.name : e?.code;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "TimeoutError",
]);

/**
 * Turns an SDK or network failure into an MlshipError that says what was being done and where,
 * keeping the original as `cause`. MlshipErrors pass through untouched.
 */
export function toMlshipError(
  error: unknown,
  what: string,
  where: string,
  fallback: MlshipErrorCode = "E_UPLOAD_FAILED",
): MlshipError {
  if (isMlshipError(error)) return error;
  const status = statusOf(error);
  const name = errorNameOf(error) ?? "";
  const message = (error as SdkErrorShape | undefined)?.message ?? String(error);
  const details: Record<string, unknown> = {
    ...(status ? { status } : {}),
    ...(name ? { s3Code: name } : {}),
  };
  const make = (code: MlshipErrorCode, text: string, hint?: string) =>
    new MlshipError(code, `${what}: ${text}`, { where, cause: error, details, ...(hint ? { hint } : {}) });

  if (name === "AbortError") return make("E_ABORTED", "aborted");
  if (name === "CredentialsProviderError" || name === "ExpiredToken" || name === "InvalidAccessKeyId") {
    return make("E_CREDENTIALS", message, "Check AWS_PROFILE / AWS_ACCESS_KEY_ID or pass credentials.");
  }
  if (name === "BucketAlreadyExists") {
    return make(
      "E_PERMISSION",
      "the bucket name is taken by another AWS account",
      "Bucket names are global: choose another bucket name.",
    );
  }
  if (status === 403 || name === "AccessDenied" || name === "Forbidden") {
    return make(
      "E_PERMISSION",
      `access denied (${message || "403"})`,
      "The bucket may belong to another account, or your identity lacks s3 permissions on it.",
    );
  }
  if (name === "NoSuchBucket") return make("E_NOT_FOUND", "the bucket does not exist");
  if (status === 404 || name === "NoSuchKey" || name === "NotFound" || name === "NoSuchUpload") {
    return make("E_NOT_FOUND", `not found (${name || "404"})`);
  }
  if (status === 301 || name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed") {
    return make("E_CONFIG", `the bucket is in another region (${message})`, "Pass the bucket's region.");
  }
  if (status === 503 || name === "SlowDown" || name === "Throttling") return make("E_THROTTLED", message);
  if (NETWORK_CODES.has(name)) return make("E_NETWORK", message, "Check the endpoint and your network.");
  return make(fallback, message || name || "failed");
}
