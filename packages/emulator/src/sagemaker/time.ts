/** Epoch milliseconds -> the epoch seconds the JSON protocols use for timestamps. */
export function toEpochSeconds(ms: number): number;
export function toEpochSeconds(ms: number | undefined): number | undefined;
export function toEpochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
