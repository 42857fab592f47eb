import { isMlshipError } from "@mlship/core";
import type { InputBatch } from "../input/batch.js";
import type { RowEncoding } from "../input/encode.js";
import { type FailureGuard, type IsolationOptions, scoreIsolated } from "../isolate.js";
import type { ModelSource, Row, ScoreUnitsOptions } from "../model-source.js";
import { alignRows, type RowResult, type Task, toScores } from "../parse-scores.js";
import type { Score } from "./batch-output.js";

/** Any object with a batch predictor (e.g. a hand-written model) can be scored too, without the fast paths. */
export interface BatchModel {
  readonly task?: Task;
  predictBatch(rows: readonly Row[]): Promise<Score[]>;
}

export type InputFormat = "csv" | "jsonl" | "parquet";

export const isModelSource = (
  m: ModelSource<number> | ModelSource<number[]> | BatchModel,
): m is ModelSource<Score> => typeof (m as ModelSource<Score>).scoreUnits === "function";

/** How input rows become request units for this model, and what a body adds on top of its units. */
export function rowEncoding(
  source: ModelSource<Score> | undefined,
  format: InputFormat,
): { encoding: RowEncoding; overheadBytes: number } {
  if (source && !source.preprocesses) {
    const slice = format === "csv" && source.codec.contentType === "text/csv";
    return {
      encoding: slice ? { kind: "csv-slice" } : { kind: "cells", codec: source.codec },
      overheadBytes: source.codec.overheadBytes,
    };
  }
  if (source) {
    return {
      encoding: {
        kind: "row",
        encode: (row) => source.encodeRow(row),
        bytes: (u) => source.codec.unitBytes(u as string),
      },
      overheadBytes: source.codec.overheadBytes,
    };
  }
  return { encoding: { kind: "row", encode: (row) => row, bytes: () => 0 }, overheadBytes: 0 };
}

type ScoreUnits = (units: readonly unknown[], o: ScoreUnitsOptions) => Promise<Array<RowResult<Score>>>;

/** A model source scores its own units; a plain `{ predictBatch }` gets the same retries and isolation here. */
export function unitScorer(
  model: ModelSource<Score> | BatchModel,
  task: Task,
  isolation: Omit<IsolationOptions, "signal" | "events">,
): ScoreUnits {
  if (isModelSource(model)) return (units, o) => model.scoreUnits(units as string[], o);
  return (units, o) =>
    scoreIsolated(
      units,
      async (u) => {
        const t = performance.now();
        const raw = await model.predictBatch(u as Row[]);
        o.onRequest?.(performance.now() - t, u.length);
        const aligned = alignRows(raw, u.length);
        if (isMlshipError(aligned)) throw aligned;
        return toScores(aligned, { task, sumTolerance: 1e-4 });
      },
      { ...isolation, signal: o.signal, events: o.events },
      o.guard as FailureGuard,
    );
}

/** One result per batch row: the model's for the rows sent, the reader's error for the rows that were not. */
export async function scoreBatch(
  batch: InputBatch,
  scoreUnits: ScoreUnits,
  o: ScoreUnitsOptions,
): Promise<Array<RowResult<Score>>> {
  const res = batch.units.length === 0 ? [] : await scoreUnits(batch.units, o);
  if (!batch.positions) return res;
  const full = new Array<RowResult<Score>>(batch.count);
  for (let i = 0; i < batch.positions.length; i++)
    full[batch.positions[i] as number] = res[i] as RowResult<Score>;
  if (batch.errors) for (const [i, e] of batch.errors.entries()) if (e) full[i] = e;
  return full;
}
