import type { InputBatch } from "../input/batch.js";
import type { ModelSource, ScoreUnitsOptions } from "../model-source.js";
import type { RowResult } from "../parse-scores.js";
import type { BatchOutput, Score } from "../run/batch-output.js";
import type { OutputBytes } from "../run/output-bytes.js";
import type { Tally } from "../run/tally.js";
import type { ByteBatch } from "./body-batches.js";
import type { ByteInput } from "./byte-input.js";
import { type PlainAnswer, plainScores } from "./plain-answer.js";

/** How a run's batches are read, scored, and consumed in input order. */
export interface BatchPath<B extends { seq: number }, R> {
  batches(): AsyncIterable<B>;
  score(batch: B): Promise<R>;
  consume(batch: B, result: R): void;
}

type Results = Array<RowResult<Score>>;
type AnyBatch = ByteBatch | InputBatch;

const isBytes = (batch: AnyBatch): batch is ByteBatch => "kind" in batch;

/** A byte batch as the general output reads it (no rows failed in the reader, nothing kept). */
const asInputBatch = (b: ByteBatch): InputBatch => ({
  seq: b.seq,
  start: b.start,
  count: b.count,
  units: [],
  positions: null,
  errors: null,
  labels: b.labels,
  keep: null,
  endOffset: b.endOffset,
});

/** CSV output lines `<score text>,\n` copied from the answer: what `OutputFormatter.binaryRows` writes for it. */
function writePlainRows(sink: OutputBytes, answer: PlainAnswer): void {
  const { body, spans } = answer;
  const chunk = sink.reserve(body.length + spans.length);
  // Stores into a plain Uint8Array view are cheaper than into the Buffer (measured, as for reads).
  const out = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let at = sink.at;
  for (let i = 0; i < spans.length; i += 2) {
    const end = spans[i + 1] as number;
    for (let p = spans[i] as number; p < end; p++) out[at++] = body[p] as number;
    out[at++] = 0x2c;
    out[at++] = 0x0a;
  }
  sink.advance(at - sink.at);
}

export interface BytePathParts {
  input: ByteInput;
  source: ModelSource<Score>;
  /** The general path, for batches the general reader made after a handover. */
  general: BatchPath<InputBatch, Results>;
  output: BatchOutput;
  sink: OutputBytes;
  tally: Tally;
  unitOptions: ScoreUnitsOptions;
}

/**
 * The byte path: bodies built from the input's bytes, and a plain answer's number texts copied to the
 * output, parsed (`Number`) only when metrics need the score. Any other answer (a split batch, another
 * shape, a failed row) is consumed by the general output, as the general path would.
 */
export function bytePath(p: BytePathParts): BatchPath<AnyBatch, PlainAnswer | Results> {
  const { input, source, general, output, sink, tally } = p;
  return {
    batches: () => input.batches(),
    score(batch) {
      if (!isBytes(batch)) return general.score(batch);
      return source.scoreBody(batch.rows, p.unitOptions).finally(() => input.release(batch));
    },
    consume(batch, result) {
      if (!isBytes(batch)) return general.consume(batch, result as Results);
      if (Array.isArray(result)) return output.consume(asInputBatch(batch), result);
      // Text the general output holds (the header) goes first.
      sink.text(output.text);
      output.text = "";
      writePlainRows(sink, result);
      if (batch.labels) {
        const score = plainScores(result);
        for (let i = 0; i < batch.count; i++) tally.label(score(i), batch.labels[i]);
      }
      tally.rows += batch.count;
      tally.inputOffset = batch.endOffset;
    },
  };
}
