import type { IncomingMessage } from "node:http";
import { AwsApiError } from "../aws-error.js";
import { header } from "./body.js";
import { checksumHeader } from "./checksum.js";
import type { ObjectAttributes, ObjectMeta } from "./store.js";

/** Object attributes from PutObject / CreateMultipartUpload / CopyObject(REPLACE) request headers. */
export function attributesFromRequest(req: IncomingMessage): ObjectAttributes {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) {
      metadata[name.slice("x-amz-meta-".length)] = Array.isArray(value) ? value.join(",") : value;
    }
  }
  // Header values arrive as latin1 strings, one character per byte sent: S3's limit counts those bytes,
  // and answering with the same strings gives the client back the bytes it sent.
  const metadataSize = Object.entries(metadata).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k, "latin1") + Buffer.byteLength(v, "latin1"),
    0,
  );
  if (metadataSize > 2048) {
    throw new AwsApiError(
      "MetadataTooLarge",
      "Your metadata headers exceed the maximum allowed metadata size.",
      400,
      {
        Size: metadataSize,
        MaxSizeAllowed: 2048,
      },
    );
  }
  const encoding = header(req, "content-encoding")
    ?.split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "" && v !== "aws-chunked")
    .join(", ");
  const attrs: ObjectAttributes = {
    contentType: header(req, "content-type") ?? "binary/octet-stream",
    metadata,
    tags: parseTagging(header(req, "x-amz-tagging")),
  };
  if (encoding) attrs.contentEncoding = encoding;
  const optional = [
    ["contentDisposition", "content-disposition"],
    ["contentLanguage", "content-language"],
    ["cacheControl", "cache-control"],
    ["expires", "expires"],
  ] as const;
  for (const [member, name] of optional) {
    const value = header(req, name);
    if (value !== undefined) attrs[member] = value;
  }
  return attrs;
}

/** `x-amz-tagging: a=1&b=2` (URL query encoding), within S3's tag limits (`checkTags`). */
export function parseTagging(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return checkTags(
    [...new URLSearchParams(value)],
    () =>
      new AwsApiError(
        "InvalidArgument",
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
        400,
      ),
  );
}

/**
 * S3's object tag limits, checked as S3 answers them (`InvalidTag`): at most 10 tags, keys of 1 to 128
 * characters, values of at most 256, no key twice (`duplicate` says how the request form reports that).
 */
export function checkTags(
  pairs: Array<[string, string]>,
  duplicate: () => AwsApiError,
): Record<string, string> {
  if (pairs.length > 10) throw invalidTag("Object tags cannot be greater than 10");
  const tags: Record<string, string> = {};
  for (const [key, value] of pairs) {
    const keyLength = [...key].length;
    if (keyLength === 0 || keyLength > 128) throw invalidTag("The TagKey you have provided is invalid");
    if ([...value].length > 256) throw invalidTag("The TagValue you have provided is invalid");
    if (Object.hasOwn(tags, key)) throw duplicate();
    tags[key] = value;
  }
  return tags;
}

function invalidTag(message: string): AwsApiError {
  return new AwsApiError("InvalidTag", message, 400);
}

/** Response headers describing a stored object (GetObject, HeadObject). */
export function objectHeaders(meta: ObjectMeta, query: URLSearchParams): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": query.get("response-content-type") ?? meta.contentType,
    etag: meta.etag,
    "last-modified": new Date(meta.lastModified).toUTCString(),
    "accept-ranges": "bytes",
  };
  const optional: Array<[string, string | undefined, string]> = [
    ["content-encoding", meta.contentEncoding, "response-content-encoding"],
    ["content-disposition", meta.contentDisposition, "response-content-disposition"],
    ["content-language", meta.contentLanguage, "response-content-language"],
    ["cache-control", meta.cacheControl, "response-cache-control"],
    ["expires", meta.expires, "response-expires"],
  ];
  for (const [name, stored, override] of optional) {
    const value = query.get(override) ?? stored;
    if (value !== undefined) h[name] = value;
  }
  for (const [k, v] of Object.entries(meta.metadata)) h[`x-amz-meta-${k}`] = v;
  const tagCount = Object.keys(meta.tags).length;
  if (tagCount > 0) h["x-amz-tagging-count"] = String(tagCount);
  if (meta.partsCount) h["x-amz-mp-parts-count"] = String(meta.partsCount);
  return h;
}

/** Checksum response headers, when the client asked for them (`x-amz-checksum-mode: ENABLED`). */
export function checksumHeaders(meta: ObjectMeta): Record<string, string> {
  if (!meta.checksum) return {};
  return {
    [checksumHeader(meta.checksum.algorithm)]: meta.checksum.value,
    "x-amz-checksum-type": meta.checksum.type,
  };
}
