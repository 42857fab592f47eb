import {
  abortError,
  backoffDelay,
  type EventSink,
  emit,
  isMlshipError,
  MlshipError,
  sleep,
} from "@mlship/core";
import type { RowResult } from "./parse-scores.js";
import { widthMismatch } from "./width.js";

/** Rows to score: an array of request units, or anything that can be cut the same way (rows of one body). */
export interface RowList<L> {
  readonly length: number;
  slice(start: number, end?: number): L;
}

/** Sends some rows as one request; rejects when the request (or its whole response) fails. */
export type Attempt<L, S> = (units: L, signal: AbortSignal | undefined) => Promise<RowResult<S>[]>;

export interface IsolationOptions {
  /** Extra attempts for a request that failed for a transient reason (network, throttling, 502/503/504). */
  retries: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  /** Rows that failed one by one, in a row, with no scored row between them, before the run gives up. */
  maxConsecutiveFailures: number;
  signal?: AbortSignal | undefined;
  events?: EventSink | undefined;
}

type Kind = "fatal" | "transient" | "content";

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const FATAL_CODES = new Set([
  "E_ABORTED",
  "E_CREDENTIALS",
  "E_PERMISSION",
  "E_CONFIG",
  "E_NOT_FOUND",
  "E_UNSUPPORTED_MEDIA_TYPE",
]);
// E_INVOKE_FAILED: the service, not the model, failed the call (e.g. SageMaker's InternalFailure).
const TRANSIENT_CODES = new Set(["E_NETWORK", "E_THROTTLED", "E_TIMEOUT", "E_INVOKE_FAILED"]);

/**
 * Endpoint trouble (transient) is retried and then ends the run — a resume continues later; content
 * trouble (a row the model rejects, a response that does not line up) is narrowed down by splitting.
 */
export function classify(error: unknown): Kind {
  if (!isMlshipError(error)) return "content";
  if (FATAL_CODES.has(error.code)) return "fatal";
  if (TRANSIENT_CODES.has(error.code)) return "transient";
  const status = error.details?.status;
  if (typeof status === "number" && TRANSIENT_STATUS.has(status)) return "transient";
  return "content";
}

export function asMlshipError(error: unknown): MlshipError {
  if (isMlshipError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MlshipError("E_INVOKE_FAILED", message, { cause: error });
}

/** The error as this row's: `Row i: …`, `where: "row i"`, the original kept as the cause. */
export function atRow(error: MlshipError, row: number): MlshipError {
  return new MlshipError(error.code, `Row ${row}: ${error.message}`, {
    cause: error,
    hint: error.hint,
    where: `row ${row}`,
    details: { ...error.details, row },
  });
}

/** Shared by every batch of one model source or one run: counts rows failing one after another. */
export class FailureGuard {
  #consecutive = 0;
  #first: MlshipError | undefined;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  succeeded(): void {
    this.#consecutive = 0;
    this.#first = undefined;
  }

  failed(error: MlshipError): void {
    this.#first ??= error;
    if (++this.#consecutive >= this.#limit) {
      const first = this.#first;
      this.#consecutive = 0;
      this.#first = undefined;
      throw new MlshipError(
        "E_INVOKE_FAILED",
        `${this.#limit} rows in a row failed on their own; giving up. First error: ${first.message}`,
        {
          cause: first,
          details: { code: first.code, consecutiveFailures: this.#limit },
          hint: "The endpoint rejects every row: check the feature order, the content type and the model's logs.",
        },
      );
    }
  }
}

/**
 * Scores rows, retrying transient failures with backoff and splitting a failing request in halves until
 * the rows that fail are alone. Resolves one result per unit, in order; rejects only for fatal trouble.
 */
export async function scoreIsolated<L extends RowList<L>, S>(
  units: L,
  attempt: Attempt<L, S>,
  options: IsolationOptions,
  guard: FailureGuard,
): Promise<RowResult<S>[]> {
  const { signal } = options;
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw abortError(signal, "Scoring");
    try {
      const results = await attempt(units, signal);
      if (results.some((r) => !isMlshipError(r))) guard.succeeded();
      return results;
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, "Scoring");
      const kind = classify(error);
      if (kind === "fatal") throw error;
      const width = widthMismatch(error);
      if (width) throw width;
      if (kind === "transient") {
        if (n > options.retries) throw error;
        const delayMs = backoffDelay(n, { baseMs: options.retryBaseDelayMs, maxMs: options.maxRetryDelayMs });
        emit(options, {
          type: "invoke.retry",
          attempt: n,
          delayMs,
          reason: isMlshipError(error) ? error.code : String(error),
        });
        await sleep(delayMs, signal).catch(() => {
          throw abortError(signal as AbortSignal, "Scoring");
        });
        continue;
      }
      if (units.length === 1) {
        const rowError = asMlshipError(error);
        guard.failed(rowError);
        return [rowError];
      }
      // One half after the other: a failing batch never has more than one request in flight, so the
      // caller's concurrency limit holds while it is narrowed down (in parallel, a batch where every row
      // fails would fan out to hundreds of requests at once).
      const mid = units.length >>> 1;
      const left = await scoreIsolated(units.slice(0, mid), attempt, options, guard);
      const right = await scoreIsolated(units.slice(mid), attempt, options, guard);
      return left.concat(right);
    }
  }
}
