import { type Cell, encodeCsv, isMlshipError, MlshipError } from "@mlship/core";
import type { Row } from "../model-source.js";
import type { RowCodec } from "../row-codec.js";

/**
 * How input rows become request units:
 * - `csv-slice`: CSV input to a CSV model without preprocessing; feature text is cut out of the line as is.
 * - `cells`: feature values in order, encoded by the model's codec.
 * - `row`: the whole row as a mapping, encoded by the model (preprocess hooks, plain predictBatch models).
 */
export type RowEncoding =
  | { kind: "csv-slice" }
  | { kind: "cells"; codec: RowCodec }
  | { kind: "row"; encode: (row: Row) => unknown; bytes: (unit: unknown) => number };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, Cell> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  "+inf": Number.POSITIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  "-infinity": Number.NEGATIVE_INFINITY,
  true: true,
  false: false,
};

/** An unquoted CSV field's value, read as core's CSV codec reads it. */
export function castField(text: string): Cell {
  if (text === "") return null;
  if (NUMBER.test(text)) return Number(text);
  const special = SPECIAL[text.toLowerCase()];
  return special === undefined ? text : special;
}

/** One CSV line from cells (no newline), quoting as core's codec does (strings stay strings when read back). */
export const csvText = (cells: readonly Cell[]): string => encodeCsv([cells]).slice(0, -1);

/**
 * One CSV line for a model's request body: a field is quoted only when CSV requires it, as pandas and
 * Python's csv module write. A quoted number in the input (`"1.5"`) reaches the model as `1.5`, which
 * numpy-based decoders (the scikit-learn container's) read; `"1.5"` they would read as NaN.
 */
export function csvRequestText(cells: readonly Cell[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    let text: string;
    if (typeof v === "string") text = /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
    else text = v === null || v === undefined ? "" : csvText([v]);
    line += i === 0 ? text : `,${text}`;
  }
  return line;
}

export function asRowError(error: unknown): MlshipError {
  if (isMlshipError(error)) return error;
  return new MlshipError("E_INVALID_INPUT", error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
