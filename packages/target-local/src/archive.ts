import { mkdir, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { MlshipError } from "@mlship/core";
import { create, extract } from "tar";

/** Packs the contents of `dir` (entries at the archive root, as SageMaker's model.tar.gz) into `file`. */
export async function packDir(dir: string, file: string): Promise<string> {
  const entries = (await readdir(dir)).sort();
  // tar.create refuses an empty list, and an all-zero archive does not extract: an empty dir packs as ".".
  await create({ gzip: true, file, cwd: dir, portable: true }, entries.length ? entries : ["."]);
  return file;
}

/**
 * Extracts a .tar.gz into `dir`. Only files and directories are written; absolute paths and `..`
 * are refused by tar (preservePaths off), so an archive cannot write outside `dir`.
 */
export async function extractArchive(file: string, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  try {
    await extract({
      file,
      cwd: dir,
      strict: true,
      filter: (path, entry) => {
        const type = (entry as { type?: string }).type;
        const ok = type === "File" || type === "OldFile" || type === "Directory";
        if (ok && type !== "Directory") written.push(join(dir, relative(".", path)));
        return ok;
      },
    });
  } catch (error) {
    throw new MlshipError("E_INVALID_INPUT", `Cannot extract ${file}: ${(error as Error).message}`, {
      cause: error,
      where: file,
    });
  }
  return written;
}
