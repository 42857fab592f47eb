import { readdir } from "node:fs/promises";
import { create } from "tar";

/** Packs the contents of `dir` (entries at the archive root, as SageMaker's model.tar.gz) into `file`. */
export async function packDir(dir: string, file: string): Promise<string> {
  const entries = (await readdir(dir)).sort();
  // tar.create refuses an empty list, and an all-zero archive does not extract: an empty dir packs as ".".
  await create({ gzip: true, file, cwd: dir, portable: true }, entries.length ? entries : ["."]);
  return file;
}
