import { AwsApiError } from "../aws-error.js";
import { readBody, send } from "../http/io.js";
import { type S3Request, s3Headers, XML } from "./context.js";
import { compareKeys } from "./store.js";
import { malformedXml, parseXml, xmlDocument } from "./xml.js";

/**
 * CreateBucket with S3's location rules: a request signed for us-east-1 may name any region (or none, meaning
 * us-east-1, but not `us-east-1` itself); a regional request must name exactly its own region.
 */
export async function createBucket(r: S3Request): Promise<void> {
  const body = await readBody(r.req, 1024 * 1024);
  let constraint: string | undefined;
  if (body.length > 0) {
    const doc = parseXml(body, []);
    const config = doc.CreateBucketConfiguration as Record<string, unknown> | undefined;
    if (!config) throw malformedXml();
    const value = config.LocationConstraint;
    constraint = typeof value === "string" && value !== "" ? value : undefined;
  }
  const signing = r.signingRegion;
  if (constraint === "us-east-1") {
    throw new AwsApiError(
      "InvalidLocationConstraint",
      "The specified location-constraint is not valid",
      400,
      {
        LocationConstraint: constraint,
      },
    );
  }
  if (signing !== "us-east-1" && constraint === undefined) {
    throw new AwsApiError(
      "IllegalLocationConstraintException",
      "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
      400,
    );
  }
  if (signing !== "us-east-1" && constraint !== signing) {
    throw new AwsApiError(
      "IllegalLocationConstraintException",
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  await r.store.createBucket(r.bucket, constraint ?? "us-east-1");
  send(r.res, 200, { ...s3Headers(r), location: `/${r.bucket}` });
}

export function headBucket(r: S3Request): void {
  const info = r.store.bucket(r.bucket);
  send(r.res, 200, { ...s3Headers(r), "x-amz-bucket-region": info.region });
}

export async function deleteBucket(r: S3Request): Promise<void> {
  await r.store.deleteBucket(r.bucket);
  send(r.res, 204, s3Headers(r));
}

export function getBucketLocation(r: S3Request): void {
  const info = r.store.bucket(r.bucket);
  const region = info.region === "us-east-1" ? "" : info.region;
  send(r.res, 200, { ...s3Headers(r), ...XML }, xmlDocument("LocationConstraint", { "#text": region }));
}

export function listBuckets(r: S3Request): void {
  const body = xmlDocument("ListAllMyBucketsResult", {
    Owner: { ID: r.accountId, DisplayName: "mlship" },
    Buckets: {
      Bucket: r.store
        .listBuckets()
        .map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: b.region })),
    },
  });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

interface Page {
  contents: ReturnType<S3Request["store"]["listObjects"]>;
  prefixes: string[];
  truncated: boolean;
  last?: string;
}

/**
 * One page of a listing: keys under `prefix` after `after`, keys sharing the part up to the next
 * `delimiter` rolled into one common prefix; a page holds at most `maxKeys` keys + prefixes.
 */
function listPage(r: S3Request, prefix: string, delimiter: string, after: string, maxKeys: number): Page {
  const page: Page = { contents: [], prefixes: [], truncated: false };
  // S3 answers max-keys=0 with an empty page that is not truncated, whatever the bucket holds.
  if (maxKeys === 0) return page;
  for (const meta of r.store.listObjects(r.bucket)) {
    if (!meta.key.startsWith(prefix)) continue;
    if (after && compareKeys(meta.key, after) <= 0) continue;
    let prefixEntry: string | undefined;
    if (delimiter) {
      const at = meta.key.indexOf(delimiter, prefix.length);
      if (at >= 0) prefixEntry = meta.key.slice(0, at + delimiter.length);
    }
    // Keys under a common prefix already returned (or that the continuation point is) are skipped.
    if (prefixEntry && (prefixEntry === page.prefixes.at(-1) || prefixEntry === after)) continue;
    if (page.contents.length + page.prefixes.length >= maxKeys) {
      page.truncated = true;
      break;
    }
    if (prefixEntry) {
      page.prefixes.push(prefixEntry);
      page.last = prefixEntry;
    } else {
      page.contents.push(meta);
      page.last = meta.key;
    }
  }
  return page;
}

function maxKeysOf(r: S3Request): number {
  const raw = r.query.get("max-keys");
  if (raw === null) return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new AwsApiError(
      "InvalidArgument",
      "Provided max-keys not an integer or within integer range",
      400,
      {
        ArgumentName: "max-keys",
        ArgumentValue: raw,
      },
    );
  }
  return Math.min(n, 1000);
}

export function listObjectsV2(r: S3Request): void {
  r.store.bucket(r.bucket);
  const prefix = r.query.get("prefix") ?? "";
  const delimiter = r.query.get("delimiter") ?? "";
  const maxKeys = maxKeysOf(r);
  // An empty continuation-token is no token, as in S3.
  const token = r.query.get("continuation-token") || null;
  const startAfter = r.query.get("start-after") ?? "";
  let after = startAfter;
  if (token !== null) {
    after = decodeToken(token);
  }
  const page = listPage(r, prefix, delimiter, after, maxKeys);
  const encode = urlEncoder(r);
  const body = xmlDocument("ListBucketResult", {
    Name: r.bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter ? encode(delimiter) : undefined,
    MaxKeys: maxKeys,
    EncodingType: r.query.get("encoding-type") ?? undefined,
    KeyCount: page.contents.length + page.prefixes.length,
    IsTruncated: page.truncated,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: page.truncated && page.last ? encodeToken(page.last) : undefined,
    StartAfter: startAfter ? encode(startAfter) : undefined,
    Contents: page.contents.map((m) => ({
      Key: encode(m.key),
      LastModified: m.lastModified,
      ETag: m.etag,
      ChecksumAlgorithm: m.checksum?.algorithm,
      ChecksumType: m.checksum?.type,
      Size: m.size,
      StorageClass: "STANDARD",
      ...(r.query.get("fetch-owner") === "true" ? { Owner: { ID: r.accountId, DisplayName: "mlship" } } : {}),
    })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

export function listObjectsV1(r: S3Request): void {
  r.store.bucket(r.bucket);
  const prefix = r.query.get("prefix") ?? "";
  const delimiter = r.query.get("delimiter") ?? "";
  const marker = r.query.get("marker") ?? "";
  const maxKeys = maxKeysOf(r);
  const page = listPage(r, prefix, delimiter, marker, maxKeys);
  const encode = urlEncoder(r);
  // ListObjects (v1) URL-encodes Key, Delimiter, Marker, NextMarker and CommonPrefixes, not Prefix
  // (boto3 decodes exactly those members).
  const body = xmlDocument("ListBucketResult", {
    Name: r.bucket,
    Prefix: prefix,
    Marker: encode(marker),
    NextMarker: page.truncated && delimiter && page.last ? encode(page.last) : undefined,
    Delimiter: delimiter ? encode(delimiter) : undefined,
    MaxKeys: maxKeys,
    EncodingType: r.query.get("encoding-type") ?? undefined,
    IsTruncated: page.truncated,
    Contents: page.contents.map((m) => ({
      Key: encode(m.key),
      LastModified: m.lastModified,
      ETag: m.etag,
      Size: m.size,
      Owner: { ID: r.accountId, DisplayName: "mlship" },
      StorageClass: "STANDARD",
    })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: encode(p) })),
  });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

export async function deleteObjects(r: S3Request): Promise<void> {
  r.store.bucket(r.bucket);
  const doc = parseXml(await readBody(r.req, 4 * 1024 * 1024), ["Object"]);
  const del = doc.Delete as { Object?: Array<{ Key?: unknown }>; Quiet?: unknown } | undefined;
  const objects = del?.Object ?? [];
  if (!del || objects.length === 0 || objects.length > 1000) throw malformedXml();
  const quiet = String(del.Quiet ?? "false") === "true";
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const o of objects) {
    const key = typeof o.Key === "string" ? o.Key : String(o.Key ?? "");
    if (key === "") {
      errors.push({ Key: key, Code: "InvalidArgument", Message: "Key must not be empty" });
      continue;
    }
    await r.store.deleteObject(r.bucket, key);
    deleted.push({ Key: key });
  }
  const body = xmlDocument("DeleteResult", { Deleted: quiet ? [] : deleted, Error: errors });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

function urlEncoder(r: S3Request): (value: string) => string {
  return r.query.get("encoding-type") === "url"
    ? (v) => encodeURIComponent(v).replace(/%2F/g, "/")
    : (v) => v;
}

function encodeToken(key: string): string {
  return Buffer.from(`v1:${key}`).toString("base64");
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, "base64").toString("utf8");
  if (!decoded.startsWith("v1:")) {
    throw new AwsApiError("InvalidArgument", "The continuation token provided is incorrect", 400, {
      ArgumentName: "continuation-token",
    });
  }
  return decoded.slice(3);
}
