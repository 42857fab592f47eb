import { isMlshipError, MlshipError, type MlshipErrorCode } from "@mlship/core";

interface AwsLikeError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: "client" | "server";
}

const asAws = (e: unknown): AwsLikeError => (typeof e === "object" && e !== null ? (e as AwsLikeError) : {});

/** SageMaker answers "does not exist" with ValidationException plus a message, not a 404. */
export function isNotFound(e: unknown): boolean {
  const { name = "", message = "" } = asAws(e);
  if (name === "ResourceNotFound" || name === "ResourceNotFoundException" || name === "NoSuchKey")
    return true;
  return (
    (name === "ValidationException" || name === "ValidationError") &&
    /could not find|not found|does not exist/i.test(message)
  );
}

/** The SDK's words when no region came from options, environment or profile (it raises a plain Error). */
const isRegionMissing = (e: AwsLikeError) => e.message === "Region is missing";

function codeFor(e: AwsLikeError): MlshipErrorCode {
  const name = e.name ?? "";
  if (isRegionMissing(e)) return "E_CONFIG";
  const status = e.$metadata?.httpStatusCode;
  if (isNotFound(e)) return "E_NOT_FOUND";
  if (
    name === "CredentialsProviderError" ||
    /ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch/.test(name)
  )
    return "E_CREDENTIALS";
  if (/AccessDenied|NotAuthorized/.test(name) || status === 403) return "E_PERMISSION";
  if (/Throttl|TooManyRequests|SlowDown|LimitExceeded/.test(name) || status === 429) return "E_THROTTLED";
  if (name === "ResourceInUse" && /already exist/i.test(e.message ?? "")) return "E_ALREADY_EXISTS";
  if (name === "AbortError") return "E_ABORTED";
  if (name === "TimeoutError") return "E_TIMEOUT";
  if (/ECONNREFUSED|ECONNRESET|ENOTFOUND|EPIPE|socket hang up/i.test(`${name} ${e.message ?? ""}`))
    return "E_NETWORK";
  if (name === "ValidationException") return "E_INVALID_INPUT";
  return "E_INTERNAL";
}

const HINTS: Partial<Record<MlshipErrorCode, string>> = {
  E_CREDENTIALS:
    "Configure AWS credentials (environment, ~/.aws profile via `profile`, SSO or an instance role) for this region.",
  E_PERMISSION: "The caller (or the SageMaker execution role) lacks an IAM permission for this call.",
  E_THROTTLED: "The account's request rate or resource limit was hit; retry later or raise `maxAttempts`.",
  E_NETWORK: "Check the network and the `endpoint` override.",
};

/**
 * Wraps an AWS SDK error in an MlshipError that keeps it as `cause`. MlshipErrors pass through unchanged.
 * `code` forces a code for the "everything else" case (e.g. E_DEPLOY_FAILED while deploying).
 */
export function wrapAwsError(
  e: unknown,
  what: string,
  options: { code?: MlshipErrorCode; where?: string } = {},
): MlshipError {
  if (isMlshipError(e)) return e;
  const aws = asAws(e);
  const mapped = codeFor(aws);
  const code = mapped === "E_INTERNAL" && options.code ? options.code : mapped;
  const message = `${what}: ${aws.name && aws.name !== "Error" ? `${aws.name}: ` : ""}${aws.message ?? String(e)}`;
  if (isRegionMissing(aws)) {
    return new MlshipError(code, `${what}: no AWS region is configured`, {
      cause: e,
      where: "region",
      hint: "Set one: --region in the CLI, the `region` option or config key, AWS_REGION (or AWS_DEFAULT_REGION), or `region` in your ~/.aws/config profile.",
    });
  }
  return new MlshipError(code, message, {
    cause: e,
    hint: HINTS[code],
    where: options.where,
    details: {
      awsError: aws.name,
      status: aws.$metadata?.httpStatusCode,
      requestId: aws.$metadata?.requestId,
    },
  });
}

/** Runs an SDK call and wraps whatever it throws. */
export async function aws<T>(
  what: string,
  call: () => Promise<T>,
  options?: { code?: MlshipErrorCode; where?: string },
): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw wrapAwsError(e, what, options);
  }
}
