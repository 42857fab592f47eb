import { BodyRows } from "./body-rows.js";
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
    const o = this.#o;
    if (this.#ends.length >= o.maxRows) this.#flushNow();
    const at = this.#used;
    this.#room(at + text.length * 3 + 1);
    const bytes = this.#buf.write(text, at) + 1;
    this.#buf[at + bytes - 1] = 0x0a;
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
    this.#buf = bigger;
  }

  #flushNow(): void {
    if (this.#ends.length === 0) return;
    const rows = new BodyRows(this.#buf, Uint32Array.from(this.#ends));
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    this.#buf = this.#spare.pop() ?? Buffer.allocUnsafeSlow(FIRST_BUFFER);
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
