// Room for a flush (at 256 KB) plus a batch, so chunks are reused rather than outgrown.
const CHUNK = 1 << 20;

/**
 * Output bytes on their way to the file, in reused buffers: text and copied bytes are appended to the
 * current buffer; `take()` hands it to the writer, which gives it back with `release()` once written.
 */
export class OutputBytes {
  #buf: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  #len = 0;
  readonly #spare: Buffer[] = [];

  get length(): number {
    return this.#len;
  }

  /** Room for `n` more bytes at `at`; a batch larger than a buffer gets a larger one (not reused). */
  reserve(n: number): Buffer {
    if (this.#len + n > this.#buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.#len + n));
      this.#buf.copy(bigger, 0, 0, this.#len);
      this.#buf = bigger;
    }
    return this.#buf;
  }

  get at(): number {
    return this.#len;
  }

  /** Marks `n` bytes written after `at` (into the buffer `reserve` returned). */
  advance(n: number): void {
    this.#len += n;
  }

  text(s: string): void {
    if (s === "") return;
    // Up to 3 UTF-8 bytes per UTF-16 unit; counted exactly only when that bound would not fit (a large
    // batch of general-path text), so the buffer is not outgrown (and then not reused) for nothing.
    const room = this.#buf.length - this.#len;
    const need = s.length * 3 <= room ? s.length * 3 : Buffer.byteLength(s);
    this.#len += this.reserve(need).write(s, this.#len);
  }

  /** The bytes so far, as one chunk to write; later appends go to another buffer. */
  take(): Buffer {
    const chunk = this.#buf.subarray(0, this.#len);
    this.#buf = this.#spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
    this.#len = 0;
    return chunk;
  }

  /** A written chunk's buffer, to reuse. */
  release(chunk: Buffer): void {
    if (chunk.buffer.byteLength === CHUNK && this.#spare.length < 8)
      this.#spare.push(Buffer.from(chunk.buffer));
  }
}
