import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AwsApiError } from "../aws-error.js";
import { type ChecksumAlgorithm, createChecksum } from "./checksum.js";
import { readJson, writeJson } from "./json-files.js";
import { MultipartUploads } from "./uploads.js";

/** A stored checksum: a full-object one for simple puts, `COMPOSITE` (`…-N`) for multipart uploads. */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** Headers that are stored with an object and answered on GET/HEAD. */
export interface ObjectAttributes {
  contentType: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  metadata: Record<string, string>;
  tags: Record<string, string>;
}

export interface ObjectMeta extends ObjectAttributes {
  key: string;
  size: number;
  /** Quoted, as in the ETag header. */
  etag: string;
  lastModified: string;
  checksum?: StoredChecksum;
  partsCount?: number;
  /** Sizes of the parts of a multipart object, for GetObject/HeadObject `partNumber`. */
  partSizes?: number[];
  /** The multipart upload that made this object (a retried CompleteMultipartUpload answers with it). */
  uploadId?: string;
  /** Data file name inside the bucket's `objects/` folder. */
  file: string;
}

export interface BucketInfo {
  name: string;
  region: string;
  creationDate: string;
}

/** What streaming a body to a temporary file measured. */
export interface IngestResult {
  file: string;
  size: number;
  md5: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

interface BucketState {
  info: BucketInfo;
  objects: Map<string, ObjectMeta>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The emulator's S3 storage: buckets, objects and multipart uploads as files under `root`
 * (`buckets/<name>/bucket.json`, `buckets/<name>/objects/<id>.{json,bin}`, `uploads/<id>/…`).
 * Object data is only ever streamed; metadata is kept in memory and mirrored to JSON files so a
 * restart with the same root finds everything again.
 */
export class S3Store {
  readonly root: string;
  private readonly buckets = new Map<string, BucketState>();
  /** Multipart uploads in progress. */
  readonly uploads: MultipartUploads;

  private constructor(root: string) {
    this.root = root;
    this.uploads = new MultipartUploads(join(root, "uploads"), this);
  }

  static async open(root: string): Promise<S3Store> {
    const store = new S3Store(root);
    await mkdir(join(root, "buckets"), { recursive: true });
    await mkdir(join(root, "uploads"), { recursive: true });
    await mkdir(join(root, "tmp"), { recursive: true });
    await store.load();
    return store;
  }

  // ---- buckets

  createBucket(name: string, region: string): Promise<BucketInfo> {
    if (!BUCKET_NAME.test(name) || name.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
      throw new AwsApiError("InvalidBucketName", "The specified bucket is not valid.", 400, {
        BucketName: name,
      });
    }
    const existing = this.buckets.get(name);
    // For legacy compatibility S3 answers 200 to re-creating a bucket you own in us-east-1 and keeps it
    // as it is; every other region answers BucketAlreadyOwnedByYou.
    if (existing && existing.info.region === "us-east-1" && region === "us-east-1") {
      return Promise.resolve(existing.info);
    }
    if (existing) {
      throw new AwsApiError(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        409,
        { BucketName: name },
      );
    }
    const info: BucketInfo = { name, region, creationDate: new Date().toISOString() };
    this.buckets.set(name, { info, objects: new Map() });
    return this.persistBucket(info).then(() => info);
  }

  bucket(name: string): BucketInfo {
    return this.bucketState(name).info;
  }

  listBuckets(): BucketInfo[] {
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => a.name.localeCompare(b.name));
  }

  async deleteBucket(name: string): Promise<void> {
    const state = this.bucketState(name);
    if (state.objects.size > 0 || this.uploads.list(name).length > 0) {
      throw new AwsApiError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, {
        BucketName: name,
      });
    }
    this.buckets.delete(name);
    await rm(this.bucketDir(name), { recursive: true, force: true });
  }

  // ---- objects

  /** Every object of a bucket, sorted by key (UTF-8 binary order, as S3 lists). */
  listObjects(bucket: string): ObjectMeta[] {
    return [...this.bucketState(bucket).objects.values()].sort((a, b) => compareKeys(a.key, b.key));
  }

  exists(bucket: string, key: string): boolean {
    return this.bucketState(bucket).objects.has(key);
  }

  /** The object at `bucket/key`, or undefined (NoSuchBucket still throws). */
  find(bucket: string, key: string): ObjectMeta | undefined {
    return this.bucketState(bucket).objects.get(key);
  }

  head(bucket: string, key: string): ObjectMeta {
    const meta = this.bucketState(bucket).objects.get(key);
    if (!meta) throw new AwsApiError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
    return meta;
  }

  /** Streams the stored bytes `[start, end]` (inclusive) of an object. */
  read(bucket: string, meta: ObjectMeta, range?: { start: number; end: number }): Readable {
    const path = join(this.bucketDir(bucket), "objects", meta.file);
    return range ? createReadStream(path, { start: range.start, end: range.end }) : createReadStream(path);
  }

  /**
   * Streams `body` to a temporary file, measuring size, MD5 and (optionally) one flexible checksum.
   * The caller commits the file with `putObject`/`putPart` or discards it with `discard`.
   */
  async ingest(body: Readable, algorithm?: ChecksumAlgorithm, decode?: Transform): Promise<IngestResult> {
    const file = this.tempFile();
    const meter = new Meter(algorithm);
    try {
      if (decode) await pipeline(body, decode, meter, createWriteStream(file));
      else await pipeline(body, meter, createWriteStream(file));
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return {
      file,
      size: meter.size,
      md5: meter.md5.digest("hex"),
      checksum: algorithm && meter.checksum ? { algorithm, value: meter.checksum.digest() } : undefined,
    };
  }

  /** A fresh path in the store's temporary area (same file system as the objects, so renames are atomic). */
  tempFile(): string {
    return join(this.root, "tmp", `${randomUUID()}.part`);
  }

  async discard(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  /** Moves an ingested file into place as `bucket/key`, replacing any previous version. */
  async putObject(
    bucket: string,
    key: string,
    ingested: { file: string; size: number; etag: string },
    attributes: ObjectAttributes,
    extra: { checksum?: StoredChecksum; partSizes?: number[]; uploadId?: string } = {},
  ): Promise<ObjectMeta> {
    const state = this.bucketState(bucket);
    const id = objectId(key);
    const file = `${id}-${randomBytes(6).toString("hex")}.bin`;
    const dir = join(this.bucketDir(bucket), "objects");
    await mkdir(dir, { recursive: true });
    await rename(ingested.file, join(dir, file));
    const meta: ObjectMeta = {
      ...attributes,
      key,
      size: ingested.size,
      etag: ingested.etag,
      lastModified: new Date().toISOString(),
      file,
      ...(extra.checksum ? { checksum: extra.checksum } : {}),
      ...(extra.partSizes ? { partsCount: extra.partSizes.length, partSizes: extra.partSizes } : {}),
      ...(extra.uploadId ? { uploadId: extra.uploadId } : {}),
    };
    const previous = state.objects.get(key);
    state.objects.set(key, meta);
    await writeJson(join(dir, `${id}.json`), meta);
    if (previous && previous.file !== file) await rm(join(dir, previous.file), { force: true });
    return meta;
  }

  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    attributes?: ObjectAttributes,
  ): Promise<ObjectMeta> {
    const meta = this.head(source.bucket, source.key);
    this.bucketState(target.bucket);
    const tmp = this.tempFile();
    await copyFile(join(this.bucketDir(source.bucket), "objects", meta.file), tmp);
    const { size, etag, checksum, partSizes } = meta;
    return this.putObject(
      target.bucket,
      target.key,
      { file: tmp, size, etag },
      attributes ?? attributesOf(meta),
      {
        ...(checksum ? { checksum } : {}),
        ...(partSizes ? { partSizes } : {}),
      },
    );
  }

  async setTags(bucket: string, key: string, tags: Record<string, string>): Promise<void> {
    const meta = this.head(bucket, key);
    meta.tags = tags;
    await writeJson(join(this.bucketDir(bucket), "objects", `${objectId(key)}.json`), meta);
  }

  /** Deletes an object; deleting a missing key succeeds, as in S3. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    const state = this.bucketState(bucket);
    const meta = state.objects.get(key);
    if (!meta) return;
    state.objects.delete(key);
    const dir = join(this.bucketDir(bucket), "objects");
    await rm(join(dir, `${objectId(key)}.json`), { force: true });
    await rm(join(dir, meta.file), { force: true });
  }

  // ---- internals

  private bucketState(name: string): BucketState {
    const state = this.buckets.get(name);
    if (!state) {
      throw new AwsApiError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name });
    }
    return state;
  }

  private bucketDir(name: string): string {
    return join(this.root, "buckets", name);
  }

  private persistBucket(info: BucketInfo): Promise<void> {
    return mkdir(join(this.bucketDir(info.name), "objects"), { recursive: true }).then(() =>
      writeJson(join(this.bucketDir(info.name), "bucket.json"), info),
    );
  }

  private async load(): Promise<void> {
    for (const name of await readdir(join(this.root, "buckets"))) {
      const info = await readJson<BucketInfo>(join(this.bucketDir(name), "bucket.json"));
      if (!info) continue;
      const objects = new Map<string, ObjectMeta>();
      const dir = join(this.bucketDir(name), "objects");
      for (const file of await readdir(dir).catch(() => [] as string[])) {
        if (!file.endsWith(".json")) continue;
        const meta = await readJson<ObjectMeta>(join(dir, file));
        if (meta) objects.set(meta.key, meta);
      }
      this.buckets.set(name, { info, objects });
    }
    await this.uploads.load();
    // Temporary files of requests that were cut off by the previous stop.
    await rm(join(this.root, "tmp"), { recursive: true, force: true });
    await mkdir(join(this.root, "tmp"), { recursive: true });
  }
}

/** The stored headers of an object, as a fresh copy. */
export function attributesOf(meta: ObjectMeta): ObjectAttributes {
  const attrs: ObjectAttributes = {
    contentType: meta.contentType,
    metadata: { ...meta.metadata },
    tags: { ...meta.tags },
  };
  for (const k of [
    "contentEncoding",
    "contentDisposition",
    "contentLanguage",
    "cacheControl",
    "expires",
  ] as const) {
    if (meta[k] !== undefined) attrs[k] = meta[k];
  }
  return attrs;
}

/** Counts, MD5s and checksums bytes on their way to disk. */
class Meter extends Transform {
  size = 0;
  readonly md5 = createHash("md5");
  readonly checksum;

  constructor(algorithm?: ChecksumAlgorithm) {
    super();
    this.checksum = algorithm ? createChecksum(algorithm) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    this.checksum?.update(chunk);
    callback(null, chunk);
  }
}

/** S3 orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function objectId(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
