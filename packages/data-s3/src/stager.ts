import { createHash, type Hash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import {
  abortError,
  type DataRef,
  type DataSource,
  type DataStager,
  isMlshipError,
  MlshipError,
  type OperationContext,
  type StageOptions,
  untilAborted,
} from "@mlship/core";
import { callerAccountId, defaultBucketName, ensureBucket } from "./bucket.js";
import { deleteObjects } from "./cleanup.js";
import { stsClientLike } from "./client.js";
import {
  convertedName,
  type DataFile,
  FILE_CONTENT,
  type FileKind,
  findDataFiles,
  openFileTable,
} from "./data-files.js";
import { errorNameOf, statusOf, toMlshipError } from "./s3-errors.js";
import { assertValidBucketName, formatS3Uri, parseS3Uri } from "./s3-uri.js";
import {
  batched,
  encodeTable,
  outputOrder,
  type RowValues,
  type TableFormat,
  type TableStats,
} from "./table.js";
import { classifySource, columnsTable, iterableTable, rowsTable, type TableSource } from "./table-sources.js";
import { READ_CHUNK } from "./transfer.js";
import { putStream } from "./upload.js";

export interface S3DataStagerOptions {
  client: S3Client;
  /** For the default bucket's account id; default: an STS client built from `client`'s config. */
  sts?: STSClient;
  region: string;
  /** Default bucket; default SageMaker's `sagemaker-<region>-<account>`. */
  bucket?: string;
  /** Default key prefix. Default `mlship-data`. */
  prefix?: string;
  /** Default SSE-KMS key for every object written. */
  kmsKeyId?: string;
  /** Tags put on every object written (merged under per-call tags). */
  tags?: Record<string, string>;
  /** Multipart part size in bytes (default 8 MiB, min 5 MiB) and parts in flight (default 4). */
  partSize?: number;
  queueSize?: number;
}

/** data-s3's additions to core's StageOptions. */
export interface S3StageOptions extends StageOptions {
  /** Replace objects that already exist at the target keys. Default false: staging fails instead. */
  overwrite?: boolean;
}

export const DEFAULT_PREFIX = "mlship-data";

const TABLE_CONTENT: Record<TableFormat, string> = { csv: "text/csv", jsonl: "application/jsonlines" };

interface PlannedObject {
  name: string;
  contentType: string;
  contentEncoding?: string;
  total?: number;
  body(): AsyncIterable<Uint8Array>;
}

interface StagePlan {
  contentType: string;
  objects: PlannedObject[];
  /** Rows written, once the uploads are done (tables and converted files only). */
  rows?: () => number;
  dispose(): Promise<void>;
}

/**
 * core's `DataStager` over S3. `stage` checks everything it can locally (source shape, files,
 * extensions, first rows, options) before touching S3, then resolves and creates the bucket if
 * needed, refuses to overwrite existing objects, and streams each object with a multipart upload
 * that is aborted on any failure. If a later object of a directory fails, the earlier ones are
 * deleted: a failed `stage` leaves nothing behind.
 */
export class S3DataStager implements DataStager {
  readonly #client: S3Client;
  readonly #sts: STSClient | undefined;
  readonly #region: string;
  readonly #bucket: string | undefined;
  readonly #prefix: string;
  readonly #kmsKeyId: string | undefined;
  readonly #tags: Record<string, string>;
  readonly #partSize: number | undefined;
  readonly #queueSize: number | undefined;
  readonly #buckets = new Map<string, Promise<void>>();
  #defaultBucket: Promise<string> | undefined;
  /** Groups every channel staged through this instance without an explicit `run`. */
  readonly run: string;

  constructor(options: S3DataStagerOptions) {
    if (!options?.client)
      throw new MlshipError("E_CONFIG", "S3DataStager needs an S3 client", { where: "client" });
    if (!options.region)
      throw new MlshipError("E_CONFIG", "S3DataStager needs a region", { where: "region" });
    if (options.bucket !== undefined) assertValidBucketName(options.bucket);
    this.#client = options.client;
    this.#sts = options.sts;
    this.#region = options.region;
    this.#bucket = options.bucket;
    this.#prefix = normalisePrefix(options.prefix ?? DEFAULT_PREFIX);
    this.#kmsKeyId = options.kmsKeyId;
    this.#tags = checkTags(options.tags ?? {});
    this.#partSize = options.partSize;
    this.#queueSize = options.queueSize;
    this.run = defaultRunId();
  }

  async stage(source: DataSource, options: S3StageOptions, ctx?: OperationContext): Promise<DataRef> {
    const signal = ctx?.signal;
    const channel = checkChannel(options?.channel);
    const run = checkSegment(options.run ?? this.run, "run");
    const prefix = options.prefix !== undefined ? normalisePrefix(options.prefix) : this.#prefix;
    const tags = checkTags({ ...this.#tags, ...(options.tags ?? {}) });
    const kmsKeyId = options.kmsKeyId ?? this.#kmsKeyId;
    if (options.bucket !== undefined) assertValidBucketName(options.bucket);
    if (options.fileName !== undefined) checkSegment(options.fileName, "fileName");
    if (options.format !== undefined && options.format !== "csv" && options.format !== "jsonl") {
      throw new MlshipError("E_INVALID_INPUT", `unknown format "${String(options.format)}"`, {
        where: "format",
        hint: 'Use "csv" or "jsonl".',
      });
    }
    if (signal?.aborted) throw abortError(signal, "staging");

    // Everything local first: a bad row or a missing file must fail before the bucket is touched.
    const plan = await planStage(source, options);
    const written: string[] = [];
    let current: string | undefined;
    let bucket = "";
    try {
      bucket = await untilAborted(this.#resolveBucket(options.bucket), signal, "staging");
      const channelKey = [prefix, run, channel].filter(Boolean).join("/");
      const keys = plan.objects.map((o) => `${channelKey}/${o.name}`);
      if (!options.overwrite) await this.#refuseExisting(bucket, keys, signal);

      const hash = createHash("sha256");
      const counter = { bytes: 0 };
      for (let i = 0; i < plan.objects.length; i++) {
        if (signal?.aborted) throw abortError(signal, "staging");
        const object = plan.objects[i] as PlannedObject;
        const key = keys[i] as string;
        current = formatS3Uri(bucket, key);
        await putStream(
          this.#client,
          {
            bucket,
            key,
            body: measured(object.body(), hash, counter),
            contentType: object.contentType,
            ...(object.contentEncoding ? { contentEncoding: object.contentEncoding } : {}),
            ...(kmsKeyId ? { kmsKeyId } : {}),
            tags,
            ...(object.total !== undefined ? { total: object.total } : {}),
            ...(this.#partSize ? { partSize: this.#partSize } : {}),
            ...(this.#queueSize ? { queueSize: this.#queueSize } : {}),
          },
          ctx,
        );
        written.push(current);
        current = undefined;
      }
      const rows = plan.rows?.();
      return {
        uri: formatS3Uri(bucket, `${channelKey}/`),
        channel,
        contentType: plan.contentType,
        ...(rows !== undefined ? { rows } : {}),
        bytes: counter.bytes,
        sha256: hash.digest("hex"),
        objects: written,
      };
    } catch (error) {
      // Objects of this staging that did get written: remove them, so failure leaves nothing. An
      // abort can also race the completion of the object in flight; it was new (checked above), so
      // removing it cannot lose anyone's data.
      const leftovers =
        isMlshipError(error) && error.code === "E_ABORTED" && !options.overwrite && current
          ? [...written, current]
          : written;
      if (leftovers.length > 0) await deleteObjects(this.#client, leftovers).catch(() => {});
      throw error;
    } finally {
      await plan.dispose();
    }
  }

  /**
   * Deletes exactly `ref.objects` (DeleteObjects, 1000 keys per request) — never a prefix or a
   * bucket. Objects already gone are not an error. Refuses a ref whose objects are not below its `uri`.
   */
  async cleanup(ref: DataRef, ctx?: OperationContext): Promise<void> {
    const base = parseS3Uri(ref?.uri ?? "");
    if (!Array.isArray(ref.objects)) {
      throw new MlshipError("E_INVALID_INPUT", "DataRef.objects must be an array of s3:// URIs", {
        where: "objects",
      });
    }
    for (const object of ref.objects) {
      const { bucket, key } = parseS3Uri(object);
      if (bucket !== base.bucket || !key.startsWith(base.key) || key === base.key || key.endsWith("/")) {
        throw new MlshipError(
          "E_INVALID_INPUT",
          `refusing to delete ${object}: it is not an object below ${ref.uri}`,
          {
            where: object,
            hint: "cleanup only removes what one staging wrote; this DataRef looks edited.",
          },
        );
      }
    }
    if (ctx?.signal?.aborted) throw abortError(ctx.signal, "cleanup");
    await deleteObjects(this.#client, ref.objects, ctx);
  }

  #resolveBucket(explicit: string | undefined): Promise<string> {
    const name = explicit ?? this.#bucket;
    const resolved = name !== undefined ? Promise.resolve(name) : this.#defaultBucketName();
    return resolved.then(async (bucket) => {
      let ensured = this.#buckets.get(bucket);
      if (!ensured) {
        ensured = ensureBucket(this.#client, bucket, this.#region);
        this.#buckets.set(bucket, ensured);
        ensured.catch(() => this.#buckets.delete(bucket));
      }
      await ensured;
      return bucket;
    });
  }

  #defaultBucketName(): Promise<string> {
    if (!this.#defaultBucket) {
      const sts = this.#sts ?? stsClientLike(this.#client);
      this.#defaultBucket = callerAccountId(sts).then((account) => defaultBucketName(this.#region, account));
      this.#defaultBucket.catch(() => {
        this.#defaultBucket = undefined;
      });
    }
    return this.#defaultBucket;
  }

  /** HEADs every target key (8 at a time) and throws on the first that exists. */
  async #refuseExisting(bucket: string, keys: string[], signal?: AbortSignal): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        const uri = formatS3Uri(bucket, key);
        try {
          await this.#client.send(
            new HeadObjectCommand({ Bucket: bucket, Key: key }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (error) {
          if (signal?.aborted) throw abortError(signal, "staging");
          if (statusOf(error) === 404 || errorNameOf(error) === "NotFound") continue;
          throw toMlshipError(error, `checking ${uri}`, uri, "E_NETWORK");
        }
        next = keys.length; // stop the other workers
        throw new MlshipError("E_ALREADY_EXISTS", `${uri} already exists; staging does not overwrite data`, {
          where: uri,
          hint: "Pass another run (or prefix), clean up the earlier staging, or set overwrite: true.",
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
  }
}

async function* measured(
  chunks: AsyncIterable<Uint8Array>,
  hash: Hash,
  counter: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    counter.bytes += chunk.length;
    yield chunk;
  }
}

/** Decides what to upload, checking the source as far as possible without S3. */
async function planStage(source: DataSource, options: StageOptions): Promise<StagePlan> {
  const classified = classifySource(source);
  if (classified.kind === "path") return planFiles(classified.path, options);
  const format = options.format ?? "csv";
  const table: TableSource =
    classified.kind === "rows"
      ? rowsTable(classified.rows, format)
      : classified.kind === "columns"
        ? columnsTable(classified.columns, format)
        : await iterableTable(classified.iterable, format);
  try {
    outputOrder(table.columns, options.labelColumn, options.labelFirst ?? true);
  } catch (error) {
    await table.dispose();
    throw error;
  }
  const stats: TableStats = { rows: 0 };
  return {
    contentType: TABLE_CONTENT[format],
    objects: [
      {
        name: options.fileName ?? `data.${format}`,
        contentType: TABLE_CONTENT[format],
        body: () =>
          encodeTable(table.rows, encodeOptions(table.columns, format, options, table.where), stats),
      },
    ],
    rows: () => stats.rows,
    dispose: () => table.dispose(),
  };
}

function encodeOptions(
  columns: string[],
  format: TableFormat,
  options: StageOptions,
  where: (i: number) => string,
) {
  return {
    format,
    header: options.header ?? true,
    columns,
    ...(options.labelColumn !== undefined ? { labelColumn: options.labelColumn } : {}),
    labelFirst: options.labelFirst ?? true,
    where,
  };
}

const NATURAL_FORMAT: Partial<Record<FileKind, TableFormat>> = { csv: "csv", jsonl: "jsonl" };

/**
 * Files are uploaded byte for byte unless the options ask for something they are not: another
 * `format`, a `labelColumn` to move, or `header: false` for CSV (whose input is taken to have a header).
 */
export function needsConversion(kind: FileKind, options: StageOptions): boolean {
  if (options.labelColumn !== undefined) return true;
  if (options.format !== undefined && options.format !== NATURAL_FORMAT[kind]) return true;
  return kind === "csv" && options.header === false;
}

async function planFiles(path: string, options: StageOptions): Promise<StagePlan> {
  const { isDirectory, files } = await findDataFiles(path);
  if (isDirectory && options.fileName !== undefined) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      "fileName names the object of a table or a single file, not a directory",
      {
        where: "fileName",
        hint: "Files of a directory keep their relative paths under the channel prefix.",
      },
    );
  }
  const convert = files.some((f) => needsConversion(f.kind, options));
  if (!convert) {
    const types = new Set(files.map((f) => FILE_CONTENT[f.kind].contentType));
    if (types.size > 1) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `${path} mixes data types (${[...types].join(", ")}); a channel has one content type`,
        { where: path, hint: 'Stage each type as its own channel, or convert them all with format: "csv".' },
      );
    }
    const contentType = [...types][0] as string;
    return {
      contentType,
      objects: files.map((f) => ({
        name: !isDirectory && options.fileName ? options.fileName : f.name,
        contentType,
        ...(FILE_CONTENT[f.kind].contentEncoding
          ? { contentEncoding: FILE_CONTENT[f.kind].contentEncoding }
          : {}),
        total: f.size,
        body: () => createReadStream(f.file, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>,
      })),
      dispose: async () => {},
    };
  }

  const format: TableFormat = options.format ?? (files.every((f) => f.kind === "jsonl") ? "jsonl" : "csv");
  // Open each file as far as its first record: columns, label column and consistency across files
  // are known before anything is uploaded.
  let canonical: string[] | undefined;
  const names = new Set<string>();
  const planned: Array<{ file: DataFile; name: string }> = [];
  for (const f of files) {
    const table = await openFileTable(f, format);
    await table.close();
    if (!canonical) {
      canonical = table.columns;
      outputOrder(canonical, options.labelColumn, options.labelFirst ?? true);
    } else if (!sameColumns(canonical, table.columns)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `${f.name} has columns ${JSON.stringify(table.columns)} but ${files[0]?.name} has ${JSON.stringify(canonical)}`,
        { where: f.file, hint: "Every file of a channel needs the same columns." },
      );
    }
    const name = !isDirectory && options.fileName ? options.fileName : convertedName(f.name, f.kind, format);
    if (names.has(name)) {
      throw new MlshipError("E_INVALID_INPUT", `two files would both be written as ${name}`, {
        where: f.file,
        hint: "Rename one of them.",
      });
    }
    names.add(name);
    planned.push({ file: f, name });
  }
  const columns = canonical as string[];
  const stats: TableStats[] = [];
  return {
    contentType: TABLE_CONTENT[format],
    objects: planned.map(({ file, name }) => {
      const fileStats: TableStats = { rows: 0 };
      stats.push(fileStats);
      return {
        name,
        contentType: TABLE_CONTENT[format],
        body: () => convertFile(file, format, columns, options, fileStats),
      };
    }),
    rows: () => stats.reduce((n, s) => n + s.rows, 0),
    dispose: async () => {},
  };
}

async function* convertFile(
  file: DataFile,
  format: TableFormat,
  columns: string[],
  options: StageOptions,
  stats: TableStats,
): AsyncGenerator<Buffer> {
  const table = await openFileTable(file, format);
  try {
    // Later files may list the same columns in another order: write them in the first file's order.
    const map = columns.map((c) => table.columns.indexOf(c));
    const identity = map.every((j, i) => j === i);
    const rows: AsyncIterable<RowValues> = identity ? table.rows : reorder(table.rows, map);
    yield* encodeTable(
      batched(rows),
      encodeOptions(columns, format, options, (i) => `${file.name} row ${i}`),
      stats,
    );
  } finally {
    await table.close();
  }
}

async function* reorder(rows: AsyncIterable<RowValues>, map: number[]): AsyncGenerator<RowValues> {
  for await (const values of rows) yield map.map((j) => values[j]);
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

function checkChannel(channel: unknown): string {
  if (typeof channel !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(channel)) {
    throw new MlshipError("E_INVALID_INPUT", `invalid channel name ${JSON.stringify(channel)}`, {
      where: "channel",
      hint: "Channel names are 1-64 letters, digits, '.', '-' or '_' (e.g. train, test).",
    });
  }
  return channel;
}

function checkSegment(value: string, what: string): string {
  if (typeof value !== "string" || value === "" || value === "." || value === ".." || /[/\\]/.test(value)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `invalid ${what} ${JSON.stringify(value)}: one path segment expected`,
      {
        where: what,
      },
    );
  }
  return value;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  if (trimmed.split("/").some((s) => s === "" || s === "." || s === "..") && trimmed !== "") {
    throw new MlshipError("E_INVALID_INPUT", `invalid prefix ${JSON.stringify(prefix)}`, { where: "prefix" });
  }
  return trimmed;
}

function checkTags(tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > 10) {
    throw new MlshipError("E_INVALID_INPUT", `S3 allows at most 10 tags per object, got ${entries.length}`, {
      where: "tags",
    });
  }
  for (const [key, value] of entries) {
    if (typeof value !== "string" || key.length === 0 || key.length > 128 || value.length > 256) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `invalid tag ${JSON.stringify(key)}=${JSON.stringify(value)}`,
        {
          where: "tags",
          hint: "Tag keys are 1-128 characters, values up to 256 characters, both strings.",
        },
      );
    }
  }
  return tags;
}

/** `yyyy-mm-dd-HH-MM-SS-mmm-xxxx` (UTC, SageMaker's timestamp style plus 4 random hex digits). */
export function defaultRunId(now = new Date()): string {
  const iso = now.toISOString(); // 2026-11-23T14:05:06.789Z
  const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}-${iso.slice(20, 23)}`;
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}
