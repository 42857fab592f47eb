import { DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import { MlshipError, type OperationContext } from "@mlship/core";
import { toMlshipError } from "./s3-errors.js";
import { parseS3Uri } from "./s3-uri.js";

/** DeleteObjects takes at most 1000 keys per request. */
export const DELETE_BATCH = 1000;

/**
 * Deletes exactly the given objects, in batches of 1000 per bucket. Keys that do not exist count as
 * deleted (S3's semantics). Any key S3 refuses makes this throw, listing the keys left behind.
 */
export async function deleteObjects(
  client: S3Client,
  uris: readonly string[],
  ctx?: OperationContext,
): Promise<void> {
  const byBucket = new Map<string, string[]>();
  for (const uri of uris) {
    const { bucket, key } = parseS3Uri(uri);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
  }
  const failed: Array<{ key: string; code?: string; message?: string }> = [];
  for (const [bucket, keys] of byBucket) {
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += DELETE_BATCH) {
      const batch = unique.slice(i, i + DELETE_BATCH);
      const where = `s3://${bucket}`;
      const result = await client
        .send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          ctx?.signal ? { abortSignal: ctx.signal } : {},
        )
        .catch((error: unknown) => {
          throw toMlshipError(error, `deleting ${batch.length} objects from ${bucket}`, where, "E_NETWORK");
        });
      for (const e of result.Errors ?? []) {
        failed.push({
          key: `s3://${bucket}/${e.Key ?? "?"}`,
          ...(e.Code ? { code: e.Code } : {}),
          ...(e.Message ? { message: e.Message } : {}),
        });
      }
    }
  }
  if (failed.length > 0) {
    const denied = failed.some((f) => f.code === "AccessDenied");
    throw new MlshipError(
      denied ? "E_PERMISSION" : "E_NETWORK",
      `could not delete ${failed.length} object(s): ${failed
        .slice(0, 5)
        .map((f) => `${f.key} (${f.code ?? "error"})`)
        .join(", ")}${failed.length > 5 ? ", ..." : ""}`,
      { where: failed[0]?.key, details: { failed } },
    );
  }
}
