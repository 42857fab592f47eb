import type { ObjectStore } from "@mlship/core";

/**
 * SageMaker's S3Prefix channels name a key prefix: `s3://b/data/train` means every object under it,
 * with or without the trailing slash, or the one object of that name. The ObjectStore port reads a
 * URI without a slash as a single object, so this falls back to the `/` prefix when that object is missing.
 */
export function s3PrefixStore(store: ObjectStore): ObjectStore {
  return {
    upload: (file, uri, ctx) => store.upload(file, uri, ctx),
    async download(uri, dir, ctx) {
      if (uri.endsWith("/")) return store.download(uri, dir, ctx);
      try {
        return await store.download(uri, dir, ctx);
      } catch (error) {
        const files = await store.download(`${uri}/`, dir, ctx).catch(() => []);
        if (files.length === 0) throw error;
        return files;
      }
    },
  };
}
