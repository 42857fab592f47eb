import { Readable } from "node:stream";
import { AbortMultipartUploadCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { abortError, emit, type OperationContext } from "@mlship/core";
import { toMlshipError } from "./s3-errors.js";
import { formatS3Uri } from "./s3-uri.js";

export interface PutStreamParams {
  bucket: string;
  key: string;
  /** The object's bytes, produced lazily: nothing is read before the upload asks for it. */
  body: AsyncIterable<Uint8Array>;
  contentType?: string;
  contentEncoding?: string;
  /** SSE-KMS key id or ARN: the object is encrypted with `aws:kms` under this key. */
  kmsKeyId?: string;
  tags?: Record<string, string>;
  /** Expected size, for progress events only. */
  total?: number;
  /** Multipart part size in bytes (min 5 MiB). */
  partSize?: number;
  /** Parts in flight at once. */
  queueSize?: number;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** S3's minimum for every part but the last. */
const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Streams `body` into one S3 object with lib-storage (a single PUT when it fits in one part,
 * multipart otherwise). If the body fails, the signal aborts, or S3 refuses a part, the multipart
 * upload is aborted, so neither a partial object nor orphaned parts are left behind; the error that
 * started it (for instance a bad row) is what is thrown.
 */
export async function putStream(
  client: S3Client,
  params: PutStreamParams,
  ctx?: OperationContext,
): Promise<void> {
  const uri = formatS3Uri(params.bucket, params.key);
  const signal = ctx?.signal;
  if (signal?.aborted) throw abortError(signal, `upload of ${uri}`);

  let sourceError: unknown;
  const body = lazyReadable(params.body, (error) => {
    sourceError ??= error;
  });
  const upload = new Upload({
    client,
    partSize: Math.max(params.partSize ?? DEFAULT_PART_SIZE, MIN_PART_SIZE),
    queueSize: params.queueSize ?? 4,
    leavePartsOnError: false,
    params: {
      Bucket: params.bucket,
      Key: params.key,
      Body: body,
      ...(params.contentType ? { ContentType: params.contentType } : {}),
      ...(params.contentEncoding ? { ContentEncoding: params.contentEncoding } : {}),
      ...(params.kmsKeyId ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: params.kmsKeyId } : {}),
      // Tags travel with the PUT / CreateMultipartUpload (x-amz-tagging), so a tagged object never exists untagged.
      ...(params.tags && Object.keys(params.tags).length > 0 ? { Tagging: encodeTags(params.tags) } : {}),
    },
  });
  upload.on("httpUploadProgress", (progress) => {
    emit(ctx, {
      type: "upload.progress",
      key: uri,
      loaded: progress.loaded ?? 0,
      ...(params.total !== undefined ? { total: params.total } : {}),
    });
  });
  // A failing source fails the body: lib-storage then aborts the multipart upload before done()
  // settles. On the signal we also stop the body (a stalled source cannot hold us) and call
  // Upload.abort(), which stops parts already read from being sent and completed — but makes done()
  // reject before lib-storage's own AbortMultipartUpload, so we send one ourselves below.
  const onAbort = () => {
    body.destroy(abortError(signal as AbortSignal, `upload of ${uri}`));
    void upload.abort();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await upload.done();
  } catch (error) {
    body.destroy();
    await abortLeftovers(client, params.bucket, params.key, upload);
    if (signal?.aborted) throw abortError(signal, `upload of ${uri}`);
    throw toMlshipError(sourceError ?? error, `uploading ${uri}`, uri);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Sends AbortMultipartUpload for the upload lib-storage started, if any: after an abort on the
 * signal (lib-storage sends its own only later, in the background) and as a second try when
 * lib-storage's own request failed. NoSuchUpload means it is already gone.
 */
async function abortLeftovers(client: S3Client, bucket: string, key: string, upload: Upload): Promise<void> {
  // lib-storage keeps both private; an abort can land while CreateMultipartUpload is still in flight.
  const internals = upload as unknown as {
    uploadId?: string;
    createMultiPartPromise?: Promise<{ UploadId?: string }>;
  };
  const uploadId =
    internals.uploadId ?? (await internals.createMultiPartPromise?.catch(() => undefined))?.UploadId;
  if (!uploadId) return;
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch {
    // NoSuchUpload: already aborted. Anything else we cannot fix here, and the original failure
    // is what the caller needs to see.
  }
}

/** `k1=v1&k2=v2`, the x-amz-tagging header form. */
export function encodeTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}

/**
 * A Readable that pulls one chunk at a time from `chunks`. Unlike `Readable.from`, destroying it
 * does not wait for a pending `next()` — a stalled source cannot stall an abort.
 */
export function lazyReadable(
  chunks: AsyncIterable<Uint8Array>,
  onSourceError?: (error: unknown) => void,
): Readable {
  const iterator = chunks[Symbol.asyncIterator]();
  let pulling = false;
  let finished = false;
  return new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (pulling) return;
      pulling = true;
      iterator.next().then(
        (step) => {
          pulling = false;
          if (this.destroyed) return;
          if (step.done) {
            finished = true;
            this.push(null);
          } else {
            this.push(step.value);
          }
        },
        (error: unknown) => {
          pulling = false;
          finished = true;
          onSourceError?.(error);
          this.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    },
    destroy(error, callback) {
      if (!finished) {
        finished = true;
        iterator.return?.().catch(() => {});
      }
      callback(error);
    },
  });
}
