import { setMaxListeners } from "node:events";
import { rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  abortError,
  acquireFileLock,
  type Cell,
  type EventSink,
  type FileLock,
  isMlshipError,
  MlshipError,
  userPathError,
} from "@mlship/core";
import {
  type CheckpointState,
  checkpointPaths,
  type Fingerprint,
  fingerprint,
  type Reason,
  removeCheckpoint,
} from "./checkpoint.js";
import { byteInput, byteLayout } from "./fast-path/byte-input.js";
import { type BatchPath, bytePath } from "./fast-path/byte-path.js";
import type { InputBatch } from "./input/batch.js";
import { openCsvInput } from "./input/csv.js";
import type { RowEncoding } from "./input/encode.js";
import { openJsonlInput } from "./input/jsonl.js";
import { openParquetInput } from "./input/parquet.js";
import type { InputOptions, InputSource } from "./input/source.js";
import { FailureGuard, type IsolationOptions } from "./isolate.js";
import {
  type BinaryMetrics,
  type LatencySummary,
  latencySummary,
  type MulticlassMetrics,
} from "./metrics.js";
import type { ModelSource } from "./model-source.js";
import { type LineFormat, type OutputFormat, OutputFormatter, outputColumns } from "./output.js";
import { publishSpool, spoolPath } from "./output-spool.js";
import { writeParquetFromSpool } from "./parquet-output.js";
import type { RowResult, Task } from "./parse-scores.js";
import { type ResumePoint, resumePoint } from "./resume.js";
import { BatchOutput, type Score } from "./run/batch-output.js";
import { inputFormat, outputFormat } from "./run/formats.js";
import { OutputBytes } from "./run/output-bytes.js";
import { progressReporter } from "./run/progress.js";
import { type RunFailure, runInOrder } from "./run/scheduler.js";
import { stoppedError } from "./run/stopped.js";
import { Tally } from "./run/tally.js";
import {
  type BatchModel,
  type InputFormat,
  isModelSource,
  rowEncoding,
  scoreBatch,
  unitScorer,
} from "./run/units.js";
import { CheckpointedWriter } from "./run/writer.js";
import { withColumnNames } from "./width.js";

export type { BatchModel, InputFormat } from "./run/units.js";

export interface ScoreOptions {
  /** A model source from `createModelSource`, or any `{ predictBatch(rows) }`. */
  model: ModelSource<number> | ModelSource<number[]> | BatchModel;
  /** Input file: CSV with a header row, JSON Lines, or Parquet. */
  data: string;
  /** Default from the extension (`.jsonl`/`.ndjson`, `.parquet`; otherwise CSV). */
  format?: InputFormat;
  /**
   * Text encoding of CSV and JSON Lines input. Default UTF-8, checked: invalid bytes stop the run with
   * `E_INVALID_INPUT` at their line and byte offset. `latin1`, `windows-1252` or another label to read others.
   */
  encoding?: string;
  /**
   * CSV: a quoted field never closed fails the line it opens on alone, and reading goes on from the next
   * line. Default: `E_INVALID_INPUT` at that line (the rows after it would otherwise be read wrong).
   */
  lenientQuotes?: boolean;
  /** Columns sent to the model, in order. Default: the model source's `features`, else every column but the label. */
  features?: readonly string[];
  /** Label column: enables metrics. */
  label?: string;
  /** Input columns copied into the output before the scores (`"all"` for every column). Default none. */
  keep?: readonly string[] | "all";
  /** Output file. Without it, results come back in memory (`summary.results`) — for small inputs. */
  out?: string;
  /** Default from the extension: `.jsonl`/`.ndjson` -> JSON Lines, `.parquet`/`.pq` -> Parquet, otherwise CSV. */
  outFormat?: OutputFormat;
  /** Rows per request (default: the model source's maxBatchRows, 1000). */
  batchSize?: number;
  /** Largest request body (default 5 MB); a batch is cut before it would pass this. */
  maxPayloadBytes?: number;
  /** Requests in flight (default 4). */
  concurrency?: number;
  /** Extra attempts for transient failures per request (default 3), with exponential backoff and jitter. */
  retries?: number;
  retryBaseDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Give up after this many rows failed one after another (default 100). */
  maxConsecutiveFailures?: number;
  /**
   * Continue from the checkpoint next to `out` if there is one (otherwise start from the beginning). The
   * partial output is checked against the checkpoint first: missing, shorter or changed is `E_CONFIG`.
   */
  resume?: boolean;
  /** Discard an unfinished run's checkpoint and partial output, and start over. Without `resume` or
   * `restart`, a checkpoint beside `out` is `E_CONFIG` (an unfinished run is never thrown away silently). */
  restart?: boolean;
  /** How often the checkpoint is written (default 1000 ms). */
  checkpointIntervalMs?: number;
  /** `binary` or `multiclass`; default the model's task. */
  task?: Task;
  /** Binary metrics: score >= threshold counts as positive (default 0.5). */
  threshold?: number;
  /** Binary: the label value meaning positive (default 1 / true). */
  positiveLabel?: Cell;
  /** Multi-class: label values in class-column order (default: labels are class indices). */
  classes?: readonly Cell[];
  /** Default 500 ms. */
  progressIntervalMs?: number;
  signal?: AbortSignal;
  events?: EventSink;
}

export interface ScoreSummary {
  /** Input rows covered by the output (including rows scored by an earlier, resumed run). */
  rows: number;
  scored: number;
  failed: number;
  /** Failures grouped by error code. */
  reasons: Reason[];
  /** Rows an earlier run had finished when this one resumed (0 for a fresh run). */
  resumedAt: number;
  out?: string;
  /** Output columns (CSV) or keys (JSON Lines). */
  columns: string[];
  task: Task;
  metrics?: BinaryMetrics | MulticlassMetrics;
  /** Rows with a score whose label was empty or unreadable (left out of the metrics). */
  labelsMissing: number;
  /** Per request, this run only. */
  latency: LatencySummary;
  /** Rows per second, this run only. */
  rowsPerSecond: number;
  elapsedMs: number;
  /** Without `out`: one entry per input row. */
  results?: Array<RowResult<Score>>;
}

/** What a run needs, resolved once from the options and the model. */
interface RunPlan {
  task: Task;
  format: InputFormat;
  outFormat: OutputFormat;
  /** Parquet is spooled as JSON Lines and converted once every row is in. */
  lineFormat: LineFormat;
  source: ModelSource<Score> | undefined;
  batchSize: number;
  maxBytes: number;
  concurrency: number;
  isolation: Omit<IsolationOptions, "signal" | "events">;
  encoding: RowEncoding;
  overheadBytes: number;
}

function planRun(options: ScoreOptions): RunPlan {
  const model = options.model;
  const source = isModelSource(model) ? model : undefined;
  const format = inputFormat(options.data, options.format);
  const outFormat = outputFormat(options.out, options.outFormat);
  if (outFormat === "parquet" && !options.out) {
    throw new MlshipError("E_CONFIG", "Parquet output needs an output file (`out`)", {
      hint: "Pass out: 'scores.parquet', or leave outFormat unset to get the results in memory.",
    });
  }
  return {
    task: options.task ?? model.task ?? "binary",
    format,
    outFormat,
    lineFormat: outFormat === "parquet" ? "jsonl" : outFormat,
    source,
    batchSize: Math.max(1, options.batchSize ?? source?.maxBatchRows ?? 1000),
    maxBytes: Math.max(1, options.maxPayloadBytes ?? source?.maxBatchBytes ?? 5 * 1024 * 1024),
    concurrency: Math.max(1, options.concurrency ?? 4),
    isolation: {
      retries: Math.max(0, options.retries ?? 3),
      retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
      maxConsecutiveFailures: options.maxConsecutiveFailures ?? 100,
    },
    ...rowEncoding(source, format),
  };
}

/** Input and output paths the user gave, checked before any side effect. */
async function checkPaths(options: ScoreOptions): Promise<void> {
  const data = await stat(options.data).catch((error: unknown) => {
    throw userPathError(error, options.data, "data");
  });
  if (data.isDirectory()) throw userPathError({ code: "EISDIR" }, options.data, "data");
  const out = options.out;
  if (!out) return;
  if (resolve(out) === resolve(options.data)) {
    throw new MlshipError("E_CONFIG", "The output file is the input file; it would be overwritten", {
      where: out,
    });
  }
  const existing = await stat(out).catch(() => undefined);
  if (existing?.isDirectory()) throw userPathError({ code: "EISDIR" }, out, "out");
}

/** One writer per output file: a second run on the same `out` is `E_CONFLICT`, naming the first one's pid. */
async function lockOutput(out: string): Promise<FileLock> {
  try {
    return await acquireFileLock(checkpointPaths(out).lock, `Scoring to ${out}`);
  } catch (error) {
    throw userPathError(error, out, "out");
  }
}

/** The checkpoint to continue from (checked against the partial output), or a fresh start. */
async function startingPoint(
  options: ScoreOptions,
  plan: RunPlan,
  out: string,
): Promise<ResumePoint & { print: Fingerprint }> {
  const print = await fingerprint(options.data, {
    format: plan.format,
    outFormat: plan.outFormat,
    task: plan.task,
    features: options.features ?? plan.source?.features ?? null,
    label: options.label ?? null,
    keep: options.keep ?? null,
    classes: options.classes ?? null,
    positiveLabel: options.positiveLabel ?? null,
    contentType: plan.source?.contentType ?? null,
    encoding: options.encoding ?? null,
    lenientQuotes: options.lenientQuotes ?? false,
  });
  const point = await resumePoint(out, spoolPath(out, plan.lineFormat), print, options);
  return { ...point, print };
}

function inputOptionsFor(
  options: ScoreOptions,
  plan: RunPlan,
  checkpoint: CheckpointState | undefined,
  signal: AbortSignal,
): InputOptions {
  const inputOptions: InputOptions = {
    path: options.data,
    features: options.features ?? plan.source?.features,
    label: options.label,
    keep: options.keep,
    keepAs: plan.lineFormat === "csv" ? "csv" : "json",
    encoding: plan.encoding,
    maxRows: plan.batchSize,
    maxBytes: plan.maxBytes,
    overheadBytes: plan.overheadBytes,
    resume: checkpoint ? { offset: checkpoint.inputOffset, row: checkpoint.rows } : undefined,
    signal,
    textEncoding: options.encoding,
    lenientQuotes: options.lenientQuotes,
  };
  return inputOptions;
}

function openInput(format: InputFormat, inputOptions: InputOptions): Promise<InputSource> {
  if (format === "csv") return openCsvInput(inputOptions);
  return format === "jsonl" ? openJsonlInput(inputOptions) : openParquetInput(inputOptions);
}

/** A run's moving parts once its input is open. */
interface Run {
  options: ScoreOptions;
  plan: RunPlan;
  input: InputSource;
  fmt: OutputFormatter;
  tally: Tally;
  output: BatchOutput;
  writer: CheckpointedWriter | undefined;
  internal: AbortController;
  inputOptions: InputOptions;
  /** Output bytes on their way to the writer. */
  sink: OutputBytes;
  /** What progress reads: the input, or the byte path's reader. */
  progressOf: Pick<InputSource, "position" | "size" | "totalRows">;
  latencies: number[];
  started: number;
  resumedAt: number;
}

/**
 * The path batches take: bytes end to end for CSV in, a CSV model, binary scores and CSV out with nothing
 * kept (fast-path/); otherwise the general one. Both write the same bytes (tested byte for byte).
 */
function batchPath(run: Run, bytes: boolean): BatchPath<{ seq: number }, unknown> {
  const { options, plan, input, output, internal } = run;
  const scoreUnits = unitScorer(options.model as ModelSource<Score> | BatchModel, plan.task, plan.isolation);
  const unitOptions = {
    signal: internal.signal,
    guard: new FailureGuard(plan.isolation.maxConsecutiveFailures),
    events: options.events,
    onRequest: (ms: number) => run.latencies.push(ms),
  };
  const general: BatchPath<InputBatch, Array<RowResult<Score>>> = {
    batches: () => input.batches(),
    score: (batch) => scoreBatch(batch, scoreUnits, unitOptions),
    consume: (batch, results) => output.consume(batch, results),
  };
  const layout =
    bytes &&
    plan.source &&
    options.out &&
    plan.format === "csv" &&
    plan.encoding.kind === "csv-slice" &&
    plan.outFormat === "csv" &&
    plan.task === "binary"
      ? byteLayout(input, options.label)
      : undefined;
  if (!layout || !plan.source) return general as BatchPath<{ seq: number }, unknown>;
  const inputOptions = run.inputOptions;
  const reopen = (resume: { offset: number; row: number }) => openCsvInput({ ...inputOptions, resume });
  const bytesIn = byteInput(input, inputOptions, layout, reopen);
  run.progressOf = bytesIn;
  const path = bytePath({
    ...{ input: bytesIn, source: plan.source, general, output, sink: run.sink, tally: run.tally },
    unitOptions,
  });
  return path as BatchPath<{ seq: number }, unknown>;
}

/** Reads, scores and writes every batch; resolves with the run's failure, if any, once the file is closed. */
async function drive(run: Run, path: BatchPath<{ seq: number }, unknown>): Promise<RunFailure> {
  const { options, plan, output, writer, tally, fmt, internal, sink } = run;
  const flush = (force: boolean) => {
    if (!writer) return;
    sink.text(output.text);
    output.text = "";
    if (sink.length === 0 && !force) return;
    writer.write(sink.take(), (chunk) => sink.release(chunk), tally, fmt.width, force);
  };
  const progress = progressReporter(run.progressOf, tally, run.started, run.resumedAt, options);
  const timer = setInterval(progress, options.progressIntervalMs ?? 500);
  timer.unref();
  let failure: RunFailure;
  try {
    try {
      failure = await runInOrder(path.batches(), {
        concurrency: plan.concurrency,
        maxWaiting: 4 * plan.concurrency,
        score: (batch) => path.score(batch),
        consume: (batch, result) => path.consume(batch, result),
        afterConsume: () => {
          if (output.text.length + sink.length >= 1 << 18 || writer?.checkpointDue) flush(false);
        },
        backpressure: () => (writer && writer.queuedBytes > 1 << 23 ? writer.settled() : undefined),
        abort: (error) => internal.abort(error),
      });
      if (failure === undefined) output.finish();
      flush(true);
      await writer?.settled();
    } catch (error) {
      failure ??= { error };
    }
  } finally {
    clearInterval(timer);
    await writer?.close();
  }
  progress();
  return failure;
}

function summarize(run: Run, results: Array<RowResult<Score>> | undefined): ScoreSummary {
  const { options, plan, tally } = run;
  const elapsedMs = performance.now() - run.started;
  const summary: ScoreSummary = {
    rows: tally.rows,
    scored: tally.rows - tally.failed,
    failed: tally.failed,
    reasons: [...tally.reasons.values()],
    resumedAt: run.resumedAt,
    columns: outputColumns(run.input.kept, plan.task, plan.outFormat, run.fmt.width ?? 0, options.classes),
    task: plan.task,
    labelsMissing: tally.labelsMissing,
    latency: latencySummary(run.latencies),
    rowsPerSecond: elapsedMs > 0 ? ((tally.rows - run.resumedAt) * 1000) / elapsedMs : 0,
    elapsedMs,
  };
  if (options.out) summary.out = options.out;
  if (results) summary.results = results;
  if (options.label !== undefined) summary.metrics = tally.metrics(options.threshold ?? 0.5);
  return summary;
}

/**
 * Scores a dataset file against a model, streaming: bounded memory, batches by rows and bytes, concurrent
 * requests, retries, bad-row isolation, order kept, nothing dropped, resumable, with metrics.
 */
export function score(options: ScoreOptions): Promise<ScoreSummary> {
  return runScore(options, { bytePath: true });
}

/** `score()`, with the byte path switchable (tests compare it with the general path byte for byte). */
export async function runScore(
  options: ScoreOptions,
  internals: { bytePath: boolean },
): Promise<ScoreSummary> {
  const started = performance.now();
  const plan = planRun(options);
  await checkPaths(options);
  if (options.signal?.aborted) throw abortError(options.signal, "Scoring");
  const lock = options.out ? await lockOutput(options.out) : undefined;
  try {
    const point = options.out ? await startingPoint(options, plan, options.out) : undefined;
    return await scoreFrom(options, plan, point, started, internals);
  } finally {
    await lock?.release();
  }
}

async function scoreFrom(
  options: ScoreOptions,
  plan: RunPlan,
  point: (ResumePoint & { print: Fingerprint }) | undefined,
  started: number,
  internals: { bytePath: boolean },
): Promise<ScoreSummary> {
  const out = options.out;
  const checkpoint = point?.checkpoint;
  const internal = new AbortController();
  // Every request in flight listens to this signal (the AWS SDK adds two listeners per call): above Node's
  // default of 10 that is expected here, not a leak.
  setMaxListeners(Math.max(10, 4 * plan.concurrency + 4), internal.signal);
  const onUserAbort = () => internal.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onUserAbort, { once: true });

  const inputOptions = inputOptionsFor(options, plan, checkpoint, internal.signal);
  const input = await openInput(plan.format, inputOptions);
  const fmt = new OutputFormatter(plan.lineFormat, input.kept, plan.task, options.classes);
  if (checkpoint?.width !== undefined) fmt.width = checkpoint.width;
  // Where the input continues when no row is done yet: after a CSV header, not at byte 0.
  const tally = new Tally(
    { task: plan.task, positiveLabel: options.positiveLabel, classes: options.classes },
    checkpoint?.inputOffset ?? input.position(),
    checkpoint,
  );
  if (checkpoint && out) await tally.restorePairs(out, checkpoint.pairs);
  const results: Array<RowResult<Score>> | undefined = out ? undefined : [];
  const spool = out ? spoolPath(out, plan.lineFormat) : undefined;
  const writer =
    out && spool && point
      ? await CheckpointedWriter.open({
          path: spool,
          out,
          print: point.print,
          resume: checkpoint && point.hash ? { bytes: checkpoint.outputBytes, hash: point.hash } : undefined,
          intervalMs: options.checkpointIntervalMs ?? 1000,
          savedPairs: tally.pairCount,
        })
      : undefined;
  const output = new BatchOutput(fmt, tally, results, (checkpoint?.outputBytes ?? 0) > 0);
  const run: Run = {
    ...{ options, plan, input, fmt, tally, output, writer, internal, inputOptions },
    sink: new OutputBytes(),
    progressOf: input,
    latencies: [],
    started,
    resumedAt: checkpoint?.rows ?? 0,
  };
  const failure = await drive(run, batchPath(run, internals.bytePath)).finally(() =>
    options.signal?.removeEventListener("abort", onUserAbort),
  );
  if (failure !== undefined) {
    // A fresh run that the input itself stopped before its first row (a wrong width, a bad file) has nothing a
    // resume could continue: it leaves no spool and no checkpoint behind. (An endpoint that was down keeps its
    // checkpoint: resuming is the fix there.)
    const inputProblem = isMlshipError(failure.error) && failure.error.code === "E_INVALID_INPUT";
    const nothingWritten = out !== undefined && !checkpoint && tally.rows === 0 && inputProblem;
    if (nothingWritten && spool) await Promise.all([rm(spool, { force: true }), removeCheckpoint(out)]);
    const stopped = stoppedError(failure.error, tally.rows, options.signal, nothingWritten ? undefined : out);
    throw withColumnNames(stopped, input.features);
  }
  if (out && spool) {
    if (plan.outFormat === "parquet") {
      await writeParquetFromSpool(spool, out, {
        kept: input.kept,
        task: plan.task,
        width: fmt.width ?? 0,
        classes: options.classes,
      });
    } else await publishSpool(spool, out);
    await removeCheckpoint(out);
  }
  return summarize(run, results);
}
