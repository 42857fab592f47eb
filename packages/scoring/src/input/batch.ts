import type { MlshipError } from "@mlship/core";
import type { Unit } from "../row-codec.js";
import type { InputOptions } from "./source.js";

/** Consecutive input rows, ready to send as one request. */
export interface InputBatch {
  /** 0, 1, 2… in input order. */
  seq: number;
  /** Index of the batch's first row in the whole input. */
  start: number;
  /** Rows in the batch, including rows that could not be encoded. */
  count: number;
  /** Request units of the rows that could be encoded. */
  units: Unit[];
  /** Batch positions of `units`; null when every row has a unit (the common case). */
  positions: number[] | null;
  /** Per position, why the row was not sent; null when none failed. */
  errors: Array<MlshipError | undefined> | null;
  /** Per position, the row's label as read; null without a label column. */
  labels: unknown[] | null;
  /** Per position, what the output carries over from the input; null when nothing is kept. */
  keep: unknown[] | null;
  /** Where the input continues after this batch: a byte offset (CSV, JSON Lines) or a row index (Parquet). */
  endOffset: number;
}

export interface BatchBuilderOptions {
  maxRows: number;
  maxBytes: number;
  overheadBytes: number;
  startRow: number;
  labels: boolean;
  keep: boolean;
}

/** Cuts rows into batches by row count and body bytes; completed batches collect in `ready`. */
export class BatchBuilder {
  readonly ready: InputBatch[] = [];
  #seq = 0;
  #next: number;
  #bytes: number;
  #current: InputBatch;
  readonly #o: BatchBuilderOptions;

  constructor(options: BatchBuilderOptions) {
    this.#o = options;
    this.#next = options.startRow;
    this.#bytes = options.overheadBytes;
    this.#current = this.#fresh();
  }

  get rowsAdded(): number {
    return this.#next - this.#o.startRow;
  }

  #fresh(): InputBatch {
    return {
      seq: this.#seq++,
      start: this.#next,
      count: 0,
      units: [],
      positions: null,
      errors: null,
      labels: this.#o.labels ? [] : null,
      keep: this.#o.keep ? [] : null,
      endOffset: 0,
    };
  }

  #close(): void {
    this.ready.push(this.#current);
    this.#current = this.#fresh();
    this.#bytes = this.#o.overheadBytes;
  }

  add(unit: Unit, bytes: number, label: unknown, keep: unknown, endOffset: number): void {
    const b = this.#current;
    if (b.count > 0 && (b.count >= this.#o.maxRows || this.#bytes + bytes > this.#o.maxBytes)) this.#close();
    const c = this.#current;
    if (c.positions) c.positions.push(c.count);
    c.units.push(unit);
    this.#bytes += bytes;
    this.#finishRow(c, label, keep, endOffset);
  }

  addError(error: MlshipError, label: unknown, keep: unknown, endOffset: number): void {
    if (this.#current.count >= this.#o.maxRows) this.#close();
    const c = this.#current;
    if (!c.positions) c.positions = Array.from({ length: c.count }, (_, i) => i);
    if (!c.errors) c.errors = [];
    c.errors[c.count] = error;
    this.#finishRow(c, label, keep, endOffset);
  }

  #finishRow(c: InputBatch, label: unknown, keep: unknown, endOffset: number): void {
    if (c.labels) c.labels.push(label);
    if (c.keep) c.keep.push(keep);
    c.count++;
    c.endOffset = endOffset;
    this.#next++;
  }

  /** Closes the last, partial batch. */
  end(): void {
    if (this.#current.count > 0) this.#close();
  }
}

/** The builder every input source uses: limits from the options, numbering from the resume point. */
export function inputBatchBuilder(options: InputOptions, kept: readonly string[]): BatchBuilder {
  return new BatchBuilder({
    maxRows: options.maxRows,
    maxBytes: options.maxBytes,
    overheadBytes: options.overheadBytes,
    startRow: options.resume?.row ?? 0,
    labels: options.label !== undefined,
    keep: kept.length > 0,
  });
}
