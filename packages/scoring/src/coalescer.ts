export interface CoalescerOptions<U, S> {
  maxRows: number;
  maxBytes: number;
  /** Bytes the unit adds to a request body. */
  bytesOf: (unit: U) => number;
  /** Bytes every body carries regardless of rows. */
  overheadBytes: number;
  /** Sends one batch; resolves one entry per unit (a value or an Error for that unit). */
  flush: (units: U[]) => Promise<Array<S | Error>>;
}

/**
 * Collects single-row calls made in the same turn of the event loop into one batch (flushed on
 * setImmediate, or at once when the next row would pass maxRows/maxBytes), so per-row callers get
 * batch throughput. Each caller gets its own row's result or error.
 */
export class Coalescer<U, S> {
  // Parallel arrays rather than an object per call: less garbage on the per-row path.
  #units: U[] = [];
  #resolves: Array<(value: S) => void> = [];
  #rejects: Array<(error: unknown) => void> = [];
  #bytes = 0;
  #scheduled = false;
  readonly #options: CoalescerOptions<U, S>;
  readonly #flushSoon = () => {
    this.#scheduled = false;
    this.#flushNow();
  };

  constructor(options: CoalescerOptions<U, S>) {
    this.#options = options;
  }

  add(unit: U): Promise<S> {
    const bytes = this.#options.bytesOf(unit);
    const o = this.#options;
    const n = this.#units.length;
    if (n > 0 && (n >= o.maxRows || o.overheadBytes + this.#bytes + bytes > o.maxBytes)) this.#flushNow();
    this.#units.push(unit);
    this.#bytes += bytes;
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

  #flushNow(): void {
    const units = this.#units;
    if (units.length === 0) return;
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    this.#units = [];
    this.#resolves = [];
    this.#rejects = [];
    this.#bytes = 0;
    this.#options.flush(units).then(
      (results) => {
        for (let i = 0; i < units.length; i++) {
          const r = results[i];
          if (r instanceof Error) (rejects[i] as (e: unknown) => void)(r);
          else (resolves[i] as (v: S) => void)(r as S);
        }
      },
      (error: unknown) => {
        for (const reject of rejects) reject(error);
      },
    );
  }
}
