import { basename, extname } from "node:path";

/** SageMaker resource names: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`. */
export const MAX_NAME_LENGTH = 63;
const VALID_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `yyyy-mm-dd-HH-MM-SS-mmm` in UTC, as the SageMaker Python SDK's `sagemaker_timestamp()`. */
export function sagemakerTimestamp(date: Date = new Date()): string {
  return [
    date.getUTCFullYear(),
    pad(date.getUTCMonth() + 1),
    pad(date.getUTCDate()),
    pad(date.getUTCHours()),
    pad(date.getUTCMinutes()),
    pad(date.getUTCSeconds()),
    pad(date.getUTCMilliseconds(), 3),
  ].join("-");
}

/**
 * `<base>-<timestamp>`, trimming the base so the whole stays within `maxLength` — the SDK's `name_from_base`.
 * The base is sanitised first (SageMaker names allow only letters, digits and hyphens).
 */
export function nameFromBase(base: string, date: Date = new Date(), maxLength = MAX_NAME_LENGTH): string {
  const timestamp = sagemakerTimestamp(date);
  const trimmed = sanitizeName(base)
    .slice(0, Math.max(0, maxLength - timestamp.length - 1))
    .replace(/-+$/, "");
  return trimmed ? `${trimmed}-${timestamp}` : timestamp;
}

/** Letters, digits and single hyphens; anything else becomes a hyphen. Empty input gives "mlship". */
export function sanitizeName(name: string): string {
  const cleaned = name
    .replace(/[^a-zA-Z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  return cleaned || "mlship";
}

/** Default job base from the entry point: `src/train_model.py` -> `train-model`. */
export function baseNameFromEntryPoint(entryPoint: string): string {
  const file = basename(entryPoint);
  return sanitizeName(file.slice(0, file.length - extname(file).length));
}

/** The image's repository name (`.../sagemaker-scikit-learn:1.2-1-cpu-py3` -> `sagemaker-scikit-learn`), the SDK's `base_name_from_image`. */
export function baseNameFromImage(image: string): string {
  const m = /^(.+\/)?([^:/]+)(:[^:]+)?$/.exec(image);
  return m?.[2] ?? image;
}

export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}
