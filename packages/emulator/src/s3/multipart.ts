import { AwsApiError } from "../aws-error.js";
import { readBody, send } from "../http/io.js";
import { attributesFromRequest, checksumHeaders } from "./attributes.js";
import { header, ingestBody } from "./body.js";
import {
  CHECKSUM_ALGORITHMS,
  checksumHeader,
  checksumMember,
  isChecksumValue,
  parseChecksumAlgorithm,
} from "./checksum.js";
import { type S3Request, s3Headers, XML } from "./context.js";
import { checkWriteCondition } from "./objects.js";
import type { ObjectMeta } from "./store.js";
import type { UploadInfo } from "./uploads.js";
import { malformedXml, parseXml, xmlDocument } from "./xml.js";

export async function createMultipartUpload(r: S3Request): Promise<void> {
  const rawAlgorithm = header(r.req, "x-amz-checksum-algorithm");
  const algorithm = parseChecksumAlgorithm(rawAlgorithm);
  if (rawAlgorithm && !algorithm) {
    throw new AwsApiError(
      "InvalidRequest",
      `Checksum algorithm ${rawAlgorithm} is not supported by this emulator.`,
    );
  }
  const requestedType = header(r.req, "x-amz-checksum-type")?.toUpperCase();
  // CRC64NVME only exists as a full-object checksum; the others default to COMPOSITE as in S3.
  const type =
    requestedType === "FULL_OBJECT" || (algorithm === "CRC64NVME" && !requestedType)
      ? "FULL_OBJECT"
      : "COMPOSITE";
  if (type === "COMPOSITE" && algorithm === "CRC64NVME") {
    throw new AwsApiError(
      "InvalidRequest",
      "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
    );
  }
  const info = await r.store.uploads.create(
    r.bucket,
    r.key,
    attributesFromRequest(r.req),
    algorithm ? { algorithm, type } : undefined,
  );
  const headers: Record<string, string> = { ...s3Headers(r), ...XML };
  if (algorithm) {
    headers["x-amz-checksum-algorithm"] = algorithm;
    headers["x-amz-checksum-type"] = type;
  }
  const body = xmlDocument("InitiateMultipartUploadResult", {
    Bucket: r.bucket,
    Key: r.key,
    UploadId: info.uploadId,
  });
  send(r.res, 200, headers, body);
}

export async function uploadPart(r: S3Request, uploadId: string): Promise<void> {
  const partNumber = Number(r.query.get("partNumber"));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new AwsApiError(
      "InvalidArgument",
      "Part number must be an integer between 1 and 10000, inclusive",
      400,
      {
        ArgumentName: "partNumber",
        ArgumentValue: String(r.query.get("partNumber")),
      },
    );
  }
  const { info } = r.store.uploads.get(r.bucket, r.key, uploadId);
  const ingested = await ingestBody(r.req, r.store, info.checksumAlgorithm);
  const part = await r.store.uploads.putPart(r.bucket, r.key, uploadId, partNumber, ingested);
  const headers: Record<string, string> = { ...s3Headers(r), etag: part.etag };
  if (ingested.checksum) headers[checksumHeader(ingested.checksum.algorithm)] = ingested.checksum.value;
  send(r.res, 200, headers);
}

export async function completeMultipartUpload(r: S3Request, uploadId: string): Promise<void> {
  const done = r.store.uploads.completedObject(r.bucket, r.key, uploadId);
  if (done) {
    await readBody(r.req, 4 * 1024 * 1024);
    sendCompleteResult(r, done);
    return;
  }
  const { info } = r.store.uploads.get(r.bucket, r.key, uploadId);
  checkWriteCondition(r);
  const expected = finalChecksum(r, info);
  const doc = parseXml(await readBody(r.req, 4 * 1024 * 1024), ["Part"]);
  const complete = doc.CompleteMultipartUpload as { Part?: Array<Record<string, unknown>> } | undefined;
  if (!complete) throw malformedXml();
  const member = info.checksumAlgorithm ? checksumMember(info.checksumAlgorithm) : undefined;
  const parts = (complete.Part ?? []).map((p) => {
    const checksum = member ? p[member] : undefined;
    return {
      partNumber: Number(p.PartNumber),
      etag: String(p.ETag ?? ""),
      ...(typeof checksum === "string" ? { checksum } : {}),
    };
  });
  sendCompleteResult(r, await r.store.uploads.complete(r.bucket, r.key, uploadId, parts, expected));
}

function sendCompleteResult(r: S3Request, meta: ObjectMeta): void {
  const checksum = meta.checksum;
  const body = xmlDocument("CompleteMultipartUploadResult", {
    Location: `http://${r.req.headers.host ?? "localhost"}/${r.bucket}/${encodeURI(r.key)}`,
    Bucket: r.bucket,
    Key: r.key,
    ETag: meta.etag,
    ...(checksum
      ? { [checksumMember(checksum.algorithm)]: checksum.value, ChecksumType: checksum.type }
      : {}),
  });
  send(r.res, 200, { ...s3Headers(r), ...XML, ...checksumHeaders(meta) }, body);
}

/**
 * The whole-object checksum sent with CompleteMultipartUpload (`x-amz-checksum-<algorithm>`), checked for
 * form as S3 does: one such header, of the upload's algorithm, a `<base64>[-<parts>]` composite value or a
 * plain full-object one, and `x-amz-checksum-type` (if sent) equal to the upload's. An upload created
 * without a checksum algorithm ignores it. The value itself is compared once the parts are known.
 */
function finalChecksum(r: S3Request, info: UploadInfo): string | undefined {
  const sent = CHECKSUM_ALGORITHMS.filter((a) => header(r.req, checksumHeader(a)) !== undefined);
  const algorithm = info.checksumAlgorithm;
  if (!algorithm) return undefined;
  const type = header(r.req, "x-amz-checksum-type")?.toUpperCase();
  if (type !== undefined && type !== info.checksumType) {
    throw new AwsApiError(
      "InvalidRequest",
      `The upload was created using the ${info.checksumType} checksum mode. The complete request must use the same checksum mode.`,
    );
  }
  if (sent.length > 1) {
    throw new AwsApiError(
      "InvalidRequest",
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  }
  const [other] = sent;
  if (other === undefined) return undefined;
  if (other !== algorithm) {
    throw new AwsApiError(
      "InvalidRequest",
      `Checksum Type mismatch occurred, expected checksum Type: ${algorithm.toLowerCase()}, actual checksum Type: ${other.toLowerCase()}`,
    );
  }
  const name = checksumHeader(algorithm);
  const value = header(r.req, name) ?? "";
  const m = /^([^-]*)(?:-([1-9]\d{0,4}))?$/.exec(value);
  const composite = info.checksumType !== "FULL_OBJECT";
  if (!m || !isChecksumValue(algorithm, m[1] ?? "") || (!composite && m[2] !== undefined)) {
    throw new AwsApiError("InvalidRequest", `Value for ${name} header is invalid.`);
  }
  return value;
}

export async function abortMultipartUpload(r: S3Request, uploadId: string): Promise<void> {
  await r.store.uploads.abort(r.bucket, r.key, uploadId);
  send(r.res, 204, s3Headers(r));
}

export function listParts(r: S3Request, uploadId: string): void {
  const { info, parts } = r.store.uploads.get(r.bucket, r.key, uploadId);
  const marker = Number(r.query.get("part-number-marker") ?? 0);
  const maxParts = Math.min(Number(r.query.get("max-parts") ?? 1000), 1000);
  const after = parts.filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const member = info.checksumAlgorithm ? checksumMember(info.checksumAlgorithm) : undefined;
  const body = xmlDocument("ListPartsResult", {
    Bucket: r.bucket,
    Key: r.key,
    UploadId: uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: p.lastModified,
      ETag: p.etag,
      Size: p.size,
      ...(member && p.checksum ? { [member]: p.checksum } : {}),
    })),
    StorageClass: "STANDARD",
    ChecksumAlgorithm: info.checksumAlgorithm,
    ChecksumType: info.checksumType,
  });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}

export function listMultipartUploads(r: S3Request): void {
  r.store.bucket(r.bucket);
  const prefix = r.query.get("prefix") ?? "";
  const uploads = r.store.uploads
    .list(r.bucket)
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => (a.key === b.key ? a.initiated.localeCompare(b.initiated) : a.key < b.key ? -1 : 1));
  const body = xmlDocument("ListMultipartUploadsResult", {
    Bucket: r.bucket,
    KeyMarker: "",
    UploadIdMarker: "",
    Prefix: prefix,
    MaxUploads: 1000,
    IsTruncated: false,
    Upload: uploads.map((u) => ({
      Key: u.key,
      UploadId: u.uploadId,
      Initiated: u.initiated,
      StorageClass: "STANDARD",
      ChecksumAlgorithm: u.checksumAlgorithm,
    })),
  });
  send(r.res, 200, { ...s3Headers(r), ...XML }, body);
}
