import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiError } from "../aws-error.js";
import type { Faults } from "../faults.js";
import { requestId, send } from "../http/io.js";
import { toAwsError } from "../http/json-protocol.js";
import {
  createBucket,
  deleteBucket,
  deleteObjects,
  getBucketLocation,
  headBucket,
  listBuckets,
  listObjectsV1,
  listObjectsV2,
} from "./buckets.js";
import { type S3Request, s3Headers, XML } from "./context.js";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from "./multipart.js";
import {
  copyObject,
  deleteObject,
  deleteObjectTagging,
  getObject,
  getObjectTagging,
  putObject,
  putObjectTagging,
} from "./objects.js";
import type { S3Store } from "./store.js";
import { xmlDocument } from "./xml.js";

export interface S3Service {
  store: S3Store;
  accountId: string;
  region: string;
  faults: Faults;
}

type Handler = (r: S3Request) => Promise<void> | void;

/** Bucket sub-resources we do not emulate: answered with S3's NotImplemented rather than misread as a listing. */
const UNSUPPORTED_SUBRESOURCES = [
  "acl",
  "policy",
  "cors",
  "lifecycle",
  "versioning",
  "versions",
  "website",
  "logging",
  "notification",
  "replication",
  "encryption",
  "object-lock",
  "ownershipControls",
  "publicAccessBlock",
  "accelerate",
  "requestPayment",
  "analytics",
  "inventory",
  "metrics",
  "intelligent-tiering",
  "restore",
  "select",
  "retention",
  "legal-hold",
  "torrent",
  "attributes",
];

/** Picks the S3 operation for a path-style request: method + bucket/key presence + sub-resource query. */
function classify(
  method: string,
  bucket: string,
  key: string,
  q: URLSearchParams,
): [string, Handler] | undefined {
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((s) => q.has(s));
  if (unsupported) return undefined;
  if (!bucket) return method === "GET" ? ["ListBuckets", listBuckets] : undefined;
  if (!key) {
    switch (method) {
      case "PUT":
        return q.has("tagging") ? undefined : ["CreateBucket", createBucket];
      case "HEAD":
        return ["HeadBucket", headBucket];
      case "DELETE":
        return q.has("tagging") ? undefined : ["DeleteBucket", deleteBucket];
      case "POST":
        return q.has("delete") ? ["DeleteObjects", deleteObjects] : undefined;
      case "GET":
        if (q.has("location")) return ["GetBucketLocation", getBucketLocation];
        if (q.has("uploads")) return ["ListMultipartUploads", listMultipartUploads];
        if (q.has("tagging")) return undefined;
        return q.get("list-type") === "2" ? ["ListObjectsV2", listObjectsV2] : ["ListObjects", listObjectsV1];
    }
    return undefined;
  }
  const uploadId = q.get("uploadId");
  switch (method) {
    case "PUT":
      if (q.has("tagging")) return ["PutObjectTagging", putObjectTagging];
      if (uploadId !== null) {
        if (!q.has("partNumber")) return undefined;
        return [
          "UploadPart",
          (r) => {
            if (r.req.headers["x-amz-copy-source"]) throw notImplemented();
            return uploadPart(r, uploadId);
          },
        ];
      }
      return ["PutObject", (r) => (r.req.headers["x-amz-copy-source"] ? copyObject(r) : putObject(r))];
    case "GET":
      if (q.has("tagging")) return ["GetObjectTagging", getObjectTagging];
      if (uploadId !== null) return ["ListParts", (r) => listParts(r, uploadId)];
      return ["GetObject", (r) => getObject(r, "GET")];
    case "HEAD":
      return ["HeadObject", (r) => getObject(r, "HEAD")];
    case "DELETE":
      if (q.has("tagging")) return ["DeleteObjectTagging", deleteObjectTagging];
      if (uploadId !== null) return ["AbortMultipartUpload", (r) => abortMultipartUpload(r, uploadId)];
      return ["DeleteObject", deleteObject];
    case "POST":
      if (q.has("uploads")) return ["CreateMultipartUpload", createMultipartUpload];
      if (uploadId !== null) return ["CompleteMultipartUpload", (r) => completeMultipartUpload(r, uploadId)];
      return undefined;
  }
  return undefined;
}

function notImplemented(): AwsApiError {
  return new AwsApiError(
    "NotImplemented",
    "A header you provided implies functionality that is not implemented",
    501,
  );
}

/** Bucket and key of a path-style URL (`/bucket/key…`), or a virtual-hosted `bucket.localhost` host. */
function locate(req: IncomingMessage, url: URL): { bucket: string; key: string } {
  const host = (req.headers.host ?? "").split(":", 1)[0] ?? "";
  const path = url.pathname;
  if (host.endsWith(".localhost")) {
    return { bucket: host.slice(0, -".localhost".length), key: decodeURIComponent(path.slice(1)) };
  }
  const slash = path.indexOf("/", 1);
  if (slash === -1) return { bucket: decodeURIComponent(path.slice(1)), key: "" };
  return { bucket: decodeURIComponent(path.slice(1, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}

/** A presigned URL past `X-Amz-Date + X-Amz-Expires` is refused, as S3 does. */
function checkPresignedExpiry(q: URLSearchParams): void {
  const date = q.get("X-Amz-Date");
  const expires = q.get("X-Amz-Expires");
  if (!date || !expires) return;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m)
    throw new AwsApiError(
      "AuthorizationQueryParametersError",
      "X-Amz-Date must be in the ISO8601 Long Format",
      400,
    );
  const signedAt = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  if (Date.now() > signedAt + Number(expires) * 1000) {
    throw new AwsApiError("AccessDenied", "Request has expired", 403, {
      Expires: new Date(signedAt + Number(expires) * 1000).toISOString(),
      ServerTime: new Date().toISOString(),
    });
  }
}

/** Serves one S3 request; every failure is answered as S3's XML `<Error>` (no body for HEAD). */
export async function handleS3(
  service: S3Service,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  signingRegion: string | undefined,
): Promise<void> {
  const id = requestId();
  const method = req.method ?? "GET";
  const { bucket, key } = locate(req, url);
  const r: S3Request = {
    req,
    res,
    url,
    query: url.searchParams,
    bucket,
    key,
    store: service.store,
    signingRegion: signingRegion ?? service.region,
    accountId: service.accountId,
    requestId: id,
  };
  try {
    checkPresignedExpiry(url.searchParams);
    if (Buffer.byteLength(key) > 1024) {
      throw new AwsApiError("KeyTooLongError", "Your key is too long", 400, {
        Size: Buffer.byteLength(key),
        MaxSizeAllowed: 1024,
      });
    }
    const op = classify(method, bucket, key, url.searchParams);
    if (!op) throw notImplemented();
    const fault = await service.faults.apply("s3", op[0], res);
    if (fault) throw fault;
    await op[1](r);
  } catch (error) {
    req.resume();
    sendS3Error(r, method, error);
  }
}

function sendS3Error(r: S3Request, method: string, error: unknown): void {
  const e = toAwsError(error);
  const code = e.code === "InternalFailure" ? "InternalError" : e.code;
  if (r.res.headersSent) {
    r.res.destroy(e);
    return;
  }
  const headers = s3Headers(r);
  if (method === "HEAD") {
    send(r.res, e.status, headers);
    return;
  }
  const body = xmlDocument(
    "Error",
    {
      Code: code,
      Message: e.message,
      ...(r.bucket ? { BucketName: r.bucket } : {}),
      ...(r.key ? { Key: r.key } : {}),
      ...e.extra,
      RequestId: r.requestId,
      HostId: headers["x-amz-id-2"],
    },
    false,
  );
  send(r.res, e.status, { ...headers, ...XML, ...e.headers }, body);
}
