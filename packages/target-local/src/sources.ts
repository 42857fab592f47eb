import { cp, mkdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MlshipError, type ObjectStore, type OperationContext } from "@mlship/core";

export const isS3Uri = (source: string): boolean => source.startsWith("s3://");

/** A local path from a path or `file://` URI. */
export function localPath(source: string): string {
  return source.startsWith("file://") ? fileURLToPath(source) : resolve(source);
}

/** The object store an s3:// source needs; E_CONFIG when none was given. */
export function needStore(uri: string, store: ObjectStore | undefined, what: string): ObjectStore {
  if (store) return store;
  throw new MlshipError("E_CONFIG", `${what} ${uri} is in S3 but no object store was given`, {
    hint: "Pass `objectStore` (e.g. createS3ObjectStore(client) from @mlship/data-s3, or the emulator's).",
    where: what,
  });
}

/**
 * Puts a channel's data into `destDir`: an s3:// object or prefix through the object store, a local
 * file (copied under its name) or the contents of a local directory.
 */
export async function stageChannel(
  name: string,
  source: string,
  destDir: string,
  store: ObjectStore | undefined,
  ctx?: OperationContext,
): Promise<string[]> {
  await mkdir(destDir, { recursive: true });
  if (isS3Uri(source)) return needStore(source, store, `channel '${name}'`).download(source, destDir, ctx);
  const path = localPath(source);
  const info = await stat(path).catch((error: unknown) => {
    throw new MlshipError("E_NOT_FOUND", `Channel '${name}': ${path} does not exist`, {
      cause: error,
      where: `channel ${name}`,
    });
  });
  if (info.isDirectory()) {
    await cp(path, destDir, { recursive: true });
    return [destDir];
  }
  const target = join(destDir, basename(path));
  await cp(path, target);
  return [target];
}

/** A local copy of a single file that may be an s3:// object (downloaded into `tmpDir`). */
export async function fetchFile(
  source: string,
  tmpDir: string,
  store: ObjectStore | undefined,
  what: string,
  ctx?: OperationContext,
): Promise<string> {
  if (!isS3Uri(source)) {
    const path = localPath(source);
    await stat(path).catch((error: unknown) => {
      throw new MlshipError("E_NOT_FOUND", `${what} ${path} does not exist`, { cause: error, where: what });
    });
    return path;
  }
  await mkdir(tmpDir, { recursive: true });
  const files = await needStore(source, store, what).download(source, tmpDir, ctx);
  const file = files[0];
  if (files.length !== 1 || !file) {
    throw new MlshipError("E_NOT_FOUND", `${what} ${source} should be one object, found ${files.length}`, {
      where: what,
      details: { uri: source, objects: files.length },
    });
  }
  return file;
}
