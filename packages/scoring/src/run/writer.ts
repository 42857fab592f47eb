import { createHash, type Hash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { userPathError } from "@mlship/core";
import { type CheckpointState, type Fingerprint, saveCheckpoint } from "../checkpoint.js";
import type { Tally } from "./tally.js";

export interface WriterOptions {
  /** The file rows go to (the output, or the Parquet spool). */
  path: string;
  /** The output the checkpoint belongs to. */
  out: string;
  print: Fingerprint;
  /**
   * Resuming: the partial output's length at the checkpoint (the file is cut back to it) and the hash of
   * those bytes, already checked (`verifyPartialOutput`).
   */
  resume: { bytes: number; hash: Hash } | undefined;
  /** How often a checkpoint follows a write. */
  intervalMs: number;
  /** Pairs already in the checkpoint's side file. */
  savedPairs: number;
}

/**
 * Writes output text in order and checkpoints after it: a checkpoint is taken synchronously with the text
 * it covers, and saved (after a datasync) only once that text is in the file, at most once per interval.
 */
export class CheckpointedWriter {
  /** Bytes handed over but not yet written: the caller waits when too many pile up. */
  queuedBytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #bytes: number;
  #lastCheckpoint = performance.now();
  #savedPairs: number;
  /** SHA-256 of everything written so far: each checkpoint records it. */
  readonly #hash: Hash;
  readonly #fh: FileHandle;
  readonly #o: WriterOptions;

  private constructor(fh: FileHandle, options: WriterOptions) {
    this.#fh = fh;
    this.#o = options;
    this.#bytes = options.resume?.bytes ?? 0;
    this.#hash = options.resume?.hash ?? createHash("sha256");
    this.#savedPairs = options.savedPairs;
  }

  static async open(options: WriterOptions): Promise<CheckpointedWriter> {
    let fh: FileHandle;
    try {
      fh = await open(options.path, options.resume ? "r+" : "w");
    } catch (error) {
      throw userPathError(error, options.out, "out");
    }
    if (options.resume) await fh.truncate(options.resume.bytes);
    return new CheckpointedWriter(fh, options);
  }

  /** Whether the next write should be followed by a checkpoint. */
  get checkpointDue(): boolean {
    return performance.now() - this.#lastCheckpoint >= this.#o.intervalMs;
  }

  /**
   * Queues `chunk` and, when due (or forced), a checkpoint covering the tally as it is now; `written` gets
   * the chunk back once it is in the file.
   */
  write(
    chunk: Buffer,
    written: (chunk: Buffer) => void,
    tally: Tally,
    width: number | undefined,
    force: boolean,
  ): void {
    this.queuedBytes += chunk.length;
    const snap: Omit<CheckpointState, "outputBytes" | "outputHash"> = {
      version: 2,
      fingerprint: this.#o.print,
      width,
      ...tally.snapshot(),
    };
    this.#chain = this.#chain.then(async () => {
      if (chunk.length > 0) {
        await this.#fh.write(chunk, 0, chunk.length, this.#bytes);
        this.#hash.update(chunk);
        this.#bytes += chunk.length;
      }
      this.queuedBytes -= chunk.length;
      written(chunk);
      if (force || this.checkpointDue) {
        this.#lastCheckpoint = performance.now();
        await this.#fh.datasync();
        const fresh = tally.pairsBetween(this.#savedPairs, snap.pairs);
        const state = { ...snap, outputBytes: this.#bytes, outputHash: this.#hash.copy().digest("hex") };
        await saveCheckpoint(this.#o.out, state, fresh, this.#savedPairs);
        this.#savedPairs = snap.pairs;
      }
    });
  }

  /** Resolves when everything queued is written (rejects with the first failure). */
  settled(): Promise<void> {
    return this.#chain;
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}
