import { isMlshipError, MlshipError } from "@mlship/core";
import type { InputBatch } from "../input/batch.js";
import type { OutputFormatter } from "../output.js";
import type { RowResult } from "../parse-scores.js";
import type { Tally } from "./tally.js";

export type Score = number | number[];

/**
 * Turns scored batches, taken strictly in input order, into output text and counts. Multi-class CSV output
 * cannot write its header before the number of classes is known: batches wait in `held` until a scored row
 * shows it. Without an output file, results collect in `results` instead.
 */
export class BatchOutput {
  /** Output text not yet handed to the writer. */
  text = "";
  readonly #held: Array<{ batch: InputBatch; results: Array<RowResult<Score>> }> = [];
  #headerDone: boolean;
  readonly #fmt: OutputFormatter;
  readonly #tally: Tally;
  readonly #results: Array<RowResult<Score>> | undefined;

  constructor(
    fmt: OutputFormatter,
    tally: Tally,
    results: Array<RowResult<Score>> | undefined,
    headerDone: boolean,
  ) {
    this.#fmt = fmt;
    this.#tally = tally;
    this.#results = results;
    // The header is the file's first bytes: anything already written includes it.
    this.#headerDone = headerDone;
    if (!headerDone && fmt.ready) this.#header();
  }

  #header(): void {
    this.text += this.#fmt.header();
    this.#headerDone = true;
  }

  consume(batch: InputBatch, res: Array<RowResult<Score>>): void {
    const fmt = this.#fmt;
    // JSON Lines needs no header, but the Parquet file made from its spool has a column per class.
    if (fmt.width === undefined) {
      const ok = res.find((r): r is number[] => Array.isArray(r));
      if (ok) fmt.width = ok.length;
      else if (!fmt.ready) {
        this.#held.push({ batch, results: res });
        return;
      }
    }
    if (!this.#headerDone) this.#header();
    for (const h of this.#held.splice(0)) this.#emit(h.batch, h.results);
    this.#emit(batch, res);
  }

  /** At the end of a run: multi-class rows that all failed saw no class count; they are written with none. */
  finish(): void {
    if (this.#held.length === 0) return;
    this.#fmt.width ??= 0;
    if (!this.#headerDone) this.#header();
    for (const h of this.#held.splice(0)) this.#emit(h.batch, h.results);
  }

  #emit(batch: InputBatch, res: Array<RowResult<Score>>): void {
    const fmt = this.#fmt;
    const tally = this.#tally;
    const fast = this.#results ? undefined : fmt.binaryRows(res);
    if (fast !== undefined) this.text += fast;
    for (let i = 0; i < batch.count; i++) {
      let r = res[i] as RowResult<Score>;
      if (Array.isArray(r) && fmt.width !== undefined && r.length !== fmt.width) {
        r = new MlshipError(
          "E_SCORE_ROW_MISMATCH",
          `The model answered ${r.length} class probabilities; earlier rows had ${fmt.width}`,
          { details: { classes: r.length, expected: fmt.width } },
        );
      }
      if (isMlshipError(r)) tally.fail(r, batch.start + i);
      else if (batch.labels) tally.label(r, batch.labels[i]);
      if (this.#results) this.#results.push(r);
      else if (fast === undefined) this.text += fmt.row(r, batch.keep?.[i]);
    }
    tally.rows += batch.count;
    tally.inputOffset = batch.endOffset;
  }
}
