import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import type { Cell } from "@mlship/core";
import type { SchemaElement } from "hyparquet";
import { fileWriter, ParquetWriter } from "hyparquet-writer";
import { readRecords } from "./input/lines.js";
import { outputColumns } from "./output.js";
import type { Task } from "./parse-scores.js";

// Parquet output is written in two steps: the run writes a JSON Lines spool next to the output (so checkpoints
// and resume work exactly as for JSON Lines output; see output-spool.ts), and the finished spool becomes the
// Parquet file. A Parquet file only becomes readable once its footer is written, so a half-done run leaves a
// spool, never a broken Parquet file.

/** Rows per row group: bounds memory while converting, independent of the dataset size. */
const ROW_GROUP = 65_536;

type ColumnKind = "DOUBLE" | "BOOLEAN" | "STRING";

export interface ParquetLayout {
  /** Kept input columns, in output order. */
  kept: readonly string[];
  task: Task;
  /** Multi-class: number of class columns. */
  width: number;
  /** Multi-class: class labels naming the columns (`score_<label>`), else indices. */
  classes?: readonly Cell[] | undefined;
}

async function eachSpoolRow(spool: string, onRow: (row: Record<string, unknown>) => void): Promise<void> {
  for await (const _ of readRecords(spool, (line) => onRow(JSON.parse(line) as Record<string, unknown>))) {
    // readRecords calls onRow for every line of a chunk before it yields.
  }
}

/** A kept column's Parquet type: numbers stay DOUBLE, booleans BOOLEAN, anything else (or a mix) text. */
function kindOf(values: ReadonlySet<string>): ColumnKind {
  if (values.size === 1 && values.has("number")) return "DOUBLE";
  if (values.size === 1 && values.has("boolean")) return "BOOLEAN";
  return "STRING";
}

function schemaElement(name: string, kind: ColumnKind): SchemaElement {
  if (kind === "STRING")
    return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" };
  return { name, type: kind, repetition_type: "OPTIONAL" };
}

// Nested values (lists, objects from JSON Lines) as their JSON text, as CSV output writes them.
const asKind = (v: unknown, kind: ColumnKind): unknown =>
  v === null || v === undefined
    ? null
    : kind === "STRING" && typeof v !== "string"
      ? typeof v === "object"
        ? JSON.stringify(v)
        : String(v)
      : v;

/**
 * Turns a finished JSON Lines spool into the Parquet file at `out` (written beside it, then renamed, so
 * `out` is either the old file or the complete new one) and deletes the spool.
 */
export async function writeParquetFromSpool(
  spool: string,
  out: string,
  layout: ParquetLayout,
): Promise<void> {
  // Pass 1: the type of every kept column (a Parquet schema is fixed before the first row).
  const seen = layout.kept.map(() => new Set<string>());
  await eachSpoolRow(spool, (row) => {
    for (let k = 0; k < layout.kept.length; k++) {
      const v = row[layout.kept[k] as string];
      if (v !== null && v !== undefined) (seen[k] as Set<string>).add(typeof v);
    }
  });
  const keptKinds = seen.map(kindOf);
  const names = outputColumns(layout.kept, layout.task, "parquet", layout.width, layout.classes);
  const kinds: ColumnKind[] = [
    ...keptKinds,
    ...names.slice(layout.kept.length, -1).map((): ColumnKind => "DOUBLE"),
    "STRING",
  ];
  const schema: SchemaElement[] = [
    { name: "root", num_children: names.length },
    ...names.map((n, i) => schemaElement(n, kinds[i] as ColumnKind)),
  ];

  // Pass 2: row groups of ROW_GROUP rows.
  const partial = `${out}.mlship-partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  const writer = new ParquetWriter({ writer: fileWriter(partial), schema });
  let columns = names.map((): unknown[] => []);
  const writeGroup = () => {
    if (columns[0]?.length === 0) return;
    writer.write({
      columnData: names.map((name, i) => ({ name, data: columns[i] as unknown[] })),
      rowGroupSize: ROW_GROUP,
    });
    columns = names.map((): unknown[] => []);
  };
  const scoreColumns = names.length - layout.kept.length - 1;
  try {
    await eachSpoolRow(spool, (row) => {
      let c = 0;
      for (const name of layout.kept) {
        (columns[c] as unknown[]).push(asKind(row[name], kinds[c] as ColumnKind));
        c++;
      }
      const scores = layout.task === "binary" ? [row.score] : (row.scores as unknown[] | null);
      for (let s = 0; s < scoreColumns; s++) (columns[c++] as unknown[]).push(scores?.[s] ?? null);
      (columns[c] as unknown[]).push(row.error ?? null);
      if ((columns[0] as unknown[]).length >= ROW_GROUP) writeGroup();
    });
    writeGroup();
    await writer.finish();
    await rename(partial, out);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await rm(spool, { force: true });
}
