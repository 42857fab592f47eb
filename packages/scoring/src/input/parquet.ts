import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { type InputBatch, inputBatchBuilder } from "./batch.js";
import { recordAdder } from "./records.js";
import type { InputOptions, InputSource } from "./source.js";
import { resolveColumns } from "./source.js";

/** Rows decoded per read: bounds memory independently of the row-group size. */
const SLICE_ROWS = 50_000;

/** Parquet via hyparquet (pure JS), read in row slices; positions are row indices. */
export async function openParquetInput(options: InputOptions): Promise<InputSource> {
  const file = await asyncBufferFromFile(options.path);
  const metadata = await parquetMetadataAsync(file);
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const { features, kept } = resolveColumns(columns, options);
  const totalRows = Number(metadata.num_rows);
  const needed = [
    ...new Set([...features, ...kept, ...(options.label === undefined ? [] : [options.label])]),
  ];
  let position = options.resume?.row ?? 0;
  return {
    columns,
    features,
    kept,
    size: totalRows,
    totalRows,
    position: () => position,
    async *batches(): AsyncGenerator<InputBatch> {
      const builder = inputBatchBuilder(options, kept);
      const add = recordAdder(options, features, kept, builder);
      for (let start = position; start < totalRows; start += SLICE_ROWS) {
        options.signal?.throwIfAborted();
        const rowEnd = Math.min(totalRows, start + SLICE_ROWS);
        const rows = await parquetReadObjects({ file, metadata, columns: needed, rowStart: start, rowEnd });
        for (let i = 0; i < rows.length; i++) add(rows[i], start + i + 1);
        position = rowEnd;
        while (builder.ready.length) yield builder.ready.shift() as InputBatch;
      }
      builder.end();
      while (builder.ready.length) yield builder.ready.shift() as InputBatch;
    },
  };
}
