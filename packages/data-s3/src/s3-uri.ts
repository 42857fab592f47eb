import { MlshipError } from "@mlship/core";

export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Splits `s3://bucket/key` into its parts. The key may be empty (`s3://bucket` or `s3://bucket/`),
 * which callers use for prefixes; the bucket name is checked against S3's naming rules.
 */
export function parseS3Uri(uri: string): S3Location {
  const match = typeof uri === "string" ? /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri) : null;
  if (!match) {
    throw new MlshipError("E_INVALID_INPUT", `not an S3 URI: ${JSON.stringify(uri)}`, {
      hint: "Write it as s3://<bucket>/<key>.",
      where: String(uri),
    });
  }
  const bucket = match[1] as string;
  assertValidBucketName(bucket);
  return { bucket, key: match[2] ?? "" };
}

export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Why `name` is not a valid general-purpose bucket name, or undefined if it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, dots and hyphens";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "must not be formatted as an IP address";
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (name.startsWith(prefix)) return `must not start with "${prefix}"`;
  }
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(suffix)) return `must not end with "${suffix}"`;
  }
  return undefined;
}

export function assertValidBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) {
    throw new MlshipError("E_INVALID_INPUT", `invalid bucket name "${name}": ${problem}`, {
      hint: "See https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
      where: name,
    });
  }
}
