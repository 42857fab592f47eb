import { type JsonValue, MlshipError } from "@mlship/core";

/** Python's `logging.INFO`: what the SDK sends as `sagemaker_container_log_level`. */
export const CONTAINER_LOG_LEVEL = 20;

export interface FrameworkHyperparameters {
  /** Entry point file name inside the bundle (`sagemaker_program`). */
  program: string;
  /** `s3://<bucket>/<job>/source/sourcedir.tar.gz` (`sagemaker_submit_directory`). */
  submitDirectory: string;
  jobName: string;
  region: string;
  containerLogLevel?: number;
}

/**
 * The wire form of a script-mode job's hyperparameters: every value JSON-encoded (so `"lr": 0.1` travels as
 * `"0.1"` and `"kernel": "rbf"` as `"\"rbf\""`), plus the framework's own `sagemaker_*` keys, exactly as the
 * SDK's `Framework._prepare_for_training` + `_json_encode_hyperparameters` produce them.
 */
export function encodeHyperparameters(
  user: Record<string, JsonValue> | undefined,
  framework: FrameworkHyperparameters,
): Record<string, string> {
  const all: Record<string, JsonValue> = {
    ...(user ?? {}),
    sagemaker_program: framework.program,
    sagemaker_submit_directory: framework.submitDirectory,
    sagemaker_container_log_level: framework.containerLogLevel ?? CONTAINER_LOG_LEVEL,
    sagemaker_job_name: framework.jobName,
    sagemaker_region: framework.region,
  };
  const wire: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) {
    let encoded: string | undefined;
    try {
      encoded = JSON.stringify(value);
    } catch {}
    // undefined, functions, symbols and bigints have no JSON form: refuse rather than send a broken job.
    if (encoded === undefined) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Hyperparameter "${key}" has no JSON value (${typeof value})`,
        {
          where: `hyperparameters.${key}`,
          hint: "Use numbers, strings, booleans, null, or arrays/objects of them.",
        },
      );
    }
    wire[key] = encoded;
  }
  return wire;
}

/** Inverse of the encoding for display: values that are not JSON are kept as the raw string. */
export function decodeHyperparameters(wire: Record<string, string> | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(wire ?? {})) {
    try {
      out[key] = JSON.parse(value) as JsonValue;
    } catch {
      out[key] = value;
    }
  }
  return out;
}

/** User hyperparameters only (drops `sagemaker_*`). */
export function userHyperparameters(wire: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(wire ?? {}).filter(([k]) => !k.startsWith("sagemaker_")));
}
