import { setMaxListeners } from "node:events";
import { type FileHandle, open } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { abortError, type Cell, type EventSink, emit, isMlshipError, MlshipError } from "@mlship/core";
import {
  type CheckpointState,
  fingerprint,
  loadCheckpoint,
  loadPairs,
  type Reason,
  removeCheckpoint,
  saveCheckpoint,
} from "./checkpoint.js";
import type { InputBatch } from "./input/batch.js";
import { openCsvInput } from "./input/csv.js";
import type { RowEncoding } from "./input/encode.js";
import { openJsonlInput } from "./input/jsonl.js";
import { openParquetInput } from "./input/parquet.js";
import type { InputOptions, InputSource } from "./input/source.js";
import { FailureGuard, scoreIsolated } from "./isolate.js";
import {
  type BinaryMetrics,
  binaryMetrics,
  type LatencySummary,
  latencySummary,
  MulticlassAccumulator,
  type MulticlassMetrics,
} from "./metrics.js";
import type { ModelSource, Row, ScoreUnitsOptions } from "./model-source.js";
import { type OutputFormat, OutputFormatter, outputColumns } from "./output.js";
import { spoolPath, writeParquetFromSpool } from "./parquet-output.js";
import { alignRows, type RowResult, type Task, toScores } from "./parse-scores.js";

type Score = number | number[];

/** Any object with a batch predictor (e.g. a hand-written model) can be scored too, without the fast paths. */
export interface BatchModel {
  readonly task?: Task;
  predictBatch(rows: readonly Row[]): Promise<Score[]>;
}

export type InputFormat = "csv" | "jsonl" | "parquet";

export interface ScoreOptions {
  /** A model source from `createModelSource`, or any `{ predictBatch(rows) }`. */
  model: ModelSource<number> | ModelSource<number[]> | BatchModel;
  /** Input file: CSV with a header row, JSON Lines, or Parquet. */
  data: string;
  /** Default from the extension (`.jsonl`/`.ndjson`, `.parquet`; otherwise CSV). */
  format?: InputFormat;
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
  /** Continue from the checkpoint next to `out` if there is one (otherwise start over). */
  resume?: boolean;
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

const isModelSource = (m: ScoreOptions["model"]): m is ModelSource<Score> =>
  typeof (m as ModelSource<Score>).scoreUnits === "function";

function inputFormat(path: string, format: InputFormat | undefined): InputFormat {
  if (path.toLowerCase().endsWith(".gz")) {
    // Resume seeks to a byte offset, which a gzip stream cannot do.
    throw new MlshipError("E_INVALID_INPUT", `${path} is compressed; the scorer reads plain files`, {
      where: path,
      hint: "Decompress it first (gunzip -k).",
    });
  }
  if (format) return format;
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  return "csv";
}

function outputFormat(path: string | undefined, format: OutputFormat | undefined): OutputFormat {
  if (format) return format;
  const ext = path ? extname(path).toLowerCase() : "";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  return ext === ".jsonl" || ext === ".ndjson" ? "jsonl" : "csv";
}

/**
 * A label as read equals a configured one: as text, or as the number given (`"1.0"` is 1). CSV labels arrive
 * as raw text from most lines and as parsed cells from lines with quotes; both must compare the same.
 */
const sameLabel = (raw: unknown, want: Cell): boolean =>
  String(raw) === String(want) ||
  (typeof want === "number" && String(raw).trim() !== "" && Number(raw) === want);

/** Binary label to 0/1, or undefined when it cannot be read. */
function binaryLabel(raw: unknown, positive: Cell | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (positive !== undefined) return sameLabel(raw, positive) ? 1 : 0;
  if (raw === true || raw === "true" || raw === "True") return 1;
  if (raw === false || raw === "false" || raw === "False") return 0;
  const n = Number(raw);
  return n === 1 ? 1 : n === 0 ? 0 : undefined;
}

function classLabel(raw: unknown, classes: readonly Cell[] | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (classes) {
    const i = classes.findIndex((c) => sameLabel(raw, c));
    return i === -1 ? undefined : i;
  }
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Scores a dataset file against a model, streaming: bounded memory, batches by rows and bytes, concurrent
 * requests, retries, bad-row isolation, order kept, nothing dropped, resumable, with metrics.
 */
export async function score(options: ScoreOptions): Promise<ScoreSummary> {
  const started = performance.now();
  const model = options.model;
  const source = isModelSource(model) ? model : undefined;
  const task: Task = options.task ?? model.task ?? "binary";
  const format = inputFormat(options.data, options.format);
  const outFormat = outputFormat(options.out, options.outFormat);
  if (outFormat === "parquet" && !options.out) {
    throw new MlshipError("E_CONFIG", "Parquet output needs an output file (`out`)", {
      hint: "Pass out: 'scores.parquet', or leave outFormat unset to get the results in memory.",
    });
  }
  // Parquet is spooled as JSON Lines and converted once every row is in.
  const lineFormat = outFormat === "parquet" ? "jsonl" : outFormat;
  const batchSize = Math.max(1, options.batchSize ?? source?.maxBatchRows ?? 1000);
  const maxBytes = Math.max(1, options.maxPayloadBytes ?? source?.maxBatchBytes ?? 5 * 1024 * 1024);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const isolation = {
    retries: Math.max(0, options.retries ?? 3),
    retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
    maxConsecutiveFailures: options.maxConsecutiveFailures ?? 100,
  };
  const guard = new FailureGuard(isolation.maxConsecutiveFailures);

  let encoding: RowEncoding;
  let overheadBytes = 0;
  if (source && !source.preprocesses) {
    encoding =
      format === "csv" && source.codec.contentType === "text/csv"
        ? { kind: "csv-slice" }
        : { kind: "cells", codec: source.codec };
    overheadBytes = source.codec.overheadBytes;
  } else if (source) {
    encoding = {
      kind: "row",
      encode: (row) => source.encodeRow(row),
      bytes: (u) => source.codec.unitBytes(u as string),
    };
    overheadBytes = source.codec.overheadBytes;
  } else {
    encoding = { kind: "row", encode: (row) => row, bytes: () => 0 };
  }

  const scoreUnits: (units: readonly unknown[], o: ScoreUnitsOptions) => Promise<Array<RowResult<Score>>> =
    source
      ? (units, o) => source.scoreUnits(units as string[], o)
      : (units, o) =>
          scoreIsolated(
            units,
            async (u) => {
              const t = performance.now();
              const raw = await (model as BatchModel).predictBatch(u as Row[]);
              o.onRequest?.(performance.now() - t, u.length);
              const aligned = alignRows(raw, u.length);
              if (isMlshipError(aligned)) throw aligned;
              return toScores(aligned, { task, sumTolerance: 1e-4 });
            },
            { ...isolation, signal: o.signal, events: o.events },
            o.guard as FailureGuard,
          );

  const settings = {
    format,
    outFormat,
    task,
    features: options.features ?? source?.features ?? null,
    label: options.label ?? null,
    keep: options.keep ?? null,
    classes: options.classes ?? null,
    positiveLabel: options.positiveLabel ?? null,
    contentType: source?.contentType ?? null,
  };
  const out = options.out;
  if (out && resolve(out) === resolve(options.data)) {
    throw new MlshipError("E_CONFIG", "The output file is the input file; it would be overwritten", {
      where: out,
    });
  }
  let checkpoint: CheckpointState | undefined;
  const print = out ? await fingerprint(options.data, settings) : undefined;
  if (out && print) {
    if (options.resume) checkpoint = await loadCheckpoint(out, print);
    else await removeCheckpoint(out);
  }

  const inputOptions: InputOptions = {
    path: options.data,
    features: options.features ?? source?.features,
    label: options.label,
    keep: options.keep,
    keepAs: lineFormat === "csv" ? "csv" : "json",
    encoding,
    maxRows: batchSize,
    maxBytes,
    overheadBytes,
    resume: checkpoint ? { offset: checkpoint.inputOffset, row: checkpoint.rows } : undefined,
  };
  const internal = new AbortController();
  // Every request in flight listens to this signal (the AWS SDK adds two listeners per call): above Node's
  // default of 10 that is expected here, not a leak.
  setMaxListeners(Math.max(10, 4 * concurrency + 4), internal.signal);
  const onUserAbort = () => internal.abort(options.signal?.reason);
  if (options.signal?.aborted) throw abortError(options.signal, "Scoring");
  options.signal?.addEventListener("abort", onUserAbort, { once: true });
  inputOptions.signal = internal.signal;

  const input: InputSource =
    format === "csv"
      ? await openCsvInput(inputOptions)
      : format === "jsonl"
        ? await openJsonlInput(inputOptions)
        : await openParquetInput(inputOptions);

  const fmt = new OutputFormatter(lineFormat, input.kept, task, options.classes);
  if (checkpoint?.width !== undefined) fmt.width = checkpoint.width;

  // Run state; restored from the checkpoint when resuming.
  const resumedAt = checkpoint?.rows ?? 0;
  let rows = resumedAt;
  let failed = checkpoint?.failed ?? 0;
  let labelsMissing = checkpoint?.labelsMissing ?? 0;
  // Where the input continues when no row is done yet: after a CSV header, not at byte 0.
  let inputOffset = checkpoint?.inputOffset ?? input.position();
  const reasons = new Map<string, Reason>((checkpoint?.reasons ?? []).map((r) => [r.code, { ...r }]));
  // Binary metrics need every (score, label) pair for exact ROC/PR AUC: 9 bytes per labelled row.
  let pairScores = new Float64Array(4096);
  let pairLabels = new Uint8Array(4096);
  let pairCount = 0;
  if (checkpoint && checkpoint.pairs > 0) {
    const saved = await loadPairs(out as string, checkpoint.pairs);
    pairScores = new Float64Array(Math.max(4096, checkpoint.pairs * 2));
    pairLabels = new Uint8Array(pairScores.length);
    for (let i = 0; i < checkpoint.pairs; i++) {
      pairScores[i] = saved[i * 2] as number;
      pairLabels[i] = saved[i * 2 + 1] as number;
    }
    pairCount = checkpoint.pairs;
  }
  let savedPairs = pairCount;
  const multi = checkpoint?.multiclass
    ? MulticlassAccumulator.from(checkpoint.multiclass)
    : new MulticlassAccumulator();
  const latencies: number[] = [];
  const results: Array<RowResult<Score>> | undefined = out ? undefined : [];

  let fh: FileHandle | undefined;
  let outputBytes = checkpoint?.outputBytes ?? 0;
  // The header is the file's first bytes: anything already written includes it.
  let headerDone = (checkpoint?.outputBytes ?? 0) > 0;
  if (out) {
    fh = await open(outFormat === "parquet" ? spoolPath(out) : out, checkpoint ? "r+" : "w");
    if (checkpoint) await fh.truncate(outputBytes);
  }
  let outBuf = "";
  if (!headerDone && fmt.ready) {
    outBuf += fmt.header();
    headerDone = true;
  }
  const held: Array<{ batch: InputBatch; results: Array<RowResult<Score>> }> = [];

  function addPair(s: number, y: number): void {
    if (pairCount === pairScores.length) {
      const scores = new Float64Array(pairScores.length * 2);
      scores.set(pairScores);
      pairScores = scores;
      const labels = new Uint8Array(pairLabels.length * 2);
      labels.set(pairLabels);
      pairLabels = labels;
    }
    pairScores[pairCount] = s;
    pairLabels[pairCount] = y;
    pairCount++;
  }

  function emitBatch(batch: InputBatch, res: Array<RowResult<Score>>): void {
    const fast = results ? undefined : fmt.binaryRows(res);
    if (fast !== undefined) outBuf += fast;
    for (let i = 0; i < batch.count; i++) {
      let r = res[i] as RowResult<Score>;
      if (Array.isArray(r) && fmt.width !== undefined && r.length !== fmt.width) {
        r = new MlshipError(
          "E_SCORE_ROW_MISMATCH",
          `The model answered ${r.length} class probabilities; earlier rows had ${fmt.width}`,
          { details: { classes: r.length, expected: fmt.width } },
        );
      }
      const row = batch.start + i;
      if (isMlshipError(r)) {
        failed++;
        const reason = reasons.get(r.code);
        if (reason) reason.rows++;
        else reasons.set(r.code, { code: r.code, message: r.message, rows: 1, firstRow: row });
      } else if (batch.labels) {
        const raw = batch.labels[i];
        if (task === "binary") {
          const y = binaryLabel(raw, options.positiveLabel);
          if (y === undefined) labelsMissing++;
          else addPair(r as number, y);
        } else {
          const y = classLabel(raw, options.classes);
          if (y === undefined) labelsMissing++;
          else multi.add(r as number[], y);
        }
      }
      if (results) results.push(r);
      else if (fast === undefined) outBuf += fmt.row(r, batch.keep?.[i]);
    }
    rows += batch.count;
    inputOffset = batch.endOffset;
  }

  function consume(batch: InputBatch, res: Array<RowResult<Score>>): void {
    // JSON Lines needs no header, but the Parquet file made from its spool has a column per class.
    if (fmt.width === undefined) {
      const ok = res.find((r): r is number[] => Array.isArray(r));
      if (ok) fmt.width = ok.length;
      else if (!fmt.ready) {
        held.push({ batch, results: res });
        return;
      }
    }
    if (!headerDone) {
      outBuf += fmt.header();
      headerDone = true;
    }
    for (const h of held.splice(0)) emitBatch(h.batch, h.results);
    emitBatch(batch, res);
  }

  // Writing: whole batches go to the file in order; a checkpoint follows a write at most once per interval.
  let writeChain: Promise<void> = Promise.resolve();
  let queuedChars = 0;
  let lastCheckpoint = performance.now();
  const interval = options.checkpointIntervalMs ?? 1000;

  function flush(force: boolean): void {
    if (!fh || (outBuf === "" && !force)) return;
    const text = outBuf;
    outBuf = "";
    queuedChars += text.length;
    const snap: Omit<CheckpointState, "outputBytes"> = {
      version: 1,
      fingerprint: print as NonNullable<typeof print>,
      rows,
      inputOffset,
      width: fmt.width,
      failed,
      reasons: [...reasons.values()].map((r) => ({ ...r })),
      labelsMissing,
      pairs: pairCount,
      multiclass: task === "multiclass" ? structuredClone(multi.state()) : undefined,
    };
    const file = fh;
    writeChain = writeChain.then(async () => {
      if (text !== "") {
        const buf = Buffer.from(text);
        await file.write(buf, 0, buf.length, outputBytes);
        outputBytes += buf.length;
      }
      queuedChars -= text.length;
      if (force || performance.now() - lastCheckpoint >= interval) {
        lastCheckpoint = performance.now();
        await file.datasync();
        const fresh = new Float64Array((snap.pairs - savedPairs) * 2);
        for (let i = savedPairs; i < snap.pairs; i++) {
          fresh[(i - savedPairs) * 2] = pairScores[i] as number;
          fresh[(i - savedPairs) * 2 + 1] = pairLabels[i] as number;
        }
        await saveCheckpoint(out as string, { ...snap, outputBytes }, fresh, savedPairs);
        savedPairs = snap.pairs;
      }
    });
  }

  // Ordering: batches complete in any order; they are consumed strictly by sequence number.
  const completed = new Map<number, { batch: InputBatch; results: Array<RowResult<Score>> }>();
  let nextSeq = 0;
  let pending = 0;
  let fatal: unknown;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const inflight = new Set<Promise<void>>();

  async function scoreBatch(batch: InputBatch): Promise<Array<RowResult<Score>>> {
    const res =
      batch.units.length === 0
        ? []
        : await scoreUnits(batch.units, {
            signal: internal.signal,
            guard,
            events: options.events,
            onRequest: (ms) => latencies.push(ms),
          });
    if (!batch.positions) return res;
    const full = new Array<RowResult<Score>>(batch.count);
    for (let i = 0; i < batch.positions.length; i++)
      full[batch.positions[i] as number] = res[i] as RowResult<Score>;
    if (batch.errors) for (const [i, e] of batch.errors.entries()) if (e) full[i] = e;
    return full;
  }

  const startPosition = input.position();
  const progress = () => {
    const elapsed = (performance.now() - started) / 1000;
    const done = rows - resumedAt;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const event: Extract<Parameters<EventSink>[0], { type: "score.progress" }> = {
      type: "score.progress",
      rowsDone: rows,
      rowsFailed: failed,
      rowsPerSecond: Math.round(rate),
    };
    if (input.totalRows !== undefined) event.totalRows = input.totalRows;
    if (input.size !== undefined && input.size > startPosition) {
      // Of what this run has to read (a resumed run starts part-way).
      const fraction = (input.position() - startPosition) / (input.size - startPosition);
      if (fraction > 0 && fraction < 1 && elapsed > 0)
        event.etaSeconds = Math.round((elapsed * (1 - fraction)) / fraction);
      else if (fraction >= 1) event.etaSeconds = 0;
    }
    emit(options, event);
  };
  const timer = setInterval(progress, options.progressIntervalMs ?? 500);
  timer.unref();

  try {
    try {
      for await (const batch of input.batches()) {
        if (fatal !== undefined) break;
        while (pending >= concurrency && fatal === undefined) await new Promise<void>((r) => (wake = r));
        if (fatal !== undefined) break;
        pending++;
        const job: Promise<void> = scoreBatch(batch)
          .then((res) => {
            completed.set(batch.seq, { batch, results: res });
            for (let c = completed.get(nextSeq); c; c = completed.get(nextSeq)) {
              completed.delete(nextSeq);
              nextSeq++;
              pending--;
              consume(c.batch, c.results);
            }
            if (outBuf.length >= 1 << 18 || performance.now() - lastCheckpoint >= interval) flush(false);
            wakeUp();
          })
          // A failed batch, or anything thrown while writing one: the run stops with it (never a silent
          // success missing rows).
          .catch((error: unknown) => {
            if (fatal === undefined) {
              fatal = error;
              internal.abort(error);
            }
            wakeUp();
          });
        inflight.add(job);
        void job.finally(() => inflight.delete(job));
        if (queuedChars > 1 << 23) await writeChain;
      }
    } catch (error) {
      fatal ??= error;
      internal.abort(error);
    }
    await Promise.allSettled([...inflight]);
    if (fatal === undefined && held.length > 0) {
      // Multi-class rows that all failed: no class count was ever seen.
      fmt.width ??= 0;
      if (!headerDone) outBuf += fmt.header();
      headerDone = true;
      for (const h of held.splice(0)) emitBatch(h.batch, h.results);
    }
    flush(true);
    await writeChain;
  } catch (error) {
    fatal ??= error;
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener("abort", onUserAbort);
    await fh?.close();
  }
  progress();

  if (fatal !== undefined) {
    if (options.signal?.aborted) {
      throw new MlshipError("E_ABORTED", `Scoring was aborted after ${rows} rows`, {
        cause: options.signal.reason,
        details: { rows },
        hint: out ? "Run again with resume to continue from the checkpoint." : undefined,
      });
    }
    const e = isMlshipError(fatal) ? fatal : new MlshipError("E_INTERNAL", String(fatal), { cause: fatal });
    throw new MlshipError(e.code, `${e.message} (scoring stopped after ${rows} rows)`, {
      cause: e,
      where: e.where,
      details: { ...e.details, rows },
      hint: out ? "Fix the cause, then run again with resume to continue from the checkpoint." : e.hint,
    });
  }
  if (out && outFormat === "parquet") {
    await writeParquetFromSpool(spoolPath(out), out, {
      kept: input.kept,
      task,
      width: fmt.width ?? 0,
      classes: options.classes,
    });
  }
  if (out) await removeCheckpoint(out);

  const elapsedMs = performance.now() - started;
  const summary: ScoreSummary = {
    rows,
    scored: rows - failed,
    failed,
    reasons: [...reasons.values()],
    resumedAt,
    columns: outputColumns(input.kept, task, outFormat, fmt.width ?? 0, options.classes),
    task,
    labelsMissing,
    latency: latencySummary(latencies),
    rowsPerSecond: elapsedMs > 0 ? ((rows - resumedAt) * 1000) / elapsedMs : 0,
    elapsedMs,
  };
  if (out) summary.out = out;
  if (results) summary.results = results;
  if (options.label !== undefined) {
    if (task === "binary") {
      summary.metrics = binaryMetrics(pairScores.subarray(0, pairCount), pairLabels.subarray(0, pairCount), {
        threshold: options.threshold ?? 0.5,
      });
    } else {
      summary.metrics = multi.finish();
    }
  }
  return summary;
}
