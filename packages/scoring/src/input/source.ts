import { MlshipError } from "@mlship/core";
import type { InputBatch } from "./batch.js";
import type { RowEncoding } from "./encode.js";

export interface InputOptions {
  path: string;
  /** Columns sent to the model, in order; default every column but the label. */
  features?: readonly string[] | undefined;
  label?: string | undefined;
  /** Input columns copied to the output, before the scores. */
  keep?: readonly string[] | "all" | undefined;
  /** Kept values as CSV text (CSV output) or as values (JSON Lines output). */
  keepAs: "csv" | "json";
  encoding: RowEncoding;
  maxRows: number;
  maxBytes: number;
  overheadBytes: number;
  /** Continue after this many rows, at this offset (from a checkpoint). */
  resume?: { offset: number; row: number } | undefined;
  signal?: AbortSignal | undefined;
  /** Text encoding of CSV and JSON Lines input (default UTF-8, checked). */
  textEncoding?: string | undefined;
  /** CSV: a never-closed quoted field fails its line alone instead of stopping the run. */
  lenientQuotes?: boolean | undefined;
}

export interface InputSource {
  readonly columns: readonly string[];
  readonly features: readonly string[];
  /** Names of kept columns, in output order. */
  readonly kept: readonly string[];
  /** For progress and ETA: the input's size in the unit of `position()`. */
  readonly size: number | undefined;
  /** Total rows when the format says so up front (Parquet). */
  readonly totalRows: number | undefined;
  /** How far reading got, in the unit of `size`. */
  position(): number;
  batches(): AsyncGenerator<InputBatch>;
}

/** Column indices of `wanted` in `columns`; a missing or duplicated one is a typed input error. */
export function indexColumns(columns: readonly string[], wanted: readonly string[], what: string): number[] {
  return wanted.map((name) => {
    const i = columns.indexOf(name);
    if (i === -1) {
      throw new MlshipError("E_INVALID_INPUT", `The input has no ${what} column '${name}'`, {
        where: `column ${name}`,
        details: { column: name, columns: columns.slice(0, 50) },
        hint: `Columns are: ${columns.slice(0, 20).join(", ")}${columns.length > 20 ? ", …" : ""}.`,
      });
    }
    if (columns.indexOf(name, i + 1) !== -1) {
      // Reading by name would give every one of them the first one's values.
      throw new MlshipError("E_INVALID_INPUT", `The input has more than one column named '${name}'`, {
        where: `column ${name}`,
        details: { column: name, columns: columns.slice(0, 50) },
        hint: "Rename the duplicates (pandas reads them as name.1, name.2, …), or leave them out of features, label and keep.",
      });
    }
    return i;
  });
}

export function resolveColumns(
  columns: readonly string[],
  options: Pick<InputOptions, "features" | "label" | "keep">,
): { features: string[]; kept: string[] } {
  if (options.label !== undefined) indexColumns(columns, [options.label], "label");
  const features = options.features ? [...options.features] : columns.filter((c) => c !== options.label);
  indexColumns(columns, features, "feature");
  const kept = options.keep === "all" ? [...columns] : [...(options.keep ?? [])];
  indexColumns(columns, kept, "kept");
  return { features, kept };
}
