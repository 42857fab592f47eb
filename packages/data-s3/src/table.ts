import { MlshipError } from "@mlship/core";
import { CellError, csvCell, jsonCell, quoteCsv } from "./cells.js";

export type TableFormat = "csv" | "jsonl";

/** A row as values in the table's column order. */
export type RowValues = readonly unknown[];

/**
 * Rows travel in batches: one async step per batch instead of per row keeps the per-row cost at
 * the cell formatting (measured: 3x the rows/s of one `for await` step per row through two generators).
 */
export type RowBatches = Iterable<readonly RowValues[]> | AsyncIterable<readonly RowValues[]>;

export const BATCH_ROWS = 256;

/** Groups a row stream into batches of up to `BATCH_ROWS`. */
export async function* batched(rows: AsyncIterable<RowValues>): AsyncGenerator<RowValues[]> {
  let batch: RowValues[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Says where row `index` (0-based) came from, for error messages: `rows[12]`, `train.jsonl line 13`. */
export type RowLocator = (index: number) => string;

export interface EncodeTableOptions {
  format: TableFormat;
  /** CSV only: write the column names first. */
  header: boolean;
  /** Column names in the order the row values come in. */
  columns: readonly string[];
  /** Written first (`labelFirst`, default) or last; every other column keeps its order. */
  labelColumn?: string;
  labelFirst?: boolean;
  where: RowLocator;
}

/** Counters the encoder updates as it goes; read them once the stream is done. */
export interface TableStats {
  rows: number;
}

const CHUNK_CHARS = 1 << 20;

/**
 * The order in which columns are written: `columns` as given, except that `labelColumn` moves
 * first (or last). Returns indexes into `columns`.
 */
export function outputOrder(columns: readonly string[], labelColumn?: string, labelFirst = true): number[] {
  const order = columns.map((_, i) => i);
  if (labelColumn === undefined) return order;
  const at = columns.indexOf(labelColumn);
  if (at < 0) {
    throw new MlshipError("E_INVALID_INPUT", `label column "${labelColumn}" is not in the data`, {
      where: "labelColumn",
      hint: `Columns are: ${columns.map((c) => JSON.stringify(c)).join(", ")}.`,
    });
  }
  order.splice(at, 1);
  return labelFirst ? [at, ...order] : [...order, at];
}

/** Checks column names: non-empty strings, no duplicates. */
export function checkColumns(columns: readonly unknown[], where: string): string[] {
  if (columns.length === 0) {
    throw new MlshipError("E_INVALID_INPUT", "the data has no columns", { where });
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c !== "string" || c === "") {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `column names must be non-empty strings, got ${JSON.stringify(c)}`,
        {
          where,
        },
      );
    }
    if (seen.has(c)) throw new MlshipError("E_INVALID_INPUT", `column "${c}" appears twice`, { where });
    seen.add(c);
  }
  return [...seen];
}

/**
 * A row object's values in `columns` order. The first row fixes the columns; every other row must
 * have exactly the same keys (in any order), or this throws naming the row and the difference.
 */
export function rowValues(row: unknown, columns: readonly string[], where: string): unknown[] {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `${where} is ${Array.isArray(row) ? "an array" : row === null ? "null" : typeof row}, expected a row object`,
      { where, hint: "Give rows as objects: { column: value, ... }." },
    );
  }
  const record = row as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== columns.length) throw columnMismatch(record, columns, where);
  const values = new Array<unknown>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as string;
    // Fast path: keys in the first row's order. Otherwise look the column up; with equal counts,
    // every expected key being present means the key sets are equal.
    if (keys[i] !== column && !Object.hasOwn(record, column)) throw columnMismatch(record, columns, where);
    values[i] = record[column];
  }
  return values;
}

function columnMismatch(
  row: Record<string, unknown>,
  columns: readonly string[],
  where: string,
): MlshipError {
  const keys = Object.keys(row);
  const missing = columns.filter((c) => !Object.hasOwn(row, c));
  const extra = keys.filter((k) => !columns.includes(k));
  const parts = [
    missing.length ? `missing ${missing.map((c) => JSON.stringify(c)).join(", ")}` : "",
    extra.length ? `unexpected ${extra.map((c) => JSON.stringify(c)).join(", ")}` : "",
  ].filter(Boolean);
  return new MlshipError(
    "E_INVALID_INPUT",
    `${where} has different columns than the first row: ${parts.join("; ")}`,
    {
      where,
      hint: "Every row needs the same columns as the first one (use null for missing values).",
      details: { missing, unexpected: extra },
    },
  );
}

function cellError(error: unknown, where: string, column: string): never {
  if (error instanceof CellError) {
    throw new MlshipError("E_INVALID_INPUT", `${where}, column "${column}": ${error.message}`, {
      where: `${where}, column "${column}"`,
    });
  }
  throw error;
}

/** Checks that every cell of `values` can be written in `format`, without writing anything. */
export function checkCells(
  values: RowValues,
  columns: readonly string[],
  format: TableFormat,
  where: string,
): void {
  const cell = format === "csv" ? csvCell : jsonCell;
  for (let i = 0; i < values.length; i++) {
    try {
      cell(values[i]);
    } catch (error) {
      cellError(error, where, columns[i] as string);
    }
  }
}

/**
 * Encodes rows as CSV (RFC 4180, `\n` line ends) or JSON Lines, in chunks of about 1 MiB, never
 * holding more than one chunk. A row whose cell cannot be written stops the stream with an
 * MlshipError naming the row and column.
 */
export async function* encodeTable(
  batches: RowBatches,
  options: EncodeTableOptions,
  stats: TableStats,
): AsyncGenerator<Buffer> {
  const order = outputOrder(options.columns, options.labelColumn, options.labelFirst);
  const names = order.map((i) => options.columns[i] as string);
  const line =
    options.format === "csv" ? csvLine(order, names, options.where) : jsonLine(order, names, options.where);
  let buffer = options.format === "csv" && options.header ? `${names.map(quoteCsv).join(",")}\n` : "";
  let index = 0;
  // A sync source is iterated without `for await`, which would add an async step per batch.
  const isSync = Symbol.iterator in batches && !(Symbol.asyncIterator in batches);
  const iterator = isSync
    ? (batches as Iterable<readonly RowValues[]>)[Symbol.iterator]()
    : (batches as AsyncIterable<readonly RowValues[]>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = isSync ? (iterator as Iterator<readonly RowValues[]>).next() : await iterator.next();
      if (step.done) break;
      for (const values of step.value) {
        buffer += line(values, index++);
        if (buffer.length >= CHUNK_CHARS) {
          stats.rows = index;
          yield Buffer.from(buffer);
          buffer = "";
        }
      }
    }
  } finally {
    await iterator.return?.();
  }
  stats.rows = index;
  if (buffer.length > 0) yield Buffer.from(buffer);
}

function csvLine(order: number[], names: string[], where: RowLocator) {
  return (values: RowValues, index: number): string => {
    let out = "";
    for (let j = 0; j < order.length; j++) {
      const value = values[order[j] as number];
      try {
        out += j === 0 ? csvCell(value) : `,${csvCell(value)}`;
      } catch (error) {
        cellError(error, where(index), names[j] as string);
      }
    }
    return `${out}\n`;
  };
}

function jsonLine(order: number[], names: string[], where: RowLocator) {
  const keys = names.map((n, j) => `${j === 0 ? "{" : ","}${JSON.stringify(n)}:`);
  return (values: RowValues, index: number): string => {
    let out = "";
    for (let j = 0; j < order.length; j++) {
      try {
        out += keys[j] + jsonCell(values[order[j] as number]);
      } catch (error) {
        cellError(error, where(index), names[j] as string);
      }
    }
    return `${out}}\n`;
  };
}
