import { BodyRows } from "./body-rows.js";
import { copyBytes, viewOf } from "./copy-bytes.js";

/** Consecutive input rows whose feature bytes are laid out as one CSV request body. */
export interface ByteBatch {
  readonly kind: "bytes";
  seq: number;
  /** Index of the batch's first row in the whole input. */
  start: number;
  count: number;
  rows: BodyRows;
  /** Per row, the label's text; null without a label column. */
  labels: string[] | null;
  /** Byte offset where the input continues after this batch. */
  endOffset: number;
}

export interface BodyBatchOptions {
  maxRows: number;
  maxBytes: number;
  overheadBytes: number;
  startRow: number;
  /** Byte offset of the first row's line. */
  startOffset: number;
  labels: boolean;
}

/**
 * Cuts rows into request bodies by row count and body bytes, exactly as the general reader's BatchBuilder
 * does; each row's feature bytes (and a "\n") go into a body buffer. Body buffers are reused: one comes
 * back with `release` once its batch has been answered.
 */
export class BodyBatches {
  readonly ready: ByteBatch[] = [];
  #seq = 0;
  #next: number;
  #body: Buffer;
  #bodyView: DataView;
  #used = 0;
  #ends: Uint32Array;
  #count = 0;
  #labels: string[] | null;
  #endOffset = 0;
  /** Where the open batch's first line starts: the end of the last batch handed out. */
  #openOffset: number;
  readonly #spare: Buffer[] = [];
  readonly #o: BodyBatchOptions;

  constructor(options: BodyBatchOptions) {
    this.#o = options;
    this.#next = options.startRow;
    this.#openOffset = options.startOffset;
    this.#body = this.#fresh();
    this.#bodyView = viewOf(this.#body);
    this.#ends = new Uint32Array(options.maxRows);
    this.#labels = options.labels ? [] : null;
  }

  #fresh(): Buffer {
    return this.#spare.pop() ?? Buffer.allocUnsafeSlow(Math.min(1 << 17, this.#o.maxBytes + 1));
  }

  /**
   * Drops the batch being filled and says where its rows start, for the general reader to read them again:
   * it then cuts batches from the same row as the general path does, so every request holds the same rows.
   */
  abandonOpen(): { offset: number; row: number } {
    this.#count = 0;
    this.#used = 0;
    this.#labels = this.#o.labels ? [] : null;
    return { offset: this.#openOffset, row: this.#next };
  }

  /** Whether a row of `bytes` (its "\n" included) may be sent at all. */
  fits(bytes: number): boolean {
    return this.#o.overheadBytes + bytes <= this.#o.maxBytes;
  }

  /**
   * The open body, with room for `bytes` more after `end`: the reader writes a line there while it checks it
   * (one pass over the line's bytes), then `add`s it or leaves it (it is overwritten).
   */
  reserve(bytes: number): DataView {
    if (this.#used + bytes > this.#body.length) this.#grow(this.#used + bytes);
    return this.#bodyView;
  }

  /** Where the next row is written in the open body (see `reserve`). */
  get end(): number {
    return this.#used;
  }

  /**
   * Takes the row just written at `end` as one unit: its feature bytes are `[end + skip, end + skip + length)`.
   * A row that starts the next batch is moved to the front of the next body.
   */
  add(skip: number, length: number, label: string | undefined, endOffset: number): void {
    const o = this.#o;
    const s = this.#used + skip;
    if (
      this.#count > 0 &&
      (this.#count >= o.maxRows || o.overheadBytes + this.#used + length + 1 > o.maxBytes)
    ) {
      const written = this.#bodyView;
      this.close(); // the row stays in the closed batch's buffer, after its end
      copyBytes(written, s, s + length, this.reserve(length + 1), 0);
    } else if (skip > 0) {
      // Forward, to a lower offset: overlapping is safe.
      copyBytes(this.#bodyView, s, s + length, this.#bodyView, this.#used);
    }
    const at = this.#used + length;
    this.#body[at] = 0x0a;
    this.#used = at + 1;
    this.#ends[this.#count++] = at + 1;
    if (this.#labels) this.#labels.push(label as string);
    this.#endOffset = endOffset;
  }

  #grow(need: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.#body.length * 2));
    this.#body.copy(bigger, 0, 0, this.#used);
    this.#body = bigger;
    this.#bodyView = viewOf(bigger);
  }

  /** Closes the batch being filled, if it has rows. */
  close(): void {
    if (this.#count === 0) return;
    const ends = this.#ends.slice(0, this.#count);
    this.ready.push({
      kind: "bytes",
      seq: this.#seq++,
      start: this.#next,
      count: this.#count,
      rows: new BodyRows(this.#body, ends),
      labels: this.#labels,
      endOffset: this.#endOffset,
    });
    this.#next += this.#count;
    this.#openOffset = this.#endOffset;
    this.#count = 0;
    this.#used = 0;
    this.#body = this.#fresh();
    this.#bodyView = viewOf(this.#body);
    this.#labels = this.#o.labels ? [] : null;
  }

  /** Batches handed out so far. */
  get batches(): number {
    return this.#seq;
  }

  release(batch: ByteBatch): void {
    if (this.#spare.length < 16) this.#spare.push(batch.rows.buffer);
  }
}
