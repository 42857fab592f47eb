import { type DataSource, MlshipError, type Row } from "@mlship/core";
import {
  BATCH_ROWS,
  checkCells,
  checkColumns,
  type RowBatches,
  type RowLocator,
  type RowValues,
  rowValues,
  type TableFormat,
} from "./table.js";

/** What a `DataSource` turned out to be. */
export type ClassifiedSource =
  | { kind: "rows"; rows: readonly Row[] }
  | { kind: "columns"; columns: Record<string, ArrayLike<unknown>> }
  | { kind: "iterable"; iterable: AsyncIterable<Row> | Iterable<Row> }
  | { kind: "path"; path: string };

export function classifySource(source: DataSource): ClassifiedSource {
  if (typeof source === "string") {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `a string is not a data source: pass { path: ${JSON.stringify(source)} }`,
      {
        where: "source",
        hint: "Local files and directories are given as { path }; rows as an array or an (async) iterable.",
      },
    );
  }
  if (typeof source !== "object" || source === null) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `unsupported data source: ${source === null ? "null" : typeof source}`,
      {
        where: "source",
        hint: "Pass rows, a column object, an (async) iterable of rows or { path }.",
      },
    );
  }
  if (Array.isArray(source)) return { kind: "rows", rows: source as readonly Row[] };
  if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    return { kind: "iterable", iterable: source as AsyncIterable<Row> | Iterable<Row> };
  }
  const record = source as Record<string, unknown>;
  if (typeof record.path === "string") {
    if (Object.keys(record).length !== 1) {
      throw new MlshipError("E_INVALID_INPUT", "a { path } source takes no other keys", { where: "source" });
    }
    // path.resolve("") is the working directory: an empty path would stage all of it.
    if (record.path === "") {
      throw new MlshipError("E_INVALID_INPUT", "empty path: { path } needs a file or directory", {
        where: "source",
        hint: 'Pass { path: "data/train.csv" }, or { path: "." } for the working directory.',
      });
    }
    return { kind: "path", path: record.path };
  }
  for (const [name, values] of Object.entries(record)) {
    if (!isColumn(values)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `column "${name}" is not an array (a column object maps each column name to its values)`,
        {
          where: `column "${name}"`,
          hint: "Pass rows, a column object, an (async) iterable of rows or { path }.",
        },
      );
    }
  }
  return { kind: "columns", columns: record as Record<string, ArrayLike<unknown>> };
}

function isColumn(values: unknown): values is ArrayLike<unknown> {
  return Array.isArray(values) || (ArrayBuffer.isView(values) && !(values instanceof DataView));
}

/** An in-memory or streamed table, checked as far as it can be before anything is uploaded. */
export interface TableSource {
  columns: string[];
  rows: RowBatches;
  where: RowLocator;
  /** Releases the source if it is never consumed (a peeked iterator). */
  dispose(): Promise<void>;
}

const nothing = async () => {};

/** Rows 0..length-1 made on demand, in batches. */
function batchesOf(length: number, row: (i: number) => RowValues): Iterable<RowValues[]> {
  return {
    *[Symbol.iterator]() {
      for (let start = 0; start < length; start += BATCH_ROWS) {
        const end = Math.min(length, start + BATCH_ROWS);
        const batch: RowValues[] = [];
        for (let i = start; i < end; i++) batch.push(row(i));
        yield batch;
      }
    },
  };
}

/**
 * Row arrays: the first row fixes the columns, then every row and cell is checked up front (the
 * data is in memory anyway), so a bad row fails before the upload starts.
 */
export function rowsTable(rows: readonly Row[], format: TableFormat): TableSource {
  if (rows.length === 0)
    throw new MlshipError("E_INVALID_INPUT", "empty dataset: no rows", { where: "rows" });
  const first = rows[0];
  if (typeof first !== "object" || first === null || Array.isArray(first)) {
    throw new MlshipError("E_INVALID_INPUT", "rows[0] is not a row object", { where: "rows[0]" });
  }
  const columns = checkColumns(Object.keys(first), "rows[0]");
  for (let i = 0; i < rows.length; i++) {
    checkCells(rowValues(rows[i], columns, `rows[${i}]`), columns, format, `rows[${i}]`);
  }
  return {
    columns,
    rows: batchesOf(rows.length, (i) => rowValues(rows[i], columns, `rows[${i}]`)),
    where: (i) => `rows[${i}]`,
    dispose: nothing,
  };
}

/** Column objects: equal lengths and every cell checked up front. */
export function columnsTable(data: Record<string, ArrayLike<unknown>>, format: TableFormat): TableSource {
  const columns = checkColumns(Object.keys(data), "columns");
  const arrays = columns.map((c) => data[c] as ArrayLike<unknown>);
  const length = (arrays[0] as ArrayLike<unknown>).length;
  columns.forEach((c, j) => {
    const n = (arrays[j] as ArrayLike<unknown>).length;
    if (n !== length) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `column "${c}" has ${n} values but column "${columns[0]}" has ${length}`,
        { where: `column "${c}"`, hint: "Every column needs one value per row." },
      );
    }
  });
  if (length === 0)
    throw new MlshipError("E_INVALID_INPUT", "empty dataset: the columns have no values", {
      where: "columns",
    });
  const row = (i: number) => arrays.map((a) => a[i]);
  for (let i = 0; i < length; i++) checkCells(row(i), columns, format, `row ${i}`);
  return {
    columns,
    rows: batchesOf(length, row),
    where: (i) => `row ${i}`,
    dispose: nothing,
  };
}

/**
 * A stream of rows: only the first row is read now (it fixes the columns and shows the stream is
 * not empty). Later rows are checked as they are written; a bad one stops the upload, which is then
 * aborted, and the error names its index.
 */
export async function iterableTable(
  iterable: AsyncIterable<Row> | Iterable<Row>,
  format: TableFormat,
): Promise<TableSource> {
  const isAsync = Symbol.asyncIterator in iterable;
  const iterator = isAsync
    ? (iterable as AsyncIterable<Row>)[Symbol.asyncIterator]()
    : (iterable as Iterable<Row>)[Symbol.iterator]();
  const first = await sourceStep(() => iterator.next(), 0);
  if (first.done) {
    throw new MlshipError("E_INVALID_INPUT", "empty dataset: the row stream yielded no rows", {
      where: "row 0",
    });
  }
  if (typeof first.value !== "object" || first.value === null || Array.isArray(first.value)) {
    await closeQuietly(iterator);
    throw new MlshipError("E_INVALID_INPUT", "row 0 is not a row object", { where: "row 0" });
  }
  let columns: string[];
  let firstValues: unknown[];
  try {
    columns = checkColumns(Object.keys(first.value), "row 0");
    firstValues = rowValues(first.value, columns, "row 0");
    checkCells(firstValues, columns, format, "row 0");
  } catch (error) {
    await closeQuietly(iterator);
    throw error;
  }
  let started = false;
  const rows: RowBatches = isAsync
    ? {
        async *[Symbol.asyncIterator]() {
          started = true;
          const source = iterator as AsyncIterator<Row>;
          let batch: RowValues[] = [firstValues];
          let i = 1;
          try {
            for (;;) {
              let step: IteratorResult<Row>;
              try {
                step = await source.next();
              } catch (cause) {
                throw sourceFailed(cause, i);
              }
              if (step.done) break;
              batch.push(rowValues(step.value, columns, `row ${i}`));
              i++;
              if (batch.length >= BATCH_ROWS) {
                yield batch;
                batch = [];
              }
            }
            if (batch.length > 0) yield batch;
          } finally {
            await closeQuietly(source);
          }
        },
      }
    : {
        *[Symbol.iterator]() {
          started = true;
          const source = iterator as Iterator<Row>;
          let batch: RowValues[] = [firstValues];
          let i = 1;
          try {
            for (;;) {
              let step: IteratorResult<Row>;
              try {
                step = source.next();
              } catch (cause) {
                throw sourceFailed(cause, i);
              }
              if (step.done) break;
              batch.push(rowValues(step.value, columns, `row ${i}`));
              i++;
              if (batch.length >= BATCH_ROWS) {
                yield batch;
                batch = [];
              }
            }
            if (batch.length > 0) yield batch;
          } finally {
            source.return?.();
          }
        },
      };
  return {
    columns,
    rows,
    where: (i) => `row ${i}`,
    dispose: async () => {
      if (!started) await closeQuietly(iterator);
    },
  };
}

async function sourceStep<T>(next: () => T | Promise<T>, index: number): Promise<T> {
  try {
    return await next();
  } catch (cause) {
    throw sourceFailed(cause, index);
  }
}

function sourceFailed(cause: unknown, index: number): MlshipError {
  return new MlshipError(
    "E_UPLOAD_FAILED",
    `the row stream failed while reading row ${index}: ${(cause as Error)?.message ?? String(cause)}`,
    { where: `row ${index}`, cause },
  );
}

async function closeQuietly(iterator: Iterator<unknown> | AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The source's own cleanup failing must not hide the error we are reporting.
  }
}
