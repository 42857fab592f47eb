import { abortError, sleep as coreSleep } from "@mlship/core";

export interface PollOptions {
  /** First delay between polls; grows by `factor` up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
  factor?: number;
}

/** SDK-like defaults: 2 s first, backing off to 15 s. */
export const DEFAULT_POLL: PollOptions = { intervalMs: 2000, maxIntervalMs: 15_000, factor: 1.5 };

/** Core's sleep, rejecting with E_ABORTED (naming `what`) as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal, what = "Waiting"): Promise<void> {
  return coreSleep(ms, signal).catch(() => {
    throw abortError(signal as AbortSignal, what);
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
