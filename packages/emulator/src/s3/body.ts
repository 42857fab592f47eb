import type { IncomingMessage } from "node:http";
import { AwsApiError } from "../aws-error.js";
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  parseChecksumAlgorithm,
} from "./checksum.js";
import { AwsChunkedDecoder } from "./chunked.js";
import type { IngestResult, S3Store } from "./store.js";

/** The largest single PutObject / UploadPart S3 accepts: 5 GiB. */
const MAX_OBJECT_BYTES = 5 * 1024 ** 3;

/**
 * Streams an object body (PutObject, UploadPart) to the store's temporary area, undoing `aws-chunked`
 * framing and checking what the client sent along: Content-MD5, a flexible checksum in a header or in
 * the chunked trailer, and `x-amz-decoded-content-length`.
 */
export async function ingestBody(
  req: IncomingMessage,
  store: S3Store,
  fallbackAlgorithm?: ChecksumAlgorithm,
): Promise<IngestResult> {
  const h = req.headers;
  const declared = Number(header(req, "x-amz-decoded-content-length") ?? header(req, "content-length") ?? 0);
  if (declared > MAX_OBJECT_BYTES) {
    throw new AwsApiError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400, {
      ProposedSize: declared,
      MaxSizeAllowed: MAX_OBJECT_BYTES,
    });
  }
  // As in S3, `x-amz-content-sha256` (STREAMING-…) says whether the body is chunk-encoded, not
  // Content-Encoding: a plain body may carry `aws-chunked` there (it is not stored, see attributes.ts).
  const chunked = String(h["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
  const trailer = String(h["x-amz-trailer"] ?? "")
    .trim()
    .toLowerCase();
  const algorithm =
    parseChecksumAlgorithm(trailer.replace(/^x-amz-checksum-/, "") || undefined) ??
    CHECKSUM_ALGORITHMS.find((a) => h[checksumHeader(a)] !== undefined) ??
    parseChecksumAlgorithm(header(req, "x-amz-sdk-checksum-algorithm")) ??
    fallbackAlgorithm;
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  const ingested = await store.ingest(req, algorithm, decoder);
  try {
    verify(req, ingested, decoder);
  } catch (error) {
    await store.discard(ingested.file);
    throw error;
  }
  return ingested;
}

function verify(req: IncomingMessage, ingested: IngestResult, decoder: AwsChunkedDecoder | undefined): void {
  const decodedLength = header(req, "x-amz-decoded-content-length");
  if (decoder && decodedLength !== undefined && Number(decodedLength) !== ingested.size) {
    throw new AwsApiError(
      "IncompleteBody",
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
      400,
    );
  }
  const md5 = header(req, "content-md5");
  if (md5 !== undefined && Buffer.from(md5, "base64").toString("hex") !== ingested.md5) {
    throw new AwsApiError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
  }
  if (ingested.checksum) {
    const name = checksumHeader(ingested.checksum.algorithm);
    const expected = header(req, name) ?? decoder?.trailers[name];
    if (expected !== undefined && expected !== ingested.checksum.value) {
      throw new AwsApiError(
        "BadDigest",
        `The ${ingested.checksum.algorithm} you specified did not match the calculated checksum.`,
        400,
      );
    }
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
