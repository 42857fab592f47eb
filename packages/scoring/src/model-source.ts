import {
  type Cell,
  CONTENT_TYPES,
  type EventSink,
  type InvokeResponse,
  type Invoker,
  isMlshipError,
  MlshipError,
  mediaType,
} from "@mlship/core";
import { Coalescer } from "./coalescer.js";
import { BodyCoalescer } from "./fast-path/body-coalescer.js";
import type { BodyRows } from "./fast-path/body-rows.js";
import { type PlainAnswer, plainAnswer } from "./fast-path/plain-answer.js";
import { atRow, FailureGuard, type IsolationOptions, scoreIsolated } from "./isolate.js";
import { Limiter } from "./limiter.js";
import {
  alignRows,
  decodeResponse,
  type OutputParser,
  type RowResult,
  type ScoreShapeOptions,
  type Task,
  toScores,
} from "./parse-scores.js";
import { type RowCodec, rowCodec, type Unit } from "./row-codec.js";
import { plainProbabilityList } from "./score-texts.js";

/** A row as a mapping from feature name to value (the RIME template's `x: dict`). */
export type Row = Readonly<Record<string, unknown>>;

export interface ModelSourceOptions {
  /** Where requests go: any deployment's invoker (`target.invoker(name)`, `createHttpInvoker`). */
  invoker: Invoker;
  /** Column order the model expects. Without it, a row's own key order is used. */
  features?: readonly string[];
  /** Request body format: `text/csv` (default), `application/json`, `application/x-npy`. */
  contentType?: string;
  /** Response format asked for; unset = the endpoint's default. */
  accept?: string;
  /** JSON requests as `[[…]]` (default) or `{"instances": [[…]]}`. */
  jsonShape?: "array" | "instances";
  /** `binary` (default): one probability per row. `multiclass`: per-class probabilities summing to 1. */
  task?: Task;
  /** Which column of a probability row is the positive class (binary). Default 1 for `[p0, p1]` pairs. */
  positiveIndex?: number;
  /** The positive class by label, looked up in `classes`. */
  positiveLabel?: Cell;
  /** Class labels in the model's column order (sklearn's `classes_`). */
  classes?: readonly Cell[];
  /** Custom response parser: return one entry per row (a number, an array, or an Error). */
  parse?: OutputParser;
  /**
   * How to read the model's answers, as one group: `{ positiveIndex, positiveLabel, classes, parse,
   * sumTolerance }`, or a parser function. The same as those top-level options (setting one both ways with
   * different values is an E_CONFIG error).
   */
  output?: OutputOptions | OutputParser;
  /** Turns a row into what the model expects: a new row, or the feature values in order. */
  preprocess?: (row: Row) => Row | readonly Cell[];
  /** Rows per request (default 1000). */
  maxBatchRows?: number;
  /** Request body limit in bytes (default 5 MB; SageMaker rejects bodies over 6 MB). */
  maxBatchBytes?: number;
  /** Collect concurrent `predictDict` calls into batches (default true). */
  coalesce?: boolean;
  /** Requests in flight at once for this source (default 4). */
  maxConcurrency?: number;
  /** Extra attempts for transient failures, on top of the invoker's own (default 3). */
  retries?: number;
  /** First retry delay in ms (default 200); doubles per attempt with jitter. */
  retryBaseDelayMs?: number;
  /** Longest retry delay in ms (default 5000). */
  maxRetryDelayMs?: number;
  /** Give up after this many rows failed one after another with no success between (default 100). */
  maxConsecutiveFailures?: number;
  /** How far a multi-class row's sum may be from 1 (default 1e-4). */
  sumTolerance?: number;
  /** Receives `invoke.retry` events. */
  events?: EventSink;
}

export type OutputOptions = Pick<
  ModelSourceOptions,
  "positiveIndex" | "positiveLabel" | "classes" | "parse" | "sumTolerance"
>;

/** The `output` group merged into the top-level options. */
function withOutput(options: ModelSourceOptions): ModelSourceOptions {
  const output: OutputOptions =
    typeof options.output === "function" ? { parse: options.output } : (options.output ?? {});
  const set = Object.entries(output).filter(([, value]) => value !== undefined);
  for (const [key, value] of set) {
    const top = options[key as keyof OutputOptions];
    if (top !== undefined && top !== value) {
      throw new MlshipError("E_CONFIG", `'${key}' is set both in output and at the top level, differently`, {
        where: `output.${key}`,
        hint: "Set it in one place.",
      });
    }
  }
  return { ...options, ...Object.fromEntries(set) };
}

export interface ScoreUnitsOptions {
  signal?: AbortSignal | undefined;
  /** Called once per HTTP request that answered, with its duration. */
  onRequest?: ((ms: number, rows: number) => void) | undefined;
  /** Shares the consecutive-failure count across calls (the scorer passes one per run). */
  guard?: FailureGuard | undefined;
  events?: EventSink | undefined;
}

export interface ModelSource<S extends number | number[] = number> {
  readonly task: Task;
  readonly features: readonly string[] | undefined;
  readonly contentType: string;
  readonly codec: RowCodec;
  readonly maxBatchRows: number;
  readonly maxBatchBytes: number;
  /** True when rows pass through a `preprocess` hook (the scorer then cannot slice CSV lines). */
  readonly preprocesses: boolean;
  /** One row's score. Concurrent calls are coalesced into batches. Rejects with that row's error. */
  predictDict(row: Row): Promise<S>;
  /** Scores in row order; rejects with the first row's error if any row failed. */
  predictBatch(rows: readonly Row[]): Promise<S[]>;
  /** One entry per row, in order: the score or that row's error. Rejects only when the endpoint is unusable. */
  predictBatchSettled(rows: readonly Row[]): Promise<Array<RowResult<S>>>;
  /** A row's request unit (feature order applied, preprocess run). Throws E_INVALID_INPUT. */
  encodeRow(row: Row): Unit;
  /** Low level: scores already-encoded units that fit in one request, with retries and bad-row isolation. */
  scoreUnits(units: readonly Unit[], options?: ScoreUnitsOptions): Promise<Array<RowResult<S>>>;
  /**
   * Low level, for the scorer's byte path: scores CSV rows already laid out in one body, as `scoreUnits`
   * does. When the whole body is answered by a plain list of probabilities, that answer comes back as is
   * (its number texts located, not parsed).
   */
  scoreBody(rows: BodyRows, options?: ScoreUnitsOptions): Promise<PlainAnswer | Array<RowResult<S>>>;
  /** Closes the invoker if it can be closed. */
  close(): Promise<void>;
}

/**
 * What `scoreIsolated` is told when a whole body was answered by a plain list: a scored row, so the
 * consecutive-failure count resets as it would for the parsed answer. It never reaches the output.
 */
const PLAIN_SCORED: Array<RowResult<number>> = [0];

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

function resolvePositiveIndex(options: ModelSourceOptions): number | undefined {
  if (options.positiveLabel === undefined) return options.positiveIndex;
  const index = options.classes?.indexOf(options.positiveLabel) ?? -1;
  if (index < 0) {
    throw new MlshipError(
      "E_CONFIG",
      `positiveLabel ${JSON.stringify(options.positiveLabel)} is not one of classes ${JSON.stringify(options.classes ?? null)}`,
      { hint: "Pass `classes` in the model's column order (sklearn's classes_), or use positiveIndex." },
    );
  }
  return index;
}

function toCell(value: unknown, name: string): Cell {
  if (
    value === null ||
    typeof value === "number" ||
    typeof value === "string" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  if (typeof value === "bigint") return Number(value);
  if (value === undefined) {
    throw new MlshipError("E_INVALID_INPUT", `The row has no value for feature '${name}'`, {
      where: `feature ${name}`,
      details: { feature: name },
    });
  }
  throw new MlshipError("E_INVALID_INPUT", `Feature '${name}' is a ${typeof value}, not a number or string`, {
    where: `feature ${name}`,
    details: { feature: name },
  });
}

export function createModelSource(
  options: ModelSourceOptions & { task: "multiclass" },
): ModelSource<number[]>;
export function createModelSource(options: ModelSourceOptions & { task?: "binary" }): ModelSource<number>;
export function createModelSource(options: ModelSourceOptions): ModelSource<number> | ModelSource<number[]>;
/**
 * A RIME-style model source over any deployment: `predictDict(row)` -> probability, `predictBatch(rows)`.
 * Rows are encoded once per row in `features` order; concurrent `predictDict` calls share requests.
 */
export function createModelSource(given: ModelSourceOptions): ModelSource<number | number[]> {
  const options = withOutput(given);
  const task = options.task ?? "binary";
  const contentType = options.contentType ?? CONTENT_TYPES.csv;
  const codec = rowCodec(contentType, { jsonShape: options.jsonShape ?? "array" });
  const features = options.features ? [...options.features] : undefined;
  const maxBatchRows = Math.max(1, options.maxBatchRows ?? 1000);
  const maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BYTES);
  const shape: ScoreShapeOptions = {
    task,
    positiveIndex: resolvePositiveIndex(options),
    sumTolerance: options.sumTolerance ?? 1e-4,
  };
  const isolation: Omit<IsolationOptions, "signal"> = {
    retries: Math.max(0, options.retries ?? 3),
    retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
    maxConsecutiveFailures: options.maxConsecutiveFailures ?? 100,
    events: options.events,
  };
  const sourceGuard = new FailureGuard(isolation.maxConsecutiveFailures);
  const limiter = new Limiter(options.maxConcurrency ?? 4);
  const { invoker, accept, parse, preprocess } = options;

  const scratch = new Array<Cell>(features?.length ?? 0);

  /** A row's cells in feature order (preprocess run); the scratch array is only valid until the next call. */
  function cellsOf(row: Row): readonly Cell[] {
    const prepared = preprocess ? preprocess(row) : row;
    if (Array.isArray(prepared)) return prepared.map((v, i) => toCell(v, String(i)));
    const dict = prepared as Row;
    const names = features ?? Object.keys(dict);
    // Encoding is synchronous and the codec copies what it needs: one scratch array serves every row.
    const values = features ? scratch : new Array<Cell>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const v = dict[name];
      values[i] = typeof v === "number" ? v : toCell(v, name);
    }
    return values;
  }

  const encodeRow = (row: Row): Unit => codec.encode(cellsOf(row));

  async function request(
    body: string | Uint8Array,
    signal: AbortSignal | undefined,
    onRequest: ScoreUnitsOptions["onRequest"],
    rows: number,
  ): Promise<InvokeResponse> {
    const started = performance.now();
    const response = await invoker.invoke({
      body,
      contentType,
      ...(accept === undefined ? {} : { accept }),
      ...(signal === undefined ? {} : { signal }),
    });
    onRequest?.(performance.now() - started, rows);
    return response;
  }

  /** Whether a plain JSON list of probabilities may be read without JSON.parse. */
  const plainAllowed = (response: InvokeResponse) =>
    !parse &&
    task === "binary" &&
    mediaType(response.contentType || (accept ?? CONTENT_TYPES.json)) === CONTENT_TYPES.json;

  function read(response: InvokeResponse, rows: number): Array<RowResult<number | number[]>> {
    if (plainAllowed(response)) {
      const plain = plainProbabilityList(response.body);
      if (plain?.length === rows) return plain;
    }
    const raw = parse ? parse(response, rows) : decodeResponse(response, accept ?? CONTENT_TYPES.json);
    const aligned = alignRows(raw, rows);
    // A response that does not line up is a whole-request failure: splitting may find the culprit.
    if (isMlshipError(aligned)) throw aligned;
    return toScores(aligned, shape);
  }

  const attempt = async (
    units: readonly Unit[],
    signal: AbortSignal | undefined,
    onRequest: ScoreUnitsOptions["onRequest"],
  ) => read(await request(codec.body(units), signal, onRequest, units.length), units.length);

  function scoreUnits(
    units: readonly Unit[],
    o: ScoreUnitsOptions = {},
  ): Promise<Array<RowResult<number | number[]>>> {
    return scoreIsolated(
      units,
      (u, signal) => attempt(u, signal, o.onRequest),
      { ...isolation, signal: o.signal, events: o.events ?? isolation.events },
      o.guard ?? sourceGuard,
    );
  }

  async function scoreBody(
    rows: BodyRows,
    o: ScoreUnitsOptions = {},
  ): Promise<PlainAnswer | Array<RowResult<number | number[]>>> {
    let plain: PlainAnswer | undefined;
    const results = await scoreIsolated(
      rows,
      async (part, signal) => {
        const response = await request(part.body(), signal, o.onRequest, part.length);
        if (part.length === rows.length && plainAllowed(response)) {
          plain = plainAnswer(response.body, part.length);
          if (plain) return PLAIN_SCORED;
        }
        return read(response, part.length);
      },
      { ...isolation, signal: o.signal, events: o.events ?? isolation.events },
      o.guard ?? sourceGuard,
    );
    return plain ?? results;
  }

  const limits = { maxRows: maxBatchRows, maxBytes: maxBatchBytes, overheadBytes: codec.overheadBytes };
  // CSV rows (text units) are written into one batch Buffer as they come; other formats collect units.
  let coalesce: (row: Row) => Promise<number | number[]>;
  if (codec.contentType === CONTENT_TYPES.csv) {
    const bodies = new BodyCoalescer<number | number[]>({
      ...limits,
      send: (rows) => limiter.run(() => scoreBody(rows)),
    });
    // A row of finite numbers is written as bytes, with no text per row; any other row as its CSV text.
    coalesce = (row) => {
      const cells = cellsOf(row);
      return bodies.addNumbers(cells) ?? bodies.add(codec.encode(cells) as string);
    };
  } else {
    const units = new Coalescer<Unit, number | number[]>({
      ...limits,
      bytesOf: (u) => codec.unitBytes(u),
      flush: (batch) => limiter.run(() => scoreUnits(batch)),
    });
    coalesce = (row) => units.add(encodeRow(row));
  }

  async function predictBatchSettled(rows: readonly Row[]): Promise<Array<RowResult<number | number[]>>> {
    const out = new Array<RowResult<number | number[]>>(rows.length);
    const jobs: Promise<void>[] = [];
    let units: Unit[] = [];
    let positions: number[] = [];
    let bytes = codec.overheadBytes;
    const send = () => {
      const u = units;
      const p = positions;
      units = [];
      positions = [];
      bytes = codec.overheadBytes;
      jobs.push(
        limiter
          .run(() => scoreUnits(u))
          .then((results) => {
            for (let i = 0; i < p.length; i++)
              out[p[i] as number] = results[i] as RowResult<number | number[]>;
          }),
      );
    };
    for (let i = 0; i < rows.length; i++) {
      let unit: Unit;
      try {
        unit = encodeRow(rows[i] as Row);
      } catch (error) {
        out[i] = isMlshipError(error)
          ? error
          : new MlshipError("E_INVALID_INPUT", String(error), { cause: error });
        continue;
      }
      const b = codec.unitBytes(unit);
      if (codec.overheadBytes + b > maxBatchBytes) {
        out[i] = new MlshipError("E_PAYLOAD_TOO_LARGE", `Row ${i} alone is ${b} bytes, over maxBatchBytes`, {
          where: `row ${i}`,
          details: { row: i, bytes: b, maxBatchBytes },
        });
        continue;
      }
      if (units.length > 0 && (units.length >= maxBatchRows || bytes + b > maxBatchBytes)) send();
      units.push(unit);
      positions.push(i);
      bytes += b;
    }
    if (units.length > 0) send();
    await Promise.all(jobs);
    for (let i = 0; i < out.length; i++) {
      const r = out[i];
      if (isMlshipError(r)) out[i] = atRow(r, i);
    }
    return out;
  }

  return {
    task,
    features,
    contentType,
    codec,
    maxBatchRows,
    maxBatchBytes,
    preprocesses: preprocess !== undefined,
    encodeRow,
    scoreUnits,
    scoreBody,
    predictBatchSettled,
    async predictBatch(rows) {
      const results = await predictBatchSettled(rows);
      const failed = results.find(isMlshipError);
      if (failed) throw failed;
      return results as Array<number | number[]>;
    },
    predictDict(row) {
      let unit: Unit;
      try {
        if (options.coalesce !== false) return coalesce(row);
        unit = encodeRow(row);
      } catch (error) {
        return Promise.reject(error);
      }
      return limiter
        .run(() => scoreUnits([unit]))
        .then(([r]) => {
          if (isMlshipError(r)) throw r;
          return r as number | number[];
        });
    },
    async close() {
      await invoker.close?.();
    },
  };
}
