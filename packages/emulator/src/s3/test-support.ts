// Helpers shared by this folder's tests. Kept free of test-runner imports so it type-checks with the library.
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, type S3Client, S3ServiceException } from "@aws-sdk/client-s3";

/** Creates a bucket with a fresh random name and returns the name. */
export async function newBucket(s3: S3Client, prefix = "test"): Promise<string> {
  const bucket = `${prefix}-${randomBytes(5).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** The S3 error `promise` rejects with; throws when it resolves or rejects with anything else. */
export async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3ServiceException)) {
    throw new Error(`expected an S3 error, got ${error === undefined ? "success" : String(error)}`);
  }
  return error;
}
