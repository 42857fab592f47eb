import { type Cell, encodeCsv, MlshipError } from "@mlship/core";
import type { Row } from "../model-source.js";
import type { BatchBuilder } from "./batch.js";
import { asRowError, csvRequestText } from "./encode.js";
import type { InputOptions } from "./source.js";

function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/**
 * A kept value as the output can carry it exactly: a Parquet INT64 (BigInt) as a number when that is exact,
 * else as its digits (an id must not change); dates as ISO text; inside lists and structs too.
 */
function keptValue(value: unknown): unknown {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(keptValue);
  if (value !== null && typeof value === "object" && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keptValue(v)]));
  }
  return value ?? null;
}

/** Adds mapping-shaped rows (JSON Lines objects, Parquet rows), or a record's read error, to a batch builder. */
export function recordAdder(
  options: InputOptions,
  features: readonly string[],
  kept: readonly string[],
  builder: BatchBuilder,
): (row: unknown, end: number) => void {
  const { encoding, label } = options;
  const tooBig = (bytes: number) =>
    new MlshipError("E_PAYLOAD_TOO_LARGE", `The row alone is ${bytes} bytes, over the payload limit`, {
      details: { bytes, maxBytes: options.maxBytes },
    });
  const keepOf = (row: Row): unknown => {
    if (kept.length === 0) return undefined;
    if (options.keepAs === "csv") return encodeCsv([kept.map((k) => cellOf(keptValue(row[k])))]).slice(0, -1);
    const out: Record<string, unknown> = {};
    for (const k of kept) out[k] = keptValue(row[k]);
    return out;
  };
  return (value, end) => {
    // A record that could not be read keeps its kept columns, empty: the output keeps its width.
    if (value instanceof MlshipError) {
      builder.addError(value, undefined, keepOf({}), end);
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      builder.addError(
        new MlshipError("E_INVALID_INPUT", "The record is not an object of feature values"),
        undefined,
        keepOf({}),
        end,
      );
      return;
    }
    const row = value as Row;
    const lab = label === undefined ? undefined : row[label];
    const keep = keepOf(row);
    try {
      let unit: unknown;
      let bytes: number;
      if (encoding.kind === "row") {
        unit = encoding.encode(row);
        bytes = encoding.bytes(unit);
      } else {
        const cells = features.map((f) => {
          const v = row[f];
          if (v === undefined) {
            throw new MlshipError("E_INVALID_INPUT", `The row has no value for feature '${f}'`, {
              details: { feature: f },
            });
          }
          return cellOf(v);
        });
        if (encoding.kind === "csv-slice") {
          unit = csvRequestText(cells);
          bytes = Buffer.byteLength(unit as string) + 1;
        } else {
          unit = encoding.codec.encode(cells);
          bytes = encoding.codec.unitBytes(unit as string);
        }
      }
      if (options.overheadBytes + bytes > options.maxBytes) builder.addError(tooBig(bytes), lab, keep, end);
      else builder.add(unit as string, bytes, lab, keep, end);
    } catch (error) {
      builder.addError(asRowError(error), lab, keep, end);
    }
  };
}
