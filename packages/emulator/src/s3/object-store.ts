import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { emit, MlshipError, type ObjectStore, type OperationContext } from "@mlship/core";
import { AwsApiError } from "../aws-error.js";
import type { ObjectMeta, S3Store } from "./store.js";

/**
 * Core's `ObjectStore` port straight over the emulator's S3 store (disk to disk, no HTTP): what the
 * emulated SageMaker uses to fetch channels and code bundles and to write model artifacts.
 */
export function createStoreObjectStore(store: S3Store): ObjectStore {
  return {
    async download(uri, dir, ctx) {
      const { bucket, key } = parseUri(uri);
      const written: string[] = [];
      const objects: Array<{ meta: ObjectMeta; target: string }> = [];
      try {
        if (key === "" || key.endsWith("/")) {
          for (const meta of store.listObjects(bucket)) {
            if (!meta.key.startsWith(key) || meta.key.endsWith("/")) continue;
            objects.push({ meta, target: inside(dir, meta.key.slice(key.length)) });
          }
        } else {
          objects.push({ meta: store.head(bucket, key), target: join(dir, basename(key)) });
        }
      } catch (error) {
        throw asMlshipError(error, uri);
      }
      if (objects.length === 0) {
        throw new MlshipError("E_NOT_FOUND", `No objects under ${uri}`, { where: uri });
      }
      for (const { meta, target } of objects) {
        ctx?.signal?.throwIfAborted();
        await mkdir(dirname(target), { recursive: true });
        await pipeline(store.read(bucket, meta), createWriteStream(target), { signal: ctx?.signal });
        emit(ctx, { type: "download.progress", key: meta.key, loaded: meta.size, total: meta.size });
        written.push(target);
      }
      return written;
    },

    async upload(file, uri, ctx?: OperationContext) {
      const { bucket, key } = parseUri(uri);
      if (key === "" || key.endsWith("/")) {
        throw new MlshipError("E_INVALID_INPUT", `Upload target must be an object URI, got ${uri}`);
      }
      try {
        store.bucket(bucket);
        const ingested = await store.ingest(createReadStream(file));
        await store.putObject(
          bucket,
          key,
          { file: ingested.file, size: ingested.size, etag: `"${ingested.md5}"` },
          { contentType: "application/octet-stream", metadata: {}, tags: {} },
        );
        emit(ctx, { type: "upload.progress", key, loaded: ingested.size, total: ingested.size });
      } catch (error) {
        throw asMlshipError(error, uri);
      }
    },
  };
}

function parseUri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new MlshipError("E_INVALID_INPUT", `Not an s3:// URI: ${uri}`);
  return { bucket: m[1] as string, key: m[2] ?? "" };
}

/** A key's path below `dir`; keys that would escape it (`../`) are refused. */
function inside(dir: string, rel: string): string {
  const root = resolve(dir);
  const target = resolve(root, rel);
  if (target !== root && !target.startsWith(root + sep)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Object key escapes the download folder: ${relative(root, target)}`,
    );
  }
  return target;
}

function asMlshipError(error: unknown, uri: string): unknown {
  if (error instanceof AwsApiError && error.status === 404) {
    return new MlshipError("E_NOT_FOUND", `${error.message} (${uri})`, { where: uri, cause: error });
  }
  return error;
}
