/**
 * Rows already laid out in one CSV request body: row i is `buffer[ends[i - 1], ends[i])` (from 0 for the
 * first), each ending in "\n". Cutting it, as bad-row isolation does, copies nothing.
 */
export class BodyRows {
  readonly buffer: Buffer;
  readonly ends: Uint32Array;
  readonly #from: number;
  readonly #to: number;

  constructor(buffer: Buffer, ends: Uint32Array, from = 0, to = ends.length) {
    this.buffer = buffer;
    this.ends = ends;
    this.#from = from;
    this.#to = to;
  }

  get length(): number {
    return this.#to - this.#from;
  }

  slice(start: number, end = this.length): BodyRows {
    return new BodyRows(this.buffer, this.ends, this.#from + start, this.#from + Math.min(end, this.length));
  }

  /** The request body for these rows. */
  body(): Buffer {
    const start = this.#from === 0 ? 0 : (this.ends[this.#from - 1] as number);
    return this.buffer.subarray(start, this.#to === 0 ? 0 : this.ends[this.#to - 1]);
  }
}
