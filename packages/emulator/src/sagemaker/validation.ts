import { AwsApiError } from "../aws-error.js";

/** SageMaker resource names: training jobs, models, endpoint configs, endpoints, variants. */
export const NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
const NAME_RE = new RegExp(`${NAME_PATTERN}$`);
export const ROLE_ARN_PATTERN = "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$";
export const S3_URI_PATTERN = "^(https|s3)://([^/]+)/?(.*)$";
export const CHANNEL_NAME_PATTERN = "[A-Za-z0-9\\.\\-_]+";

interface StringRule {
  required?: boolean;
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  oneOf?: readonly string[];
}

interface NumberRule {
  required?: boolean;
  min?: number;
  max?: number;
}

/**
 * Collects constraint violations and reports them the way AWS's request validation does:
 * "2 validation errors detected: Value 'x' at 'trainingJobName' failed to satisfy constraint: ...; ...".
 * Paths use the wire member names in camelCase, list members as `list.1.member.field` (1-based).
 */
export interface Validator {
  string(value: unknown, path: string, rule?: StringRule): string | undefined;
  number(value: unknown, path: string, rule?: NumberRule): number | undefined;
  object(value: unknown, path: string, required?: boolean): Record<string, unknown> | undefined;
  list(
    value: unknown,
    path: string,
    rule?: { required?: boolean; min?: number; max?: number },
  ): unknown[] | undefined;
  stringMap(
    value: unknown,
    path: string,
    rule?: { maxEntries?: number; maxValueLength?: number },
  ): Record<string, string> | undefined;
  /** A free-form violation (e.g. a cross-field rule) appended as is. */
  fail(message: string): void;
  /** Throws ValidationException if anything was recorded. */
  done(): void;
}

export function createValidator(): Validator {
  const errors: string[] = [];
  const violation = (value: unknown, path: string, constraint: string) => {
    const shown =
      value === undefined || value === null
        ? "null"
        : `'${typeof value === "string" ? value : JSON.stringify(value)}'`;
    errors.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  return {
    string(value, path, rule = {}) {
      if (value === undefined || value === null) {
        if (rule.required) violation(value, path, "Member must not be null");
        return undefined;
      }
      if (typeof value !== "string") {
        violation(value, path, "Member must be a string");
        return undefined;
      }
      if (rule.minLength !== undefined && value.length < rule.minLength) {
        violation(value, path, `Member must have length greater than or equal to ${rule.minLength}`);
      } else if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        violation(value, path, `Member must have length less than or equal to ${rule.maxLength}`);
      } else if (rule.oneOf && !rule.oneOf.includes(value)) {
        violation(value, path, `Member must satisfy enum value set: [${rule.oneOf.join(", ")}]`);
      } else if (rule.pattern !== undefined && !matches(rule.pattern, value)) {
        violation(value, path, `Member must satisfy regular expression pattern: ${rule.pattern}`);
      }
      return value;
    },
    number(value, path, rule = {}) {
      if (value === undefined || value === null) {
        if (rule.required) violation(value, path, "Member must not be null");
        return undefined;
      }
      if (typeof value !== "number" || !Number.isFinite(value)) {
        violation(value, path, "Member must be a number");
        return undefined;
      }
      if (rule.min !== undefined && value < rule.min) {
        violation(value, path, `Member must have value greater than or equal to ${rule.min}`);
      } else if (rule.max !== undefined && value > rule.max) {
        violation(value, path, `Member must have value less than or equal to ${rule.max}`);
      }
      return value;
    },
    object(value, path, required = false) {
      if (value === undefined || value === null) {
        if (required) violation(value, path, "Member must not be null");
        return undefined;
      }
      if (typeof value !== "object" || Array.isArray(value)) {
        violation(value, path, "Member must be a structure");
        return undefined;
      }
      return value as Record<string, unknown>;
    },
    list(value, path, rule = {}) {
      if (value === undefined || value === null) {
        if (rule.required) violation(value, path, "Member must not be null");
        return undefined;
      }
      if (!Array.isArray(value)) {
        violation(value, path, "Member must be a list");
        return undefined;
      }
      if (rule.min !== undefined && value.length < rule.min) {
        violation(value, path, `Member must have length greater than or equal to ${rule.min}`);
      } else if (rule.max !== undefined && value.length > rule.max) {
        violation(value, path, `Member must have length less than or equal to ${rule.max}`);
      }
      return value;
    },
    stringMap(value, path, rule = {}) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== "object" || Array.isArray(value)) {
        violation(value, path, "Member must be a map");
        return undefined;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      if (rule.maxEntries !== undefined && entries.length > rule.maxEntries) {
        violation(value, path, `Member must have length less than or equal to ${rule.maxEntries}`);
      }
      for (const [key, v] of entries) {
        if (typeof v !== "string") violation(v, `${path}.${key}`, "Member must be a string");
        else if (rule.maxValueLength !== undefined && v.length > rule.maxValueLength) {
          violation(
            v,
            `${path}.${key}`,
            `Member must have length less than or equal to ${rule.maxValueLength}`,
          );
        }
      }
      return value as Record<string, string>;
    },
    fail(message) {
      errors.push(message);
    },
    done() {
      if (errors.length === 0) return;
      const head = `${errors.length} validation error${errors.length === 1 ? "" : "s"} detected: `;
      throw new AwsApiError("ValidationException", head + errors.join("; "));
    },
  };
}

function matches(pattern: string, value: string): boolean {
  const anchored = pattern.startsWith("^") ? pattern : `^${pattern}`;
  // Unicode property classes (the tag alphabet) need the u flag; the other patterns are written without it.
  const flags = pattern.includes("\\p{") ? "u" : "";
  return new RegExp(anchored.endsWith("$") ? anchored : `${anchored}$`, flags).test(value);
}

/** True for a valid SageMaker resource name. */
export function isValidName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Validates a `...Name` member holding a SageMaker resource name. */
export function resourceName(v: Validator, value: unknown, path: string): string {
  return v.string(value, path, { required: true, maxLength: 63, pattern: NAME_PATTERN }) ?? "";
}

/** A plain ValidationException with a message (for semantic errors, not constraint violations). */
export function validationError(message: string): AwsApiError {
  return new AwsApiError("ValidationException", message);
}

/** The optional epoch-seconds timestamps the JSON protocol sends for filters like CreationTimeAfter. */
export function timestampFilter(v: Validator, value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value * 1000;
  if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  v.fail(`Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must be a timestamp`);
  return undefined;
}

const TAG_PATTERN = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";

/** A `Tags` list as SageMaker checks it: at most 50, Key 1-128 and Value 0-256 characters of the tag alphabet. */
export function validateTags(v: Validator, value: unknown, path: string, required = false): void {
  const tags = v.list(value, path, { required, max: 50 });
  tags?.forEach((raw, i) => {
    const at = `${path}.${i + 1}.member`;
    const tag = v.object(raw, at, true);
    if (!tag) return;
    v.string(tag.Key, `${at}.key`, { required: true, minLength: 1, maxLength: 128, pattern: TAG_PATTERN });
    v.string(tag.Value, `${at}.value`, { required: true, maxLength: 256, pattern: TAG_PATTERN });
  });
}
