import type { Cell, MlshipError } from "@mlship/core";
import { type CheckpointState, loadPairs, type Reason } from "../checkpoint.js";
import {
  type BinaryMetrics,
  binaryMetrics,
  MulticlassAccumulator,
  type MulticlassMetrics,
} from "../metrics.js";
import type { Task } from "../parse-scores.js";
import { binaryLabel, classLabel } from "./labels.js";

export interface TallyOptions {
  task: Task;
  positiveLabel?: Cell | undefined;
  classes?: readonly Cell[] | undefined;
}

/** What a checkpoint records of the counts (the rest of CheckpointState is the writer's). */
export type TallySnapshot = Pick<
  CheckpointState,
  "rows" | "inputOffset" | "failed" | "reasons" | "labelsMissing" | "pairs" | "multiclass"
>;

/**
 * The run's counts: rows done, where the input continues, failures by code, and what metrics need (every
 * binary (score, label) pair for exact ROC/PR AUC, 9 bytes per labelled row; multi-class is streaming).
 * Restored from the checkpoint when resuming.
 */
export class Tally {
  rows: number;
  inputOffset: number;
  failed: number;
  labelsMissing: number;
  readonly reasons: Map<string, Reason>;
  #scores = new Float64Array(4096);
  #labels = new Uint8Array(4096);
  pairCount = 0;
  readonly #multi: MulticlassAccumulator;
  readonly #o: TallyOptions;

  constructor(options: TallyOptions, inputOffset: number, checkpoint?: CheckpointState) {
    this.#o = options;
    this.rows = checkpoint?.rows ?? 0;
    this.inputOffset = inputOffset;
    this.failed = checkpoint?.failed ?? 0;
    this.labelsMissing = checkpoint?.labelsMissing ?? 0;
    this.reasons = new Map((checkpoint?.reasons ?? []).map((r) => [r.code, { ...r }]));
    this.#multi = checkpoint?.multiclass
      ? MulticlassAccumulator.from(checkpoint.multiclass)
      : new MulticlassAccumulator();
  }

  /** Reads the pairs an earlier run saved beside `out`. */
  async restorePairs(out: string, pairs: number): Promise<void> {
    if (pairs === 0) return;
    const saved = await loadPairs(out, pairs);
    this.#scores = new Float64Array(Math.max(4096, pairs * 2));
    this.#labels = new Uint8Array(this.#scores.length);
    for (let i = 0; i < pairs; i++) {
      this.#scores[i] = saved[i * 2] as number;
      this.#labels[i] = saved[i * 2 + 1] as number;
    }
    this.pairCount = pairs;
  }

  fail(error: MlshipError, row: number): void {
    this.failed++;
    const reason = this.reasons.get(error.code);
    if (reason) reason.rows++;
    else this.reasons.set(error.code, { code: error.code, message: error.message, rows: 1, firstRow: row });
  }

  /** A scored row's label as read (metrics); an unreadable one is counted as missing. */
  label(score: number | number[], raw: unknown): void {
    if (this.#o.task === "binary") {
      const y = binaryLabel(raw, this.#o.positiveLabel);
      if (y === undefined) this.labelsMissing++;
      else this.#addPair(score as number, y);
    } else {
      const y = classLabel(raw, this.#o.classes);
      if (y === undefined) this.labelsMissing++;
      else this.#multi.add(score as number[], y);
    }
  }

  #addPair(s: number, y: number): void {
    if (this.pairCount === this.#scores.length) {
      const scores = new Float64Array(this.#scores.length * 2);
      scores.set(this.#scores);
      this.#scores = scores;
      const labels = new Uint8Array(this.#labels.length * 2);
      labels.set(this.#labels);
      this.#labels = labels;
    }
    this.#scores[this.pairCount] = s;
    this.#labels[this.pairCount] = y;
    this.pairCount++;
  }

  /** Pairs `from` (inclusive) to `to` (exclusive) as the checkpoint's side file stores them. */
  pairsBetween(from: number, to: number): Float64Array {
    const fresh = new Float64Array((to - from) * 2);
    for (let i = from; i < to; i++) {
      fresh[(i - from) * 2] = this.#scores[i] as number;
      fresh[(i - from) * 2 + 1] = this.#labels[i] as number;
    }
    return fresh;
  }

  snapshot(): TallySnapshot {
    return {
      rows: this.rows,
      inputOffset: this.inputOffset,
      failed: this.failed,
      reasons: [...this.reasons.values()].map((r) => ({ ...r })),
      labelsMissing: this.labelsMissing,
      pairs: this.pairCount,
      multiclass: this.#o.task === "multiclass" ? structuredClone(this.#multi.state()) : undefined,
    };
  }

  metrics(threshold: number): BinaryMetrics | MulticlassMetrics {
    if (this.#o.task !== "binary") return this.#multi.finish();
    const n = this.pairCount;
    return binaryMetrics(this.#scores.subarray(0, n), this.#labels.subarray(0, n), { threshold });
  }
}
