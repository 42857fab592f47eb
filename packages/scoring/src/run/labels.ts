import type { Cell } from "@mlship/core";

/**
 * A label as read equals a configured one: as text, or as the number given (`"1.0"` is 1). CSV labels arrive
 * as raw text from most lines and as parsed cells from lines with quotes; both must compare the same.
 */
const sameLabel = (raw: unknown, want: Cell): boolean =>
  String(raw) === String(want) ||
  (typeof want === "number" && String(raw).trim() !== "" && Number(raw) === want);

/** Binary label to 0/1, or undefined when it cannot be read. */
export function binaryLabel(raw: unknown, positive: Cell | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (positive !== undefined) return sameLabel(raw, positive) ? 1 : 0;
  if (raw === true || raw === "true" || raw === "True") return 1;
  if (raw === false || raw === "false" || raw === "False") return 0;
  const n = Number(raw);
  return n === 1 ? 1 : n === 0 ? 0 : undefined;
}

/** Multi-class label to its class index, or undefined when it cannot be read. */
export function classLabel(raw: unknown, classes: readonly Cell[] | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (classes) {
    const i = classes.findIndex((c) => sameLabel(raw, c));
    return i === -1 ? undefined : i;
  }
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
