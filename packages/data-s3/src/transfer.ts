import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { emit, MlshipError, type OperationContext } from "@mlship/core";
import { toMlshipError } from "./s3-errors.js";
import { formatS3Uri, parseS3Uri } from "./s3-uri.js";
import { type PutStreamParams, putStream } from "./upload.js";

/** File reads of 1 MiB: fewer hops through the hashing and upload streams than the 64 KiB default. */
export const READ_CHUNK = 1024 * 1024;

export type UploadFileOptions = Omit<PutStreamParams, "bucket" | "key" | "body" | "total">;

/** Uploads a local file to a full object URI, streaming (multipart above one part). */
export async function uploadFile(
  client: S3Client,
  file: string,
  uri: string,
  ctx?: OperationContext,
  options: UploadFileOptions = {},
): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  if (key === "" || key.endsWith("/")) {
    throw new MlshipError("E_INVALID_INPUT", `upload needs an object URI, not a prefix: ${uri}`, {
      where: uri,
    });
  }
  const size = await fileSize(file);
  await putStream(
    client,
    {
      ...options,
      bucket,
      key,
      total: size,
      body: createReadStream(file, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>,
    },
    ctx,
  );
}

async function fileSize(file: string): Promise<number> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new MlshipError("E_INVALID_INPUT", `not a file: ${file}`, { where: file });
    return st.size;
  } catch (cause) {
    if (cause instanceof MlshipError) throw cause;
    throw new MlshipError("E_NOT_FOUND", `cannot read ${file}: ${(cause as Error).message}`, {
      where: file,
      cause,
    });
  }
}

/**
 * Downloads one object to `file` through a temporary sibling that is renamed into place, so an
 * interrupted download never leaves a truncated file under the final name.
 */
export async function downloadFile(
  client: S3Client,
  uri: string,
  file: string,
  ctx?: OperationContext,
): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.partial`;
  try {
    const response = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      ctx?.signal ? { abortSignal: ctx.signal } : {},
    );
    const total = response.ContentLength;
    let loaded = 0;
    const progress = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        loaded += chunk.length;
        emit(ctx, { type: "download.progress", key: uri, loaded, ...(total !== undefined ? { total } : {}) });
        callback(null, chunk);
      },
    });
    await pipeline(
      response.Body as Readable,
      progress,
      createWriteStream(tmp),
      ...(ctx?.signal ? [{ signal: ctx.signal }] : []),
    );
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw toMlshipError(error, `downloading ${uri}`, uri, "E_NETWORK");
  }
}

/** Every object key under `prefix` (ListObjectsV2, all pages). */
export async function listKeys(client: S3Client, bucket: string, prefix: string, ctx?: OperationContext) {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client
      .send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
        ctx?.signal ? { abortSignal: ctx.signal } : {},
      )
      .catch((error: unknown) => {
        throw toMlshipError(
          error,
          `listing ${formatS3Uri(bucket, prefix)}`,
          formatS3Uri(bucket, prefix),
          "E_NETWORK",
        );
      });
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * Downloads one object into `dir/<basename>`, or every object under a prefix ending in `/` into
 * `dir/<path below the prefix>`. Keys that would land outside `dir` are refused; an empty prefix is
 * E_NOT_FOUND (a channel with no data is a mistake, not an empty success).
 */
export async function downloadUri(client: S3Client, uri: string, dir: string, ctx?: OperationContext) {
  const { bucket, key } = parseS3Uri(uri);
  const root = path.resolve(dir);
  if (key !== "" && !key.endsWith("/")) {
    const file = path.join(root, path.posix.basename(key));
    await downloadFile(client, uri, file, ctx);
    return [file];
  }
  const keys = (await listKeys(client, bucket, key, ctx)).filter(
    (k) => k.length > key.length && !k.endsWith("/"),
  );
  if (keys.length === 0) {
    throw new MlshipError("E_NOT_FOUND", `no objects under ${uri}`, { where: uri });
  }
  const files: string[] = [];
  for (const objectKey of keys) {
    const rel = objectKey.slice(key.length); // "folder" placeholder objects (ending in /) were left out above
    const file = path.resolve(root, ...rel.split("/"));
    if (!file.startsWith(root + path.sep)) {
      throw new MlshipError("E_INVALID_INPUT", `object key ${objectKey} would be written outside ${dir}`, {
        where: formatS3Uri(bucket, objectKey),
      });
    }
    await downloadFile(client, formatS3Uri(bucket, objectKey), file, ctx);
    files.push(file);
  }
  return files;
}
