import type { InputBatch } from "../input/batch.js";
import type { InputOptions, InputSource } from "../input/source.js";
import { BodyBatches, type ByteBatch } from "./body-batches.js";
import { type ByteLayout, readCsvBytes } from "./csv-bytes.js";

/**
 * The byte path's layout for this input, when it can take it: CSV rows go to the model as their feature
 * bytes only when the features are consecutive columns and nothing is kept (the general reader then makes
 * the same unit by slicing the line's text).
 */
export function byteLayout(input: InputSource, label: string | undefined): ByteLayout | undefined {
  if (input.kept.length > 0 || input.features.length === 0) return undefined;
  const index = input.features.map((f) => input.columns.indexOf(f));
  const first = index[0] as number;
  if (!index.every((c, i) => c === first + i)) return undefined;
  return {
    width: input.columns.length,
    first,
    last: first + index.length - 1,
    label: label === undefined ? -1 : input.columns.indexOf(label),
  };
}

export interface ByteInput {
  readonly size: number | undefined;
  readonly totalRows: undefined;
  position(): number;
  /** Byte batches, then (after a line the byte reader leaves to it) the general reader's batches. */
  batches(): AsyncGenerator<ByteBatch | InputBatch>;
  /** A byte batch's body buffer, to reuse once the batch is answered. */
  release(batch: ByteBatch): void;
}

/**
 * Reads the CSV input through the byte reader, handing the rest of the file to the general reader (opened
 * again at that line and row) at the first line the byte reader does not take. Batch numbers run on.
 */
export function byteInput(
  general: InputSource,
  options: InputOptions,
  layout: ByteLayout,
  reopen: (resume: { offset: number; row: number }) => Promise<InputSource>,
): ByteInput {
  let position = general.position();
  let rest: InputSource | undefined;
  const bodies = new BodyBatches({
    maxRows: options.maxRows,
    maxBytes: options.maxBytes,
    overheadBytes: options.overheadBytes,
    startRow: options.resume?.row ?? 0,
    startOffset: position,
    labels: options.label !== undefined,
  });
  return {
    size: general.size,
    totalRows: undefined,
    position: () => rest?.position() ?? position,
    release: (batch) => bodies.release(batch),
    async *batches() {
      const reader = readCsvBytes({
        path: options.path,
        start: position,
        layout,
        batches: bodies,
        signal: options.signal,
        onPosition: (offset) => (position = offset),
      });
      let next = await reader.next();
      for (; !next.done; next = await reader.next()) yield next.value;
      if (next.value === undefined) return;
      rest = await reopen(next.value);
      const shift = bodies.batches;
      for await (const batch of rest.batches()) {
        batch.seq += shift;
        yield batch;
      }
    },
  };
}
