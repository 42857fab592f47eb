import type { S3Client } from "@aws-sdk/client-s3";
import { MlshipError } from "@mlship/core";
import { bucketExists, parseS3Uri } from "@mlship/data-s3";

/** An S3 location SageMaker writes to on the endpoint's behalf, and the spec key that set it. */
export interface Destination {
  uri: string;
  where: string;
  what: string;
}

/**
 * Whether the bucket of `uri` exists, as far as we can tell: a bucket we may not inspect (403) may still be
 * writable by the endpoint's execution role, so only a bucket S3 says is missing counts as missing.
 */
export async function destinationBucketMissing(s3: S3Client, uri: string): Promise<boolean> {
  try {
    return !(await bucketExists(s3, parseS3Uri(uri).bucket));
  } catch (error) {
    if (error instanceof MlshipError && error.code === "E_PERMISSION") return false;
    throw error;
  }
}

/**
 * Refuses a deploy whose output or capture bucket does not exist, before anything is created. Nothing checks
 * it later: SageMaker accepts the endpoint, and an asynchronous answer it cannot write never arrives, so the
 * caller would wait for it until its timeout. `creating` is a bucket the deploy itself creates first.
 */
export async function checkDestinationBuckets(
  s3: S3Client,
  destinations: readonly Destination[],
  creating?: string,
): Promise<void> {
  for (const { uri, where, what } of destinations) {
    const { bucket } = parseS3Uri(uri);
    if (bucket === creating || !(await destinationBucketMissing(s3, uri))) continue;
    throw new MlshipError("E_CONFIG", `The ${what} bucket ${bucket} does not exist`, {
      where,
      hint: `Create it first (aws s3 mb s3://${bucket}), or choose a bucket that exists.`,
      details: { uri },
    });
  }
}
