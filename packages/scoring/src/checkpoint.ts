import { randomBytes } from "node:crypto";
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
  version: 2;
  fingerprint: Fingerprint;
  /** Input rows whose output lines are in the file. */
  rows: number;
  /** Where the input continues (byte offset or row index). */
  inputOffset: number;
  /** Partial output's length covering those rows. */
  outputBytes: number;
  /** SHA-256 (hex) of the partial output's first `outputBytes` bytes: resume refuses a file that differs. */
  outputHash: string;
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
  /** Held while a run writes `out` (one writer per output). */
  lock: `${out}.mlship-lock`,
});

/** The hint of every refusal to resume: how to start over. */
export const RESTART_HINT =
  "Start over with --restart (library: restart: true), which discards the checkpoint and the partial output.";

function corrupt(path: string, why: string, cause?: unknown): MlshipError {
  return new MlshipError("E_CONFIG", `The checkpoint ${path} cannot be used: ${why}`, {
    where: path,
    cause,
    hint: RESTART_HINT,
  });
}

/** Whether a parsed checkpoint has the fields resume relies on, with the right types. */
function wellFormed(state: Partial<CheckpointState>): boolean {
  const numbers = [
    state.rows,
    state.inputOffset,
    state.outputBytes,
    state.failed,
    state.labelsMissing,
    state.pairs,
  ];
  return (
    numbers.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) &&
    typeof state.outputHash === "string" &&
    Array.isArray(state.reasons) &&
    typeof state.fingerprint === "object" &&
    state.fingerprint !== null
  );
}

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
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw corrupt(paths.json, (error as Error).message, error);
  }
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
  } catch (error) {
    throw corrupt(paths.json, "it is not valid JSON (damaged or cut short)", error);
  }
  if (typeof state !== "object" || state === null) throw corrupt(paths.json, "it is not a checkpoint");
  if (state.version !== 2) {
    throw corrupt(paths.json, `it has version ${String(state.version)}; this mlship writes version 2`);
  }
  if (!wellFormed(state)) throw corrupt(paths.json, "fields are missing or have the wrong type");
  const f = state.fingerprint;
  if (
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
        hint: `Restore the original input and settings. ${RESTART_HINT}`,
        details: { checkpoint: f.input, input: expected.input },
      },
    );
  }
  return state;
}

/** Reads the saved (score, label) pairs: Float64 score then Float64 label, per pair. */
export async function loadPairs(out: string, pairs: number): Promise<Float64Array> {
  if (pairs === 0) return new Float64Array(0);
  const path = checkpointPaths(out).pairs;
  const buf = await readFile(path).catch((error: unknown) => {
    throw corrupt(path, `its metrics side file cannot be read (${(error as Error).message})`, error);
  });
  if (buf.byteLength < pairs * 16) throw corrupt(path, "its metrics side file is shorter than recorded");
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
  // Unique: a leftover of a crashed run, or another process, never shares it.
  const tmp = `${paths.json}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, paths.json);
}

export async function removeCheckpoint(out: string): Promise<void> {
  const paths = checkpointPaths(out);
  await rm(paths.json, { force: true });
  await rm(paths.pairs, { force: true });
}
