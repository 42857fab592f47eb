interface Pending<U, S> {
  unit: U;
  resolve: (value: S) => void;
  reject: (error: unknown) => void;
}

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
  #pending: Array<Pending<U, S>> = [];
  #bytes = 0;
  #scheduled = false;
  readonly #options: CoalescerOptions<U, S>;

  constructor(options: CoalescerOptions<U, S>) {
    this.#options = options;
  }

  add(unit: U): Promise<S> {
    const bytes = this.#options.bytesOf(unit);
    const o = this.#options;
    if (
      this.#pending.length > 0 &&
      (this.#pending.length >= o.maxRows || o.overheadBytes + this.#bytes + bytes > o.maxBytes)
    ) {
      this.#flushNow();
    }
    return new Promise<S>((resolve, reject) => {
      this.#pending.push({ unit, resolve, reject });
      this.#bytes += bytes;
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#flushNow();
        });
      }
    });
  }

  #flushNow(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#bytes = 0;
    const units = batch.map((p) => p.unit);
    this.#options.flush(units).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const r = results[i];
          const p = batch[i] as Pending<U, S>;
          if (r instanceof Error) p.reject(r);
          else p.resolve(r as S);
        }
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  }
}
