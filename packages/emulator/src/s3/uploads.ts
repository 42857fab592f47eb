import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { AwsApiError } from "../aws-error.js";
import { type ChecksumAlgorithm, compositeChecksum, createChecksum } from "./checksum.js";
import { readJson, writeJson } from "./json-files.js";
import type { IngestResult, ObjectAttributes, ObjectMeta, S3Store, StoredChecksum } from "./store.js";

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

interface UploadState {
  info: UploadInfo;
  parts: Map<number, PartMeta>;
}

/**
 * Multipart uploads in progress, under `<root>/<uploadId>/` (`upload.json`, `part-<n>.{bin,json}`).
 * Completing one concatenates the parts into an object of the owning `S3Store`.
 */
export class MultipartUploads {
  private readonly root: string;
  private readonly objects: S3Store;
  private readonly state = new Map<string, UploadState>();

  constructor(root: string, objects: S3Store) {
    this.root = root;
    this.objects = objects;
  }

  async create(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    checksum?: { algorithm: ChecksumAlgorithm; type: "FULL_OBJECT" | "COMPOSITE" },
  ): Promise<UploadInfo> {
    this.objects.bucket(bucket);
    const uploadId = randomBytes(24).toString("base64url");
    const info: UploadInfo = {
      uploadId,
      bucket,
      key,
      initiated: new Date().toISOString(),
      attributes,
      ...(checksum ? { checksumAlgorithm: checksum.algorithm, checksumType: checksum.type } : {}),
    };
    await mkdir(this.dir(uploadId), { recursive: true });
    await writeJson(join(this.dir(uploadId), "upload.json"), info);
    this.state.set(uploadId, { info, parts: new Map() });
    return info;
  }

  get(bucket: string, key: string, uploadId: string): { info: UploadInfo; parts: PartMeta[] } {
    const state = this.state.get(uploadId);
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

  /**
   * The object a completed upload made, while it is still the object at its key: S3 answers a repeated
   * CompleteMultipartUpload (an SDK retrying after a lost answer) with the same result, and a repeated
   * AbortMultipartUpload with 204; once the object is gone or replaced the upload is NoSuchUpload.
   */
  completedObject(bucket: string, key: string, uploadId: string): ObjectMeta | undefined {
    if (this.state.has(uploadId)) return undefined;
    const meta = this.objects.find(bucket, key);
    return meta?.uploadId === uploadId ? meta : undefined;
  }

  list(bucket: string): UploadInfo[] {
    return [...this.state.values()].map((u) => u.info).filter((u) => u.bucket === bucket);
  }

  async putPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    ingested: IngestResult,
  ): Promise<PartMeta> {
    this.get(bucket, key, uploadId);
    const state = this.state.get(uploadId) as UploadState;
    const dir = this.dir(uploadId);
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
   * Concatenates the listed parts (see `chosenParts`) into the object. `expected` is the whole-object checksum
   * the client sent (`<composite>[-N]` or the full-object value); a mismatch is BadDigest and stores nothing.
   */
  async complete(
    bucket: string,
    key: string,
    uploadId: string,
    requested: Array<{ partNumber: number; etag: string; checksum?: string }>,
    expected?: string,
  ): Promise<ObjectMeta> {
    const { info } = this.get(bucket, key, uploadId);
    const parts = chosenParts(uploadId, this.state.get(uploadId) as UploadState, requested);
    // A COMPOSITE upload's Complete must list every part's checksum, as S3 requires.
    const missing = requested.find((p) => p.checksum === undefined);
    if (info.checksumAlgorithm && info.checksumType !== "FULL_OBJECT" && missing) {
      throw new AwsApiError(
        "InvalidRequest",
        `The upload was created using a ${info.checksumAlgorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${missing.partNumber} in the request.`,
        400,
      );
    }
    const algorithm = info.checksumAlgorithm;
    let checksum: StoredChecksum | undefined;
    if (algorithm && info.checksumType !== "FULL_OBJECT" && parts.every((p) => p.checksum)) {
      const value = compositeChecksum(
        algorithm,
        parts.map((p) => p.checksum as string),
      );
      checksum = { algorithm, value, type: "COMPOSITE" };
      // The client may send the composite value with or without its `-<parts>` suffix.
      if (expected !== undefined && expected !== value && `${expected}-${parts.length}` !== value) {
        throw badDigest(algorithm);
      }
    }
    const tmp = this.objects.tempFile();
    const out = createWriteStream(tmp);
    try {
      for (const part of parts) {
        await pipeline(createReadStream(join(this.dir(uploadId), `part-${part.partNumber}.bin`)), out, {
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
    if (algorithm && info.checksumType === "FULL_OBJECT") {
      checksum = { algorithm, value: await fileChecksum(tmp, algorithm), type: "FULL_OBJECT" };
      if (expected !== undefined && expected !== checksum.value) {
        await rm(tmp, { force: true });
        throw badDigest(algorithm);
      }
    }
    const meta = await this.objects.putObject(bucket, key, { file: tmp, size, etag }, info.attributes, {
      ...(checksum ? { checksum } : {}),
      partSizes: parts.map((p) => p.size),
      uploadId,
    });
    await this.drop(uploadId);
    return meta;
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    if (this.completedObject(bucket, key, uploadId)) return;
    this.get(bucket, key, uploadId);
    await this.drop(uploadId);
  }

  private async drop(uploadId: string): Promise<void> {
    this.state.delete(uploadId);
    await rm(this.dir(uploadId), { recursive: true, force: true });
  }

  private dir(uploadId: string): string {
    return join(this.root, uploadId);
  }

  /** Reads the uploads a previous run left in progress. */
  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const uploadId of await readdir(this.root)) {
      const dir = this.dir(uploadId);
      const info = await readJson<UploadInfo>(join(dir, "upload.json"));
      if (!info) continue;
      const parts = new Map<number, PartMeta>();
      for (const file of await readdir(dir)) {
        if (!/^part-\d+\.json$/.test(file)) continue;
        const part = await readJson<PartMeta>(join(dir, file));
        if (part) parts.set(part.partNumber, part);
      }
      this.state.set(uploadId, { info, parts });
    }
  }
}

/**
 * The uploaded parts a Complete lists: present with the given ETags (and checksums, when both sides have
 * one), in ascending order, all but the last at least 5 MiB, as S3 requires.
 */
function chosenParts(
  uploadId: string,
  state: UploadState,
  requested: Array<{ partNumber: number; etag: string; checksum?: string }>,
): PartMeta[] {
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
  return parts;
}

async function fileChecksum(file: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const sum = createChecksum(algorithm);
  for await (const chunk of createReadStream(file)) sum.update(chunk as Buffer);
  return sum.digest();
}

function badDigest(algorithm: ChecksumAlgorithm): AwsApiError {
  return new AwsApiError(
    "BadDigest",
    `The ${algorithm} you specified did not match the calculated checksum.`,
    400,
  );
}

function normaliseEtag(etag: string): string {
  return etag.replace(/^"|"$/g, "").replace(/^W\//, "");
}
