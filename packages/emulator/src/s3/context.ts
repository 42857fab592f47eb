import type { IncomingMessage, ServerResponse } from "node:http";
import type { S3Store } from "./store.js";

/** Everything an S3 operation handler needs for one request. */
export interface S3Request {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  bucket: string;
  key: string;
  store: S3Store;
  /** Region the request was signed for (the bucket's region for CreateBucket). */
  signingRegion: string;
  accountId: string;
  requestId: string;
}

/** Common response headers every S3 answer carries. */
export function s3Headers(r: S3Request): Record<string, string> {
  return { "x-amz-request-id": r.requestId, "x-amz-id-2": Buffer.from(r.requestId).toString("base64") };
}

/** Content type of S3's XML documents. */
export const XML = { "content-type": "application/xml" } as const;
