import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { MlshipError } from "@mlship/core";

export interface Reason {
  code: string;
  /** The first failing row's message. */
  message: string;
  rows: number;
  firstRow: number;
}

/** What a run has durably written; enough to continue it and finish with the same file and summary. */
export interface CheckpointState {
  version: 1;
  fingerprint: Fingerprint;
  /** Input rows whose output lines are in the file. */
  rows: number;
  /** Where the input continues (byte offset or row index). */
  inputOffset: number;
  /** Output file length covering those rows. */
  outputBytes: number;
  width: number | undefined;
  failed: number;
  reasons: Reason[];
  labelsMissing: number;
  /** Binary metrics: (score, label) pairs saved in the side file. */
  pairs: number;
  multiclass?: { confusion: number[][]; logLossSum: number; count: number } | undefined;
}

export interface Fingerprint {
  input: string;
  size: number;
  mtimeMs: number;
  settings: string;
}

export const checkpointPaths = (out: string) => ({
  json: `${out}.mlship-checkpoint.json`,
  pairs: `${out}.mlship-checkpoint.bin`,
});

export async function fingerprint(input: string, settings: unknown): Promise<Fingerprint> {
  const s = await stat(input);
  return { input: resolve(input), size: s.size, mtimeMs: s.mtimeMs, settings: JSON.stringify(settings) };
}

export async function loadCheckpoint(
  out: string,
  expected: Fingerprint,
): Promise<CheckpointState | undefined> {
  const paths = checkpointPaths(out);
  let text: string;
  try {
    text = await readFile(paths.json, "utf8");
  } catch {
    return undefined;
  }
  const state = JSON.parse(text) as CheckpointState;
  const f = state.fingerprint;
  if (
    state.version !== 1 ||
    f.input !== expected.input ||
    f.size !== expected.size ||
    f.mtimeMs !== expected.mtimeMs ||
    f.settings !== expected.settings
  ) {
    throw new MlshipError(
      "E_CONFIG",
      `The checkpoint ${paths.json} belongs to a different input or settings; cannot resume`,
      {
        where: paths.json,
        hint: "Run without resume to start over (the output is rewritten), or restore the original input.",
        details: { checkpoint: f.input, input: expected.input },
      },
    );
  }
  return state;
}

/** Reads the saved (score, label) pairs: Float64 score then Float64 label, per pair. */
export async function loadPairs(out: string, pairs: number): Promise<Float64Array> {
  if (pairs === 0) return new Float64Array(0);
  const buf = await readFile(checkpointPaths(out).pairs);
  if (buf.byteLength < pairs * 16) {
    throw new MlshipError(
      "E_CONFIG",
      "The checkpoint's metrics file is shorter than recorded; cannot resume",
      {
        where: checkpointPaths(out).pairs,
      },
    );
  }
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + pairs * 16));
}

/** Writes the pairs from `fromPair` on into the side file, then atomically replaces the checkpoint (write + rename). */
export async function saveCheckpoint(
  out: string,
  state: CheckpointState,
  newPairs: Float64Array,
  fromPair: number,
): Promise<void> {
  const paths = checkpointPaths(out);
  if (newPairs.length > 0) {
    const fh = await open(paths.pairs, fromPair === 0 ? "w" : "r+");
    try {
      const bytes = new Uint8Array(newPairs.buffer, newPairs.byteOffset, newPairs.byteLength);
      await fh.write(bytes, 0, bytes.byteLength, fromPair * 16);
      await fh.truncate(fromPair * 16 + bytes.byteLength);
    } finally {
      await fh.close();
    }
  }
  const tmp = `${paths.json}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, paths.json);
}

export async function removeCheckpoint(out: string): Promise<void> {
  const paths = checkpointPaths(out);
  await rm(paths.json, { force: true });
  await rm(paths.pairs, { force: true });
  await rm(`${paths.json}.tmp`, { force: true });
}
