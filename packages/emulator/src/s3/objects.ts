import { pipeline } from "node:stream/promises";
import { AwsApiError } from "../aws-error.js";
import { readBody, send } from "../http/io.js";
import {
  attributesFromRequest,
  checksumHeaders,
  checkTags,
  objectHeaders,
  parseTagging,
} from "./attributes.js";
import { header, ingestBody } from "./body.js";
import { type S3Request, s3Headers, XML } from "./context.js";
import { attributesOf, compareKeys, type ObjectMeta } from "./store.js";
import { parseXml, xmlDocument } from "./xml.js";

export async function putObject(r: S3Request): Promise<void> {
  const attributes = attributesFromRequest(r.req);
  r.store.bucket(r.bucket);
  checkWriteCondition(r);
  const ingested = await ingestBody(r.req, r.store);
  const meta = await r.store.putObject(
    r.bucket,
    r.key,
    { file: ingested.file, size: ingested.size, etag: `"${ingested.md5}"` },
    attributes,
    ingested.checksum ? { checksum: { ...ingested.checksum, type: "FULL_OBJECT" } } : {},
  );
  send(r.res, 200, { ...s3Headers(r), etag: meta.etag, ...checksumHeaders(meta) });
}

export async function getObject(r: S3Request, method: "GET" | "HEAD"): Promise<void> {
  const meta = r.store.head(r.bucket, r.key);
  const conditional = checkConditions(r, meta);
  if (conditional) {
    send(r.res, conditional, { ...s3Headers(r), etag: meta.etag });
    return;
  }
  const headers: Record<string, string> = { ...s3Headers(r), ...objectHeaders(meta, r.query) };
  const partNumber = r.query.get("partNumber");
  if (partNumber !== null && header(r.req, "range") !== undefined) {
    throw new AwsApiError(
      "InvalidRequest",
      "Cannot specify both Range header and partNumber query parameter",
      400,
    );
  }
  const range =
    partNumber !== null ? partRange(meta, partNumber) : parseRange(header(r.req, "range"), meta.size);
  const wantsChecksum = header(r.req, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  if (wantsChecksum && !range) Object.assign(headers, checksumHeaders(meta));
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${meta.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
  } else {
    headers["content-length"] = String(meta.size);
  }
  r.res.writeHead(range ? 206 : 200, headers);
  if (method === "HEAD" || meta.size === 0) {
    r.res.end();
    return;
  }
  await pipeline(r.store.read(r.bucket, meta, range), r.res);
}

export async function deleteObject(r: S3Request): Promise<void> {
  await r.store.deleteObject(r.bucket, r.key);
  send(r.res, 204, s3Headers(r));
}

export async function copyObject(r: S3Request): Promise<void> {
  const source = parseCopySource(header(r.req, "x-amz-copy-source") ?? "");
  const replaceMetadata = header(r.req, "x-amz-metadata-directive")?.toUpperCase() === "REPLACE";
  const replaceTags = header(r.req, "x-amz-tagging-directive")?.toUpperCase() === "REPLACE";
  const sourceMeta = r.store.head(source.bucket, source.key);
  if (source.bucket === r.bucket && source.key === r.key && !replaceMetadata) {
    throw new AwsApiError(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    );
  }
  const attributes = replaceMetadata ? attributesFromRequest(r.req) : attributesOf(sourceMeta);
  attributes.tags = replaceTags ? parseTagging(header(r.req, "x-amz-tagging")) : { ...sourceMeta.tags };
  const meta = await r.store.copyObject(source, { bucket: r.bucket, key: r.key }, attributes);
  sendCopyResult(r, meta);
}

function sendCopyResult(r: S3Request, meta: ObjectMeta): void {
  const checksum = meta.checksum?.type === "FULL_OBJECT" ? meta.checksum : undefined;
  const body = xmlDocument("CopyObjectResult", {
    ETag: meta.etag,
    LastModified: meta.lastModified,
    ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {}),
  });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

/**
 * The TagSet sorted by key. AWS documents no order for it; S3 is observed to sort by key, so clients that
 * compare a TagSet with what S3 gave them see the same list here.
 */
export function getObjectTagging(r: S3Request): void {
  const meta = r.store.head(r.bucket, r.key);
  const sorted = Object.entries(meta.tags).sort(([a], [b]) => compareKeys(a, b));
  const body = xmlDocument("Tagging", { TagSet: { Tag: sorted.map(([Key, Value]) => ({ Key, Value })) } });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

export async function putObjectTagging(r: S3Request): Promise<void> {
  const doc = parseXml(await readBody(r.req), ["Tag"]);
  const tagging = doc.Tagging as { TagSet?: { Tag?: Array<{ Key?: string; Value?: string }> } } | undefined;
  const pairs = (tagging?.TagSet?.Tag ?? []).map((t): [string, string] => [
    String(t.Key ?? ""),
    String(t.Value ?? ""),
  ]);
  const tags = checkTags(
    pairs,
    () => new AwsApiError("InvalidTag", "Cannot provide multiple Tags with the same key", 400),
  );
  await r.store.setTags(r.bucket, r.key, tags);
  send(r.res, 200, s3Headers(r));
}

export async function deleteObjectTagging(r: S3Request): Promise<void> {
  await r.store.setTags(r.bucket, r.key, {});
  send(r.res, 204, s3Headers(r));
}

/** Conditional writes: `If-None-Match: *` refuses to overwrite an existing key, as S3 does (412). */
export function checkWriteCondition(r: S3Request): void {
  if (header(r.req, "if-none-match")?.trim() !== "*" || !r.store.exists(r.bucket, r.key)) return;
  throw new AwsApiError(
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    412,
    {
      Condition: "If-None-Match",
    },
  );
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=…]`, URL-encoded. */
function parseCopySource(value: string): { bucket: string; key: string } {
  const path = decodeURIComponent(value.split("?", 1)[0] ?? "").replace(/^\//, "");
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) {
    throw new AwsApiError(
      "InvalidArgument",
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
      400,
    );
  }
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

/** The byte range of part `n` of an object; a simple object is one part. */
function partRange(meta: ObjectMeta, value: string): { start: number; end: number } | undefined {
  const n = Number(value);
  const sizes = meta.partSizes ?? [meta.size];
  if (!Number.isInteger(n) || n < 1 || n > 10000) {
    throw new AwsApiError(
      "InvalidArgument",
      "Part number must be an integer between 1 and 10000, inclusive",
      400,
      {
        ArgumentName: "partNumber",
        ArgumentValue: value,
      },
    );
  }
  if (n > sizes.length)
    throw new AwsApiError("InvalidPartNumber", "The requested partnumber is not satisfiable", 416);
  if (!meta.partSizes) return undefined;
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + (sizes[n - 1] as number) - 1 };
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; unsatisfiable ranges are 416 InvalidRange, malformed ones are ignored as in S3. */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): AwsApiError {
  return new AwsApiError("InvalidRange", "The requested range is not satisfiable", 416, {
    ActualObjectSize: size,
  });
}

/** If-Match / If-None-Match / If-(Un)Modified-Since: the status to answer instead, if any. */
function checkConditions(r: S3Request, meta: ObjectMeta): number | undefined {
  const ifMatch = header(r.req, "if-match");
  const ifNoneMatch = header(r.req, "if-none-match");
  const modified = Date.parse(meta.lastModified);
  const ifUnmodifiedSince = header(r.req, "if-unmodified-since");
  const ifModifiedSince = header(r.req, "if-modified-since");
  if (ifMatch !== undefined && !etagMatches(ifMatch, meta.etag)) throw preconditionFailed();
  if (
    ifMatch === undefined &&
    ifUnmodifiedSince &&
    Math.floor(modified / 1000) > Date.parse(ifUnmodifiedSince) / 1000
  ) {
    throw preconditionFailed();
  }
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, meta.etag)) return 304;
  if (
    ifNoneMatch === undefined &&
    ifModifiedSince &&
    Math.floor(modified / 1000) <= Date.parse(ifModifiedSince) / 1000
  ) {
    return 304;
  }
  return undefined;
}

function etagMatches(condition: string, etag: string): boolean {
  return condition
    .split(",")
    .map((v) => v.trim())
    .some((v) => v === "*" || v === etag || `"${v}"` === etag);
}

function preconditionFailed(): AwsApiError {
  return new AwsApiError(
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    412,
    {
      Condition: "If-Match",
    },
  );
}
