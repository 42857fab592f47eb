import { MlshipError } from "../errors.js";
import { asRows, type Cell, describeCell, type Values } from "./values.js";

export interface EncodeJsonOptions {
  /** `array` (default): `[[...], ...]`; `instances`: `{"instances": [[...], ...]}`. */
  shape?: "array" | "instances";
}

function checkCell(cell: unknown, where: string): void {
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) {
      throw new MlshipError("E_INVALID_INPUT", `JSON cannot carry ${cell} at ${where}`, {
        where,
        hint: "Replace NaN/Infinity (e.g. with null) or send text/csv or application/x-npy, which can carry them.",
      });
    }
    return;
  }
  if (cell === null || typeof cell === "string" || typeof cell === "boolean") return;
  throw new MlshipError(
    "E_INVALID_INPUT",
    `Cannot write ${describeCell(cell)} (${typeof cell}) as a JSON cell at ${where}`,
    {
      where,
    },
  );
}

/** Values to JSON text; NaN/Infinity raise E_INVALID_INPUT with their position. */
export function encodeJson(values: Values, options: EncodeJsonOptions = {}): string {
  const { rows, oneD } = asRows(values);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly Cell[];
    for (let c = 0; c < row.length; c++) checkCell(row[c], oneD ? `row ${r}` : `row ${r}, column ${c}`);
  }
  return options.shape === "instances" ? JSON.stringify({ instances: values }) : JSON.stringify(values);
}

function isCell(v: unknown): v is Cell {
  return v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean";
}

/** A parsed JSON value to Values: a scalar becomes `[x]`; objects and deeper nesting are rejected. */
function toValues(value: unknown, path: string): Values {
  if (isCell(value)) return [value];
  if (!Array.isArray(value)) {
    throw new MlshipError(
      "E_CODEC",
      `Unsupported JSON shape at ${path}: expected an array of values or rows`,
      {
        where: path,
        details: { keys: Object.keys(value as object).slice(0, 10) },
      },
    );
  }
  if (value.length === 0) return [];
  const nested = Array.isArray(value[0]);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (nested) {
      if (!Array.isArray(item)) {
        throw new MlshipError(
          "E_CODEC",
          `Mixed JSON shape: ${path}[${i}] is not an array but ${path}[0] is`,
          { where: `${path}[${i}]` },
        );
      }
      for (let j = 0; j < item.length; j++) {
        if (!isCell(item[j])) {
          throw new MlshipError(
            "E_CODEC",
            `Unsupported JSON value at ${path}[${i}][${j}]: only numbers, strings, booleans and null`,
            {
              where: `${path}[${i}][${j}]`,
            },
          );
        }
      }
    } else if (!isCell(item)) {
      throw new MlshipError(
        "E_CODEC",
        `Unsupported JSON value at ${path}[${i}]: ${Array.isArray(item) ? `an array but ${path}[0] is not` : "only numbers, strings, booleans and null"}`,
        { where: `${path}[${i}]` },
      );
    }
  }
  return value as Values;
}

/**
 * Node 20's JSON.parse does not always say where it failed. Any prefix that ends before the bad character
 * fails only with "Unexpected end" (or parses), so the first prefix failing otherwise ends at the culprit.
 */
function errorOffset(text: string): string | undefined {
  const failsBeforeEnd = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const message = (e as Error).message;
      const at = /position (\d+)/.exec(message)?.[1];
      if (at !== undefined) return Number(at) < n;
      return !/end of JSON input/i.test(message);
    }
  };
  if (!failsBeforeEnd(text.length)) return text.trim() === "" ? "0" : String(text.length);
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (failsBeforeEnd(mid)) hi = mid;
    else lo = mid + 1;
  }
  return String(lo - 1);
}

/**
 * JSON text to Values. Accepts a list of numbers, a list of rows, a bare scalar, and the wrappers
 * `{"predictions": ...}` (sklearn/TF-serving responses) and `{"instances": ...}` (requests).
 */
export function decodeJson(text: string): Values {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1] ?? errorOffset(text);
    throw new MlshipError("E_CODEC", `Invalid JSON: ${(error as Error).message}`, {
      where: position === undefined ? undefined : `character ${position}`,
      cause: error,
      details: position === undefined ? undefined : { offset: Number(position) },
    });
  }
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    for (const key of ["predictions", "instances", "outputs"] as const) {
      if (key in parsed) return toValues((parsed as Record<string, unknown>)[key], key);
    }
  }
  return toValues(parsed, "$");
}
