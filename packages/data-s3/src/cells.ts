/**
 * One cell of a table, written as CSV text or a JSON value. What each JS value becomes:
 *
 * | value                  | CSV               | JSON Lines           |
 * |------------------------|-------------------|----------------------|
 * | finite number, bigint  | `String(n)`       | the number           |
 * | NaN                    | empty (missing)   | error                |
 * | ±Infinity              | `inf` / `-inf`    | error                |
 * | string                 | quoted if needed  | JSON string          |
 * | boolean                | `true` / `false`  | `true` / `false`     |
 * | null, undefined        | empty (missing)   | `null`               |
 * | Date (valid)           | ISO 8601          | ISO 8601 string      |
 * | anything else          | error             | error                |
 */

/** Why a value cannot be written; the caller adds the row and column. */
export class CellError extends Error {
  override name = "CellError" as const;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return typeof value;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 field: quoted only when it holds a comma, quote or line break. */
export function quoteCsv(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvCell(value: unknown): string {
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value)) return String(value);
      if (Number.isNaN(value)) return "";
      return value > 0 ? "inf" : "-inf";
    case "string":
      return quoteCsv(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "undefined":
      return "";
    default:
      if (value === null) return "";
      if (value instanceof NumberText) return value.text;
      if (value instanceof Date) return dateText(value);
      throw new CellError(`${describe(value)} cannot be written to CSV`);
  }
}

export function jsonCell(value: unknown): string {
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value)) return String(value);
      throw new CellError(
        `${value} is not valid JSON (JSON has no NaN or Infinity); use null for missing values`,
      );
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "undefined":
      return "null";
    default:
      if (value === null) return "null";
      if (value instanceof NumberText) return value.text;
      if (value instanceof Date) return JSON.stringify(dateText(value));
      throw new CellError(`${describe(value)} cannot be written as a JSON Lines cell`);
  }
}

function dateText(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new CellError("an invalid Date cannot be written");
  return value.toISOString();
}

/** A JSON number as `JSON.parse` reads it, for turning CSV text into JSON numbers. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A number kept as the text it was read from, so `12345678901234567890` is not rounded on the way. */
export class NumberText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** CSV text -> cell when converting CSV to JSON Lines: numbers stay numbers, empty = null, else the string. */
export function csvTextToValue(text: string): string | NumberText | null {
  if (text === "") return null;
  return JSON_NUMBER.test(text) ? new NumberText(text) : text;
}
