import { rename, rm } from "node:fs/promises";
import { userPathError } from "@mlship/core";
import type { LineFormat } from "./output.js";

/**
 * Every output is written under a temporary name beside the final one and renamed into place once complete,
 * so `out` is only ever the old file or the complete new one. CSV and JSON Lines spools become the output as
 * they are; a Parquet output's spool is JSON Lines, converted at the end. A checkpoint continues the spool.
 */
export const spoolPath = (out: string, format: LineFormat) => `${out}.mlship-spool.${format}`;

/** Moves a finished CSV or JSON Lines spool into place. */
export async function publishSpool(spool: string, out: string): Promise<void> {
  try {
    await rename(spool, out);
  } catch (error) {
    throw userPathError(error, out, "out");
  }
}

/** A fresh run: what an earlier, unfinished run left is discarded. */
export async function discardSpools(out: string): Promise<void> {
  await rm(spoolPath(out, "csv"), { force: true });
  await rm(spoolPath(out, "jsonl"), { force: true });
}
