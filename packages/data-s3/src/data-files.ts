import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { isMlshipError, MlshipError } from "@mlship/core";
import { parse as parseCsv } from "csv-parse";
import { csvTextToValue } from "./cells.js";
import { jsonArrayElements } from "./json-array.js";
import { compareCodePoints } from "./source-bundle.js";
import { checkColumns, type RowValues, rowValues, type TableFormat } from "./table.js";

export type FileKind = "csv" | "json" | "jsonl" | "json.gz" | "txt" | "parquet";

export const SUPPORTED_EXTENSIONS = [".csv", ".json", ".jsonl", ".json.gz", ".txt", ".parquet"] as const;

/** How an uploaded-as-is file is described to S3 (and in the DataRef). */
export const FILE_CONTENT: Record<FileKind, { contentType: string; contentEncoding?: string }> = {
  csv: { contentType: "text/csv" },
  json: { contentType: "application/json" },
  jsonl: { contentType: "application/jsonlines" },
  // The bytes stay gzip; HTTP clients that honour Content-Encoding (browsers, fetch) see the JSON.
  "json.gz": { contentType: "application/json", contentEncoding: "gzip" },
  txt: { contentType: "text/plain" },
  parquet: { contentType: "application/x-parquet" },
};

export function fileKind(name: string): FileKind | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith(".json.gz")) return "json.gz";
  const ext = path.extname(lower);
  switch (ext) {
    case ".csv":
    case ".json":
    case ".jsonl":
    case ".txt":
    case ".parquet":
      return ext.slice(1) as FileKind;
    default:
      return undefined;
  }
}

/** The file name with its data extension replaced by `.csv` / `.jsonl`. */
export function convertedName(rel: string, kind: FileKind, format: TableFormat): string {
  const stem = rel.slice(0, rel.length - (kind === "json.gz" ? ".json.gz" : `.${kind}`).length);
  return `${stem}.${format}`;
}

export interface DataFile {
  /** Absolute path. */
  file: string;
  /** Path below the staged directory (posix separators), or the file's own name. */
  name: string;
  kind: FileKind;
  size: number;
}

/**
 * The data files a `{ path }` source stands for: the file itself, or every file below the
 * directory (recursively, sorted), skipping names that start with `.` or `_` (hidden files, Spark's
 * `_SUCCESS`) and empty files. Fails before anything is read on: a missing or unreadable path,
 * an unsupported extension, or no data at all.
 */
export async function findDataFiles(source: string): Promise<{ isDirectory: boolean; files: DataFile[] }> {
  const root = path.resolve(source);
  const st = await stat(root).catch((cause: NodeJS.ErrnoException) => {
    throw new MlshipError(
      cause.code === "ENOENT" ? "E_NOT_FOUND" : "E_INVALID_INPUT",
      `cannot read data file ${source}: ${cause.code === "ENOENT" ? "no such file or directory" : cause.message}`,
      { where: source, cause },
    );
  });
  if (st.isFile()) {
    const file = await checkFile(root, path.basename(root), st.size, source);
    if (file.size === 0) {
      throw new MlshipError("E_INVALID_INPUT", `empty dataset: ${source} has no bytes`, { where: source });
    }
    return { isDirectory: false, files: [file] };
  }
  if (!st.isDirectory()) {
    throw new MlshipError("E_INVALID_INPUT", `${source} is neither a file nor a directory`, {
      where: source,
    });
  }
  const files: DataFile[] = [];
  const walk = async (dir: string, rel: string) => {
    const names = (
      await readdir(dir).catch((cause: NodeJS.ErrnoException) => {
        throw new MlshipError("E_INVALID_INPUT", `cannot list ${dir}: ${cause.message}`, {
          where: dir,
          cause,
        });
      })
    ).sort(compareCodePoints);
    for (const name of names) {
      if (name.startsWith(".") || name.startsWith("_")) continue;
      const abs = path.join(dir, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const child = await stat(abs).catch((cause: NodeJS.ErrnoException) => {
        throw new MlshipError("E_INVALID_INPUT", `cannot read ${abs}: ${cause.message}`, {
          where: abs,
          cause,
        });
      });
      if (child.isDirectory()) await walk(abs, childRel);
      else if (child.isFile() && child.size > 0) files.push(await checkFile(abs, childRel, child.size, abs));
    }
  };
  await walk(root, "");
  if (files.length === 0) {
    throw new MlshipError("E_INVALID_INPUT", `empty dataset: no non-empty data files in ${source}`, {
      where: source,
      hint: `Data files end in ${SUPPORTED_EXTENSIONS.join(", ")}.`,
    });
  }
  return { isDirectory: true, files };
}

async function checkFile(file: string, name: string, size: number, where: string): Promise<DataFile> {
  const kind = fileKind(name);
  if (!kind) {
    throw new MlshipError("E_INVALID_INPUT", `unsupported data file extension: ${name}`, {
      where,
      hint: `Supported: ${SUPPORTED_EXTENSIONS.join(", ")}.`,
    });
  }
  // stat() succeeds on files we cannot open; find out now rather than halfway through an upload.
  try {
    const handle = await open(file, "r");
    await handle.close();
  } catch (cause) {
    throw new MlshipError("E_INVALID_INPUT", `cannot read ${where}: ${(cause as Error).message}`, {
      where,
      cause,
    });
  }
  return { file, name, kind, size };
}

/** A table read from a data file: its columns (from the header / first record) and its rows after that. */
export interface FileTable {
  columns: string[];
  rows: AsyncIterable<RowValues>;
  /** Stops reading early (the file handle is closed). */
  close(): Promise<void>;
}

/**
 * Opens a data file as a table, reading only as far as the first record (which fixes the columns)
 * before returning. CSV files must have a header row. `target` decides how CSV text is typed:
 * kept verbatim for CSV output; numbers and empty fields (null) recognised for JSON Lines.
 */
export async function openFileTable(data: DataFile, target: TableFormat): Promise<FileTable> {
  const records = recordsOf(data, target);
  const iterator = records[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    throw new MlshipError("E_INVALID_INPUT", `empty dataset: ${data.name} has no rows`, { where: data.file });
  }
  const head = first.value;
  const columns = head.columns;
  if (!columns) throw new Error("first record must carry the columns");
  const rest: AsyncIterable<RowValues> = {
    async *[Symbol.asyncIterator]() {
      if (head.values) yield head.values;
      let sawRow = head.values !== undefined;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        sawRow = true;
        yield next.value.values as RowValues;
      }
      if (!sawRow) {
        throw new MlshipError("E_INVALID_INPUT", `empty dataset: ${data.name} has a header but no rows`, {
          where: data.file,
        });
      }
    },
  };
  return {
    columns,
    rows: rest,
    close: async () => {
      await iterator.return?.(undefined);
    },
  };
}

interface FileRecord {
  /** Set on the first record only. */
  columns?: string[];
  /** Absent for a CSV header record. */
  values?: RowValues;
}

async function* recordsOf(data: DataFile, target: TableFormat): AsyncGenerator<FileRecord> {
  try {
    yield* readRecords(data, target);
  } catch (cause) {
    if (isMlshipError(cause)) throw cause;
    // A corrupt gzip stream, a file that vanished, an I/O error: say which file.
    throw new MlshipError("E_INVALID_INPUT", `cannot read ${data.name}: ${(cause as Error).message}`, {
      where: data.file,
      cause,
    });
  }
}

async function* readRecords(data: DataFile, target: TableFormat): AsyncGenerator<FileRecord> {
  switch (data.kind) {
    case "csv":
      yield* csvRecords(data, target);
      return;
    case "jsonl":
      yield* objectRecords(jsonLines(createReadStream(data.file), data.name));
      return;
    case "json":
    case "json.gz":
      yield* objectRecords(jsonDocument(data));
      return;
    case "parquet":
      yield* objectRecords(parquetRows(data));
      return;
    case "txt":
      throw new MlshipError(
        "E_INVALID_INPUT",
        `${data.name}: .txt files are uploaded as they are, not converted`,
        {
          where: data.file,
          hint: "Leave out format/labelColumn/header for .txt data.",
        },
      );
  }
}

async function* csvRecords(data: DataFile, target: TableFormat): AsyncGenerator<FileRecord> {
  // pipeline: stopping early (a bad record, an abort) closes the file too.
  const parser = pipeline(
    createReadStream(data.file),
    parseCsv({ bom: true, skip_empty_lines: true, relax_column_count: false }),
    () => {},
  );
  let columns: string[] | undefined;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columns) {
        columns = checkColumns(record, `${data.name} header`);
        yield { columns };
        continue;
      }
      yield { values: target === "jsonl" ? record.map(csvTextToValue) : record };
    }
  } catch (cause) {
    const e = cause as Error & { code?: string; lines?: number };
    if (e.code?.startsWith("CSV_")) {
      throw new MlshipError("E_INVALID_INPUT", `${data.name}: ${e.message}`, {
        where: `${data.file}:${e.lines ?? "?"}`,
        cause,
        hint: "Every CSV record needs as many fields as the header.",
      });
    }
    throw cause;
  } finally {
    parser.destroy();
  }
}

/** Objects -> records: the first object's keys are the columns, every later one must match. */
async function* objectRecords(
  objects: AsyncIterable<{ value: unknown; where: string }>,
): AsyncGenerator<FileRecord> {
  let columns: string[] | undefined;
  for await (const { value, where } of objects) {
    if (!columns) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new MlshipError("E_INVALID_INPUT", `${where} is not a row object`, { where });
      }
      columns = checkColumns(Object.keys(value), where);
      yield { columns, values: rowValues(value, columns, where) };
      continue;
    }
    yield { values: rowValues(value, columns, where) };
  }
}

async function* jsonLines(
  input: NodeJS.ReadableStream,
  name: string,
  firstLineNumber = 1,
): AsyncGenerator<{ value: unknown; where: string }> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = firstLineNumber - 1;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === "") continue;
      const where = `${name}:${lineNumber}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (cause) {
        throw new MlshipError("E_INVALID_INPUT", `${where} is not valid JSON: ${(cause as Error).message}`, {
          where,
          cause,
        });
      }
      yield { value, where };
    }
  } finally {
    lines.close();
    (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}

/** `.json` / `.json.gz`: an array of row objects, or (starting with `{`) one object per line. */
async function* jsonDocument(data: DataFile): AsyncGenerator<{ value: unknown; where: string }> {
  const open = (): NodeJS.ReadableStream => {
    const raw = createReadStream(data.file);
    if (data.kind !== "json.gz") return raw;
    // pipeline (not pipe): when the gunzip stream is destroyed early, the file stream is closed too.
    // Errors surface on the gunzip stream, which is the one being read.
    return pipeline(raw, createGunzip(), () => {});
  };
  const first = await firstSignificantChar(open(), data);
  if (first === "{") {
    yield* jsonLines(open(), data.name);
    return;
  }
  let index = 0;
  for await (const value of jsonArrayElements(open() as AsyncIterable<Buffer>, data.name)) {
    yield { value, where: `${data.name} element ${index++}` };
  }
}

async function firstSignificantChar(
  stream: NodeJS.ReadableStream,
  data: DataFile,
): Promise<string | undefined> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = chunk.toString("utf8").replace(/^[\s\ufeff]+/, "");
      if (text.length > 0) return text[0];
    }
    return undefined;
  } catch (cause) {
    throw new MlshipError("E_INVALID_INPUT", `cannot read ${data.name}: ${(cause as Error).message}`, {
      where: data.file,
      cause,
    });
  } finally {
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}

/** Parquet, one row group at a time (hyparquet), so memory stays at about one row group. */
async function* parquetRows(data: DataFile): AsyncGenerator<{ value: unknown; where: string }> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import("hyparquet");
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(data.file);
    metadata = await parquetMetadataAsync(file);
  } catch (cause) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `${data.name} is not a readable Parquet file: ${(cause as Error).message}`,
      {
        where: data.file,
        cause,
      },
    );
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) yield { value: rows[i], where: `${data.name} row ${rowStart + i}` };
    rowStart = rowEnd;
  }
}
