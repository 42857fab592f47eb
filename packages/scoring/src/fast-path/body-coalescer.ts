import type { Cell } from "@mlship/core";
import { BodyRows } from "./body-rows.js";
import { writeNumberText } from "./number-text.js";
import { type PlainAnswer, plainScores } from "./plain-answer.js";

export interface BodyCoalescerOptions<S> {
  maxRows: number;
  maxBytes: number;
  overheadBytes: number;
  /** Sends one body; resolves a plain answer (binary) or one entry per row (a value or that row's Error). */
  send: (rows: BodyRows) => Promise<PlainAnswer | Array<S | Error>>;
}

const FIRST_BUFFER = 1 << 16;

/**
 * The Coalescer for CSV request bodies: each row's text is written straight into one shared batch Buffer
 * (no unit array, no join, no string body), and a plain answer resolves each caller with its number, read
 * from the answer's bytes. Buffers come back for reuse once their request is answered.
 */
export class BodyCoalescer<S> {
  #buf: Buffer = Buffer.allocUnsafeSlow(FIRST_BUFFER);
  /** `#buf` as a plain Uint8Array (stores are cheaper than on the Buffer). */
  #bytes = new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  #used = 0;
  #ends: number[] = [];
  #resolves: Array<(value: S) => void> = [];
  #rejects: Array<(error: unknown) => void> = [];
  #scheduled = false;
  readonly #spare: Buffer[] = [];
  readonly #o: BodyCoalescerOptions<S>;
  readonly #flushSoon = () => {
    this.#scheduled = false;
    this.#flushNow();
  };

  constructor(options: BodyCoalescerOptions<S>) {
    this.#o = options;
  }

  /** One row's CSV text (no newline); resolves with that row's score or rejects with its error. */
  add(text: string): Promise<S> {
    this.#open();
    const at = this.#used;
    this.#room(at + text.length * 3 + 1);
    return this.#take(at, this.#buf.write(text, at));
  }

  /**
   * One row of cells written as `csvLine` writes them (`String()` of each, comma-separated) when every cell
   * is a finite number, straight into the batch Buffer; undefined (nothing added) for any other row.
   */
  addNumbers(cells: readonly Cell[]): Promise<S> | undefined {
    this.#open();
    const start = this.#used;
    // A double's text is at most 25 bytes ("-1.2345678901234567e-300"), its comma included.
    this.#room(start + cells.length * 25 + 1);
    const out = this.#bytes;
    let at = start;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (typeof v !== "number" || !Number.isFinite(v)) return undefined;
      if (i > 0) out[at++] = 0x2c;
      const end = writeNumberText(out, at, v);
      at = end === -1 ? at + this.#buf.write(String(v), at, "latin1") : end;
    }
    return this.#take(start, at - start);
  }

  /** Flushes first when the open body has as many rows as a request may hold. */
  #open(): void {
    if (this.#ends.length >= this.#o.maxRows) this.#flushNow();
  }

  /** Takes the row of `length` bytes just written at `at` (its newline is added here). */
  #take(at: number, length: number): Promise<S> {
    const o = this.#o;
    const bytes = length + 1;
    this.#buf[at + length] = 0x0a;
    if (this.#ends.length > 0 && o.overheadBytes + at + bytes > o.maxBytes) {
      // This row starts the next body: it moves to the front of a fresh buffer.
      const row = Buffer.from(this.#buf.subarray(at, at + bytes));
      this.#flushNow();
      this.#room(bytes);
      row.copy(this.#buf, 0);
    }
    this.#used += bytes;
    this.#ends.push(this.#used);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
    return new Promise<S>(this.#settleLater);
  }

  // One executor for every row's promise: no closure allocated per call.
  readonly #settleLater = (resolve: (value: S) => void, reject: (error: unknown) => void) => {
    this.#resolves.push(resolve);
    this.#rejects.push(reject);
  };

  #room(need: number): void {
    if (need <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(bigger, 0, 0, this.#used);
    this.#use(bigger);
  }

  #use(buf: Buffer): void {
    this.#buf = buf;
    this.#bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #flushNow(): void {
    if (this.#ends.length === 0) return;
    const rows = new BodyRows(this.#buf, Uint32Array.from(this.#ends));
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    this.#use(this.#spare.pop() ?? Buffer.allocUnsafeSlow(FIRST_BUFFER));
    this.#used = 0;
    this.#ends = [];
    this.#resolves = [];
    this.#rejects = [];
    const reuse = () => {
      if (this.#spare.length < 8) this.#spare.push(rows.buffer);
    };
    this.#o.send(rows).then(
      (answer) => {
        reuse();
        if (!Array.isArray(answer)) {
          const score = plainScores(answer);
          for (let i = 0; i < resolves.length; i++) (resolves[i] as (v: S) => void)(score(i) as S);
          return;
        }
        for (let i = 0; i < resolves.length; i++) {
          const r = answer[i];
          if (r instanceof Error) (rejects[i] as (e: unknown) => void)(r);
          else (resolves[i] as (v: S) => void)(r as S);
        }
      },
      (error: unknown) => {
        reuse();
        for (const reject of rejects) reject(error);
      },
    );
  }
}
