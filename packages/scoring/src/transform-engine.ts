import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import {
  type BatchTransformer,
  type BatchTransformRequest,
  type Cell,
  decodeCsv,
  MlshipError,
} from "@mlship/core";
import { openCsvInput } from "./input/csv.js";
import { csvText } from "./input/encode.js";
import { openJsonlInput } from "./input/jsonl.js";
import { openParquetInput } from "./input/parquet.js";
import type { InputOptions, InputSource } from "./input/source.js";
import { inputFormat } from "./run/formats.js";
import { type BatchModel, type ScoreOptions, type ScoreSummary, score } from "./score.js";

export interface TransformScoreOptions
  extends Omit<ScoreOptions, "model" | "resume" | "concurrency" | "retries" | "maxPayloadBytes"> {
  /** The engine: a target's batch transformer (`BatchTransformerToken`). */
  transformer: BatchTransformer;
  /** Whose model scores: a deployment or a completed training job. */
  model: BatchTransformRequest["model"];
  instanceCount?: number;
  instanceType?: string;
  /** Largest request the job sends the model (default 6 MB). */
  maxPayloadMB?: number;
  /** Requests in flight per instance (default 4). */
  maxConcurrentTransforms?: number;
}

export interface TransformScoreSummary extends ScoreSummary {
  /** The transform job on the target. */
  job: string;
}

/**
 * Scores a dataset with a batch-transform job instead of from this process, into the same output file
 * (CSV, JSON Lines, Parquet), with the same metrics, as `score()`: the features (plus a row number, the
 * label and the kept columns) are staged as headerless CSV, the job scores them on the target's instances,
 * and `score()` then writes the output from the job's answers, which it checks came back one per row, in order.
 */
export async function scoreByTransform(options: TransformScoreOptions): Promise<TransformScoreSummary> {
  const started = performance.now();
  if ((options as { resume?: boolean }).resume) {
    throw new MlshipError("E_CONFIG", "A transform job cannot resume a partial output", {
      where: "resume",
      hint: "Run it again without resume (the job scores the whole dataset).",
    });
  }
  const { transformer, model, instanceCount, instanceType, maxPayloadMB, maxConcurrentTransforms, ...rest } =
    options;
  const workDir = await mkdtemp(join(tmpdir(), "mlship-transform-"));
  try {
    const staged = await stageRows(options, join(workDir, "staged.csv"));
    const result = await transformer.transform(
      {
        model,
        input: staged.file,
        rows: staged.rows,
        featureColumns: staged.features,
        extraColumns: staged.extras,
        workDir,
        instanceCount,
        instanceType,
        maxPayloadMB,
        maxConcurrentTransforms,
      },
      { signal: options.signal, events: options.events },
    );
    const answers = jobAnswers(result.outputs, staged.extras, options.task ?? "binary");
    const summary = await score({
      ...rest,
      model: { task: options.task, predictBatch: (rows) => answers.take(rows.length) } satisfies BatchModel,
      concurrency: 1,
      retries: 0,
    });
    await answers.end(summary.rows);
    const elapsedMs = performance.now() - started;
    return { ...summary, job: result.job, elapsedMs, rowsPerSecond: (summary.rows * 1000) / elapsedMs };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The job's input: `<features>,<row number>[,<label>][,<kept…>]` per row, read with the scorer's own
 * readers (so features, label and kept columns mean what they mean to `score()`).
 */
async function stageRows(
  options: TransformScoreOptions,
  file: string,
): Promise<{ file: string; rows: number; features: number; extras: number }> {
  const format = inputFormat(options.data, options.format);
  const inputOptions: InputOptions = {
    path: options.data,
    features: options.features,
    label: options.label,
    keep: options.keep,
    keepAs: "csv",
    encoding:
      format === "csv"
        ? { kind: "csv-slice" }
        : {
            kind: "row",
            encode: (row) => csvText(input.features.map((f) => (row[f] ?? null) as Cell)),
            bytes: (unit) => (unit as string).length,
          },
    maxRows: 10_000,
    maxBytes: Number.MAX_SAFE_INTEGER,
    overheadBytes: 0,
    signal: options.signal,
  };
  const input: InputSource =
    format === "csv"
      ? await openCsvInput(inputOptions)
      : format === "jsonl"
        ? await openJsonlInput(inputOptions)
        : await openParquetInput(inputOptions);
  const out = createWriteStream(file);
  let rows = 0;
  for await (const batch of input.batches()) {
    const bad = batch.errors?.findIndex((e) => e !== undefined) ?? -1;
    if (bad !== -1) {
      out.destroy();
      const e = batch.errors?.[bad] as MlshipError;
      throw new MlshipError(
        e.code,
        `Row ${batch.start + bad + 1} cannot go to a transform job: ${e.message}`,
        {
          cause: e,
          where: `row ${batch.start + bad + 1}`,
          hint: "A transform job fails on a bad record; fix or drop the row, or score client-side (the default engine).",
        },
      );
    }
    let text = "";
    for (let i = 0; i < batch.count; i++) {
      text += `${batch.units[i] as string},${rows + i}`;
      if (batch.labels) text += `,${csvText([batch.labels[i] as Cell])}`;
      if (batch.keep) text += `,${batch.keep[i] as string}`;
      text += "\n";
    }
    rows += batch.count;
    if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  out.end();
  await finished(out);
  const extras = 1 + (options.label !== undefined ? 1 : 0) + input.kept.length;
  return { file, rows, features: input.features.length, extras };
}

/** The job's answers in row order, checked against the row numbers the job joined back. */
function jobAnswers(
  files: readonly string[],
  extras: number,
  task: "binary" | "multiclass",
): { take(n: number): Promise<Array<number | number[]>>; end(rows: number): Promise<void> } {
  const lines = (async function* () {
    for (const file of files) {
      yield* createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    }
  })();
  let next = 0;
  const mismatch = (why: string) =>
    new MlshipError(
      "E_SCORE_ROW_MISMATCH",
      `The transform job's output does not line up with the input: ${why}`,
      {
        where: `row ${next + 1}`,
      },
    );
  const parse = (line: string): number | number[] => {
    const row = Number(line.slice(0, line.indexOf(",")));
    if (row !== next) throw mismatch(`expected row ${next}, the output has row ${line.slice(0, 20)}`);
    next++;
    if (task === "binary") return Number(line.slice(line.lastIndexOf(",") + 1));
    return (decodeCsv(line, { raw: true })[0] ?? []).slice(extras).map(Number);
  };
  return {
    async take(n) {
      const out: Array<number | number[]> = [];
      for (let i = 0; i < n; i++) {
        const { value, done } = await lines.next();
        if (done) throw mismatch(`it ends after ${next} rows`);
        out.push(parse(value as string));
      }
      return out;
    },
    async end(rows) {
      const extra = await lines.next();
      if (!extra.done || next !== rows) throw mismatch(`it has more than the ${rows} input rows`);
    },
  };
}
