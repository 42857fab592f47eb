import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AwsApiError } from "../aws-error.js";
import { type ChecksumAlgorithm, compositeChecksum, createChecksum } from "./checksum.js";

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
  /** Data file name inside the bucket's `objects/` folder. */
  file: string;
}

export interface BucketInfo {
  name: string;
  region: string;
  creationDate: string;
}

export interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  checksum?: string;
}

export interface UploadInfo {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  attributes: ObjectAttributes;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: "FULL_OBJECT" | "COMPOSITE";
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

interface UploadState {
  info: UploadInfo;
  parts: Map<number, PartMeta>;
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
  private readonly uploads = new Map<string, UploadState>();

  private constructor(root: string) {
    this.root = root;
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
    if (state.objects.size > 0 || [...this.uploads.values()].some((u) => u.info.bucket === name)) {
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
    const file = join(this.root, "tmp", `${randomUUID()}.part`);
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

  async discard(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  /** Moves an ingested file into place as `bucket/key`, replacing any previous version. */
  async putObject(
    bucket: string,
    key: string,
    ingested: { file: string; size: number; etag: string },
    attributes: ObjectAttributes,
    extra: { checksum?: StoredChecksum; partSizes?: number[] } = {},
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
    const tmp = join(this.root, "tmp", `${randomUUID()}.part`);
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

  // ---- multipart uploads

  async createUpload(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    checksum?: { algorithm: ChecksumAlgorithm; type: "FULL_OBJECT" | "COMPOSITE" },
  ): Promise<UploadInfo> {
    this.bucketState(bucket);
    const uploadId = randomBytes(24).toString("base64url");
    const info: UploadInfo = {
      uploadId,
      bucket,
      key,
      initiated: new Date().toISOString(),
      attributes,
      ...(checksum ? { checksumAlgorithm: checksum.algorithm, checksumType: checksum.type } : {}),
    };
    await mkdir(this.uploadDir(uploadId), { recursive: true });
    await writeJson(join(this.uploadDir(uploadId), "upload.json"), info);
    this.uploads.set(uploadId, { info, parts: new Map() });
    return info;
  }

  upload(bucket: string, key: string, uploadId: string): { info: UploadInfo; parts: PartMeta[] } {
    const state = this.uploads.get(uploadId);
    if (!state || state.info.bucket !== bucket || state.info.key !== key) {
      throw new AwsApiError(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        404,
        { UploadId: uploadId },
      );
    }
    return { info: state.info, parts: [...state.parts.values()].sort((a, b) => a.partNumber - b.partNumber) };
  }

  listUploads(bucket: string): UploadInfo[] {
    this.bucketState(bucket);
    return [...this.uploads.values()].map((u) => u.info).filter((u) => u.bucket === bucket);
  }

  async putPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    ingested: IngestResult,
  ): Promise<PartMeta> {
    this.upload(bucket, key, uploadId);
    const state = this.uploads.get(uploadId) as UploadState;
    const dir = this.uploadDir(uploadId);
    await rename(ingested.file, join(dir, `part-${partNumber}.bin`));
    const part: PartMeta = {
      partNumber,
      size: ingested.size,
      etag: `"${ingested.md5}"`,
      lastModified: new Date().toISOString(),
      ...(ingested.checksum ? { checksum: ingested.checksum.value } : {}),
    };
    state.parts.set(partNumber, part);
    await writeJson(join(dir, `part-${partNumber}.json`), part);
    return part;
  }

  /**
   * Concatenates the listed parts into the object. Parts must exist with the given ETags, be in ascending
   * order, and all but the last be at least 5 MiB, as S3 requires.
   */
  async completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    requested: Array<{ partNumber: number; etag: string; checksum?: string }>,
  ): Promise<ObjectMeta> {
    const { info } = this.upload(bucket, key, uploadId);
    const state = this.uploads.get(uploadId) as UploadState;
    if (requested.length === 0) {
      throw new AwsApiError("MalformedXML", "You must specify at least one part.", 400);
    }
    const parts: PartMeta[] = [];
    let previous = 0;
    for (const [index, want] of requested.entries()) {
      if (want.partNumber <= previous) {
        throw new AwsApiError("InvalidPartOrder", "The list of parts was not in ascending order.", 400);
      }
      previous = want.partNumber;
      const part = state.parts.get(want.partNumber);
      if (!part || normaliseEtag(want.etag) !== normaliseEtag(part.etag)) {
        throw new AwsApiError(
          "InvalidPart",
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          400,
          { UploadId: uploadId, PartNumber: want.partNumber },
        );
      }
      if (want.checksum && part.checksum && want.checksum !== part.checksum) {
        throw new AwsApiError("InvalidPart", `The checksum of part ${want.partNumber} does not match.`, 400);
      }
      if (index < requested.length - 1 && part.size < 5 * 1024 * 1024) {
        throw new AwsApiError(
          "EntityTooSmall",
          "Your proposed upload is smaller than the minimum allowed object size.",
          400,
          {
            ProposedSize: part.size,
            MinSizeAllowed: 5 * 1024 * 1024,
            PartNumber: part.partNumber,
          },
        );
      }
      parts.push(part);
    }
    const tmp = join(this.root, "tmp", `${randomUUID()}.part`);
    const out = createWriteStream(tmp);
    try {
      for (const part of parts) {
        await pipeline(createReadStream(join(this.uploadDir(uploadId), `part-${part.partNumber}.bin`)), out, {
          end: false,
        });
      }
      out.end();
      await new Promise<void>((resolve, reject) => {
        out.once("finish", resolve);
        out.once("error", reject);
      });
    } catch (error) {
      out.destroy();
      await rm(tmp, { force: true });
      throw error;
    }
    const md5s = createHash("md5");
    for (const part of parts) md5s.update(Buffer.from(normaliseEtag(part.etag), "hex"));
    const etag = `"${md5s.digest("hex")}-${parts.length}"`;
    const size = parts.reduce((sum, p) => sum + p.size, 0);
    let checksum: StoredChecksum | undefined;
    const algorithm = info.checksumAlgorithm;
    if (algorithm && info.checksumType !== "FULL_OBJECT" && parts.every((p) => p.checksum)) {
      checksum = {
        algorithm,
        value: compositeChecksum(
          algorithm,
          parts.map((p) => p.checksum as string),
        ),
        type: "COMPOSITE",
      };
    } else if (algorithm && info.checksumType === "FULL_OBJECT") {
      checksum = { algorithm, value: await fileChecksum(tmp, algorithm), type: "FULL_OBJECT" };
    }
    const meta = await this.putObject(bucket, key, { file: tmp, size, etag }, info.attributes, {
      ...(checksum ? { checksum } : {}),
      partSizes: parts.map((p) => p.size),
    });
    await this.dropUpload(uploadId);
    return meta;
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    this.upload(bucket, key, uploadId);
    await this.dropUpload(uploadId);
  }

  private async dropUpload(uploadId: string): Promise<void> {
    this.uploads.delete(uploadId);
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
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

  private uploadDir(uploadId: string): string {
    return join(this.root, "uploads", uploadId);
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
    for (const uploadId of await readdir(join(this.root, "uploads"))) {
      const dir = this.uploadDir(uploadId);
      const info = await readJson<UploadInfo>(join(dir, "upload.json"));
      if (!info) continue;
      const parts = new Map<number, PartMeta>();
      for (const file of await readdir(dir)) {
        if (!/^part-\d+\.json$/.test(file)) continue;
        const part = await readJson<PartMeta>(join(dir, file));
        if (part) parts.set(part.partNumber, part);
      }
      this.uploads.set(uploadId, { info, parts });
    }
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

async function fileChecksum(file: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const sum = createChecksum(algorithm);
  for await (const chunk of createReadStream(file)) sum.update(chunk as Buffer);
  return sum.digest();
}

/** S3 orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function objectId(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function normaliseEtag(etag: string): string {
  return etag.replace(/^"|"$/g, "").replace(/^W\//, "");
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
