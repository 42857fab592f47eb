import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { MlshipError, type ObjectStore, type OperationContext } from "@mlship/core";
import { type ExtractOptions, extractTarGz } from "@mlship/core/archive";
import { toMlshipError } from "./s3-errors.js";
import { parseS3Uri } from "./s3-uri.js";
import { packSourceDir } from "./source-bundle.js";
import { downloadFile, downloadUri, type UploadFileOptions, uploadFile } from "./transfer.js";

/** Runs `work` with a fresh directory under the OS temp dir, removed afterwards whatever happens. */
async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "mlship-s3-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Packs `dir` reproducibly (see `packSourceDir`) in the OS temp dir — never in the working
 * directory — uploads it to `uri` (e.g. `s3://bucket/<job>/source/sourcedir.tar.gz`) and returns `uri`.
 * `only` limits the bundle to those files of `dir`.
 */
export async function uploadSourceDir(
  client: S3Client,
  dir: string,
  uri: string,
  ctx?: OperationContext,
  options: UploadFileOptions & { only?: readonly string[] } = {},
): Promise<string> {
  parseS3Uri(uri);
  const { only, ...upload } = options;
  return withTempDir(async (tmp) => {
    const bundle = await packSourceDir(dir, path.join(tmp, "sourcedir.tar.gz"), only ? { only } : {});
    await uploadFile(client, bundle.file, uri, ctx, { contentType: "application/gzip", ...upload });
    return uri;
  });
}

/** Downloads a `.tar.gz` object (model.tar.gz, output.tar.gz...) and extracts it safely into `destDir`. */
export async function downloadAndExtract(
  client: S3Client,
  uri: string,
  destDir: string,
  ctx?: OperationContext,
  options: ExtractOptions = {},
): Promise<string[]> {
  return withTempDir(async (tmp) => {
    const file = path.join(tmp, "archive.tar.gz");
    await downloadFile(client, uri, file, ctx);
    return extractTarGz(file, destDir, options);
  });
}

/** Longest expiry SigV4 allows: 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * A presigned GET URL for one object, valid for `expiresInSeconds` (1 s to 7 days). The URL is only
 * as long-lived as the credentials that signed it: temporary credentials expire it earlier.
 */
export async function presignGetUrl(
  client: S3Client,
  uri: string,
  expiresInSeconds: number,
): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  if (key === "" || key.endsWith("/")) {
    throw new MlshipError("E_INVALID_INPUT", `presignGetUrl needs an object URI, not a prefix: ${uri}`, {
      where: uri,
    });
  }
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `expiresInSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${expiresInSeconds}`,
      { where: "expiresInSeconds" },
    );
  }
  try {
    return await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  } catch (error) {
    throw toMlshipError(error, `presigning ${uri}`, uri, "E_CREDENTIALS");
  }
}

/** core's `ObjectStore` port over an S3 client: what the local runtime uses to read `s3://` inputs and write artifacts. */
export function createS3ObjectStore(client: S3Client): ObjectStore {
  return {
    download: (uri, dir, ctx) => downloadUri(client, uri, dir, ctx),
    upload: (file, uri, ctx) => uploadFile(client, file, uri, ctx),
  };
}
