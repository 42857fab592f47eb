import {
  CONTENT_TYPES,
  decodeCsv,
  decodeNpy,
  type InvokeResponse,
  MlshipError,
  mediaType,
  ndArrayToValues,
} from "@mlship/core";

/** `binary`: one probability of the positive class per row. `multiclass`: one probability per class per row. */
export type Task = "binary" | "multiclass";

/** A row's score: a probability (binary) or per-class probabilities (multiclass), or why it has none. */
export type RowResult<S> = S | MlshipError;

/**
 * Turns a response into one entry per request row (a number, an array of numbers, or an error for that
 * row). Return the raw shape; range and row-count checks still apply to it.
 */
export type OutputParser = (response: InvokeResponse, rows: number) => unknown;

export interface ScoreShapeOptions {
  task: Task;
  /** Column of a probability row that is the positive class (binary). Undefined: 1 for pairs, error above. */
  positiveIndex?: number | undefined;
  /** Allowed distance of a multi-class row's sum from 1. */
  sumTolerance: number;
}

const WRAPPER_KEYS = ["predictions", "probabilities", "scores", "outputs"] as const;
const NPY_MAGIC = 0x93;
const text = new TextDecoder("utf-8");

/** The body's table: a list of values or a list of rows. Object wrappers (`{"predictions": …}`) unwrapped. */
export function decodeResponse(response: InvokeResponse, fallbackType: string): unknown {
  const body = response.body;
  let type = mediaType(response.contentType || fallbackType);
  if (type !== CONTENT_TYPES.csv && type !== CONTENT_TYPES.json && type !== CONTENT_TYPES.npy) {
    // Servers that answer octet-stream or text/plain: sniff.
    const first = body.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    type =
      body[0] === NPY_MAGIC
        ? CONTENT_TYPES.npy
        : first === 0x5b /* [ */ || first === 0x7b /* { */
          ? CONTENT_TYPES.json
          : CONTENT_TYPES.csv;
  }
  if (type === CONTENT_TYPES.npy) return ndArrayToValues(decodeNpy(body));
  const s = text.decode(body);
  if (type === CONTENT_TYPES.json) return unwrap(parseJson(s));
  return parseCsvNumbers(s);
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (error) {
    throw new MlshipError("E_CODEC", `The model answered invalid JSON: ${(error as Error).message}`, {
      cause: error,
      details: { excerpt: s.slice(0, 200) },
    });
  }
}

function unwrap(value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const key of WRAPPER_KEYS) {
      if (key in value) return (value as Record<string, unknown>)[key];
    }
    throw new MlshipError("E_CODEC", "The model answered a JSON object without a known predictions key", {
      details: { keys: Object.keys(value).slice(0, 10), expected: WRAPPER_KEYS },
      hint: "Pass a custom `parse` hook to createModelSource for this response shape.",
    });
  }
  return value;
}

/** CSV of numbers, one row per line. Lines without quotes are split by hand (fast); quoting goes to csv-parse. */
function parseCsvNumbers(s: string): unknown {
  if (s.includes('"')) return decodeCsv(s);
  const rows: (number | string)[][] = [];
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf("\n", start);
    if (end === -1) end = s.length;
    let line = s.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "") continue;
    rows.push(line.includes(",") ? line.split(",").map(toNumberish) : [toNumberish(line)]);
  }
  return rows;
}

function toNumberish(field: string): number | string {
  const n = Number(field);
  // "nan" and friends stay strings here and fail the range check with their text.
  return field.trim() === "" || Number.isNaN(n) ? field : n;
}

function mismatch(got: number, rows: number, shape: string): MlshipError {
  return new MlshipError(
    "E_SCORE_ROW_MISMATCH",
    `The model answered ${got} result(s) for ${rows} row(s) (${shape}); no row was scored from this response`,
    { details: { got, expected: rows, shape } },
  );
}

/** One entry per request row, or a row-count error. Never guesses an alignment. */
export function alignRows(value: unknown, rows: number): unknown[] | MlshipError {
  if (!Array.isArray(value)) return rows === 1 ? [value] : mismatch(1, rows, "a single value");
  if (value.length === rows) return value;
  const nested = value.length > 0 && Array.isArray(value[0]);
  if (!nested && rows === 1) return [value]; // one row of per-class values, flattened
  if (nested && value.length === 1 && rows > 1 && (value[0] as unknown[]).length === rows) {
    // One CSV line or one JSON row carrying a value per request row.
    return value[0] as unknown[];
  }
  return mismatch(value.length, rows, nested ? `${value.length} rows` : `a list of ${value.length} values`);
}

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") return Number(v);
  return Number.NaN;
}

function outOfRange(value: unknown, why: string): MlshipError {
  return new MlshipError("E_SCORE_OUT_OF_RANGE", `The model's score ${String(value)} ${why}`, {
    details: { value: typeof value === "number" && !Number.isFinite(value) ? String(value) : value },
  });
}

const inUnit = (p: number) => p >= 0 && p <= 1; // false for NaN

/** Validates one row's raw output into a binary score. */
function binaryScore(raw: unknown, positiveIndex: number | undefined): number | MlshipError {
  let v = raw;
  if (Array.isArray(v)) {
    if (v.length === 1) v = v[0];
    else {
      const index = positiveIndex ?? (v.length === 2 ? 1 : undefined);
      if (index === undefined) {
        return new MlshipError(
          "E_SCORE_OUT_OF_RANGE",
          `The model answered ${v.length} class probabilities for a binary task`,
          {
            details: { classes: v.length },
            hint: "Use task: 'multiclass', or name the positive class with positiveIndex / positiveLabel.",
          },
        );
      }
      if (index >= v.length) {
        return new MlshipError(
          "E_SCORE_ROW_MISMATCH",
          `Positive class index ${index} but the model answered ${v.length} values`,
          { details: { index, width: v.length } },
        );
      }
      v = v[index];
    }
  }
  const p = toNumber(v);
  if (Number.isNaN(p)) return outOfRange(v, "is not a number");
  if (!inUnit(p)) return outOfRange(p, "is outside [0, 1]");
  return p;
}

function multiclassScore(raw: unknown, tolerance: number): number[] | MlshipError {
  // A single probability from a binary model reads as [1 - p, p].
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 1) {
    const p = toNumber(values[0]);
    if (!inUnit(p)) return outOfRange(values[0], "is not a probability");
    return [1 - p, p];
  }
  const out = new Array<number>(values.length);
  let sum = 0;
  for (let c = 0; c < values.length; c++) {
    const p = toNumber(values[c]);
    if (!inUnit(p)) return outOfRange(values[c], `(class ${c}) is not a probability`);
    out[c] = p;
    sum += p;
  }
  if (Math.abs(sum - 1) > tolerance) {
    return new MlshipError("E_SCORE_OUT_OF_RANGE", `The class probabilities sum to ${sum}, not 1`, {
      details: { sum },
    });
  }
  return out;
}

/**
 * Raw per-row outputs to scores; errors carry no row number (the caller knows it).
 * An entry that is already an Error (from a custom parser) is kept as that row's error.
 */
export function toScores(
  aligned: readonly unknown[],
  options: ScoreShapeOptions,
): Array<RowResult<number | number[]>> {
  const out = new Array<RowResult<number | number[]>>(aligned.length);
  for (let i = 0; i < aligned.length; i++) {
    const raw = aligned[i];
    if (raw instanceof Error) {
      out[i] =
        raw instanceof MlshipError ? raw : new MlshipError("E_MODEL_ERROR", raw.message, { cause: raw });
      continue;
    }
    out[i] =
      options.task === "binary"
        ? binaryScore(raw, options.positiveIndex)
        : multiclassScore(raw, options.sumTolerance);
  }
  return out;
}
