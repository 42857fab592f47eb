import type { OperationContext } from "./events.js";

/** A row of a table: column name -> value. */
export type Row = Record<string, unknown>;

/**
 * What can be staged: rows, a column object (`{ col: values[] }`), an async (or sync) iterable of rows,
 * or a local file/directory given as `{ path }`.
 */
export type DataSource =
  | readonly Row[]
  | Record<string, readonly unknown[]>
  | AsyncIterable<Row>
  | Iterable<Row>
  | { path: string };

export type StageFormat = "csv" | "jsonl";

export interface StageOptions {
  /** Channel name (`train`, `test`, ...): becomes `SM_CHANNEL_<NAME>` in the training container. */
  channel: string;
  /** Format written to S3. Default: csv for tables; files are uploaded as they are. */
  format?: StageFormat;
  /** CSV header row; default true. Scripts and built-in algorithms that expect none want `false`. */
  header?: boolean;
  /** Move this column first (`labelFirst`, default true when set) as SageMaker built-in algorithms expect. */
  labelColumn?: string;
  labelFirst?: boolean;
  /** Bucket; default SageMaker's `sagemaker-<region>-<account>`. */
  bucket?: string;
  /** Key prefix; keys are `<prefix>/<run>/<channel>/<file>`. */
  prefix?: string;
  /** Run id grouping several channels of one job; default a timestamp. */
  run?: string;
  /** Object file name for tables; default `data.csv` / `data.jsonl`. */
  fileName?: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
}

/** Where staged data lives. JSON-safe. */
export interface DataRef {
  /** `s3://bucket/prefix/run/channel/` — the channel prefix handed to training. */
  uri: string;
  channel: string;
  contentType: string;
  /** Rows written, for tables (header excluded). */
  rows?: number;
  bytes: number;
  /** sha256 (hex) of the bytes written; for several objects, of their concatenation in key order. */
  sha256: string;
  /** Every object this staging wrote (full s3:// URIs): what `cleanup` removes and nothing else. */
  objects: string[];
}

export interface DataStager {
  stage(source: DataSource, options: StageOptions, ctx?: OperationContext): Promise<DataRef>;
  /** Removes exactly the objects the staging wrote. Never a bucket or a prefix. */
  cleanup(ref: DataRef, ctx?: OperationContext): Promise<void>;
}

/**
 * The narrow object-store port the local runtime needs to read `s3://` channels and code bundles and to
 * write artifacts. data-s3 (over the AWS SDK) and the emulator (its own store) implement it.
 */
export interface ObjectStore {
  /** Downloads one object, or every object under a prefix ending in `/`, into `dir`; returns the files written. */
  download(uri: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  /** Uploads a local file to `uri` (a full object URI). */
  upload(file: string, uri: string, ctx?: OperationContext): Promise<void>;
}
