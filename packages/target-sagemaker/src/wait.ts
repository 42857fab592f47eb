import { abortError } from "@mlship/core";

export interface PollOptions {
  /** First delay between polls; grows by `factor` up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
  factor?: number;
}

/** SDK-like defaults: 2 s first, backing off to 15 s. */
export const DEFAULT_POLL: PollOptions = { intervalMs: 2000, maxIntervalMs: 15_000, factor: 1.5 };

/** Sleeps `ms`, rejecting with E_ABORTED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal, what = "Waiting"): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal, what));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal, what));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * `work`, or E_ABORTED as soon as `signal` aborts: for shared, memoised work (the default bucket) that one
 * caller's signal must not cancel for the others.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abortError(signal, what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, what));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Delays for successive polls: interval, interval*factor, ... capped at maxIntervalMs. */
export function* backoff(options: PollOptions): Generator<number, never> {
  let delay = options.intervalMs;
  for (;;) {
    yield delay;
    delay = Math.min(options.maxIntervalMs, Math.round(delay * (options.factor ?? 1.5)));
  }
}
