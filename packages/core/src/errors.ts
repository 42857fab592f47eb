/** Error codes are public API: add freely, renaming one is a major change. Documented in the README. */
export type KnownErrorCode =
  | "E_USAGE"
  | "E_INVALID_INPUT"
  | "E_CONFIG"
  | "E_NOT_FOUND"
  | "E_ALREADY_EXISTS"
  | "E_CONFLICT"
  | "E_TARGET_NOT_FOUND"
  | "E_PLUGIN_NOT_FOUND"
  | "E_PLUGIN_INVALID"
  | "E_PLUGIN_API_MISMATCH"
  | "E_CODEC"
  | "E_UNSUPPORTED_MEDIA_TYPE"
  | "E_PAYLOAD_TOO_LARGE"
  | "E_CREDENTIALS"
  | "E_PERMISSION"
  | "E_THROTTLED"
  | "E_TIMEOUT"
  | "E_ABORTED"
  | "E_NETWORK"
  | "E_INVOKE_FAILED"
  | "E_MODEL_ERROR"
  | "E_TRAINING_FAILED"
  | "E_DEPLOY_FAILED"
  | "E_TRANSFORM_FAILED"
  | "E_UPLOAD_FAILED"
  | "E_SCORE_OUT_OF_RANGE"
  | "E_SCORE_ROW_MISMATCH"
  | "E_RUNTIME_NOT_FOUND"
  | "E_PLAN_STALE"
  | "E_INTERNAL";

/** Third-party targets may add their own `E_*` codes. */
export type MlshipErrorCode = KnownErrorCode | `E_${string}`;

export interface MlshipErrorOptions {
  /** The underlying error (SDK, Kubernetes, fs...). */
  cause?: unknown;
  /** How to fix it, one sentence ("Run `npm i @mlship/target-kyma`."). */
  hint?: string;
  /** Where the problem is: a file and line, a row index, a flag, a resource name. */
  where?: string;
  /** Extra JSON-safe facts for `--json` output (status codes, names). Never secrets. */
  details?: Record<string, unknown>;
}

const BRAND = Symbol.for("@mlship/core:error");

export class MlshipError extends Error {
  readonly [BRAND] = true;
  override name = "MlshipError" as const;
  readonly code: MlshipErrorCode;
  readonly hint: string | undefined;
  readonly where: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: MlshipErrorCode, message: string, options: MlshipErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.where = options.where;
    this.details = options.details;
  }

  /** A JSON-safe view for `--json` output and event logs. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      hint: this.hint,
      where: this.where,
      details: this.details,
    };
  }
}

/** Brand check, not `instanceof`: survives two copies of @mlship/core in one process. */
export const isMlshipError = (e: unknown): e is MlshipError =>
  typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;

/** Raised when a signal aborts an operation; the reason is kept as the cause. */
export function abortError(signal: AbortSignal, what: string): MlshipError {
  return new MlshipError("E_ABORTED", `${what} was aborted`, { cause: signal.reason });
}
