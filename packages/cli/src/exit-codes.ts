import { isMlshipError } from "@mlship/core/errors";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** Codes that mean "the user asked for something we cannot do as asked": fix the input and retry. */
const USAGE_CODES = new Set([
  "E_USAGE",
  "E_INVALID_INPUT",
  "E_CONFIG",
  "E_CREDENTIALS",
  "E_TARGET_NOT_FOUND",
  "E_PLUGIN_NOT_FOUND",
  "E_PLUGIN_INVALID",
  "E_PLUGIN_API_MISMATCH",
  "E_UNSUPPORTED_MEDIA_TYPE",
  "E_PAYLOAD_TOO_LARGE",
  "E_RUNTIME_NOT_FOUND",
]);

export function exitCodeFor(error: unknown): number {
  if (!isMlshipError(error)) return EXIT_FAILED;
  if (error.code === "E_ABORTED") return EXIT_INTERRUPTED;
  return USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILED;
}
