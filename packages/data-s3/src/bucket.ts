import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { MlshipError } from "@mlship/core";
import { errorNameOf, statusOf, toMlshipError } from "./s3-errors.js";
import { assertValidBucketName } from "./s3-uri.js";

/** SageMaker's default bucket: `sagemaker-<region>-<account>`. */
export function defaultBucketName(region: string, accountId: string): string {
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new MlshipError("E_INVALID_INPUT", `invalid region "${region}"`, { where: "region" });
  }
  if (!/^\d{12}$/.test(accountId)) {
    throw new MlshipError("E_INVALID_INPUT", `invalid AWS account id "${accountId}" (12 digits expected)`, {
      where: "accountId",
    });
  }
  const name = `sagemaker-${region}-${accountId}`;
  assertValidBucketName(name);
  return name;
}

/** The caller's account id, from STS GetCallerIdentity. */
export async function callerAccountId(sts: STSClient): Promise<string> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error("GetCallerIdentity returned no Account");
    return identity.Account;
  } catch (error) {
    throw toMlshipError(error, "finding the AWS account (sts:GetCallerIdentity)", "sts", "E_CREDENTIALS");
  }
}

/**
 * Whether `bucket` exists and is ours (HeadBucket). A bucket that exists but answers 403 belongs to someone
 * else (or we may not use it): E_PERMISSION.
 */
export async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  assertValidBucketName(bucket);
  const where = `s3://${bucket}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const status = statusOf(error);
    const name = errorNameOf(error);
    if (status === 403) {
      throw new MlshipError("E_PERMISSION", `bucket ${bucket} exists but is not accessible to you`, {
        where,
        cause: error,
        hint: "It probably belongs to another AWS account; choose another bucket name.",
        details: { status },
      });
    }
    if (status !== 404 && name !== "NotFound" && name !== "NoSuchBucket") {
      throw toMlshipError(error, `checking bucket ${bucket}`, where, "E_NETWORK");
    }
    return false;
  }
}

/**
 * Makes sure `bucket` exists and is ours: HeadBucket, and CreateBucket if it is missing, with a
 * LocationConstraint outside us-east-1 (where S3 rejects one). A bucket that exists but answers 403
 * belongs to someone else (or we may not use it) and is an E_PERMISSION error, as is a name taken
 * by another account at creation.
 */
export async function ensureBucket(client: S3Client, bucket: string, region: string): Promise<void> {
  if (await bucketExists(client, bucket)) return;
  const where = `s3://${bucket}`;
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    // Lost a race with ourselves (another process created it): fine.
    if (errorNameOf(error) === "BucketAlreadyOwnedByYou") return;
    throw toMlshipError(error, `creating bucket ${bucket} in ${region}`, where, "E_UPLOAD_FAILED");
  }
}
