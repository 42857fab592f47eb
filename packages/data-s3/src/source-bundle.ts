import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readdir, realpath, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MlshipError } from "@mlship/core";
import { create as createTar, type WriteEntry } from "tar";

/** Directory names never packed, wherever they appear: VCS data, caches and local environments. */
export const EXCLUDED_DIRS: readonly string[] = [".git", "__pycache__", "node_modules", ".venv"];

/**
 * Every entry gets this mtime, so touching a file does not change the bundle. 1980-01-01 rather
 * than the epoch: some tools warn about "implausibly old" time stamps at 0.
 */
export const BUNDLE_MTIME = new Date(Date.UTC(1980, 0, 1));

export interface PackedBundle {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * Packs `dir` into a reproducible `sourcedir.tar.gz`: the same files give the same bytes, whatever
 * their mtimes, owners or umask. Entries are sorted by path; mtime, uid/gid/uname/gname are fixed;
 * modes become 0755 (directories and files executable by their owner) or 0644; symlinks are followed
 * (their targets are packed as regular files and directories); hard links are stored as copies;
 * `.git`, `__pycache__`, `node_modules` and `.venv` are left out, as is `outFile` if it lies inside `dir`.
 * The gzip header carries no timestamp and a fixed OS byte.
 *
 * `only` packs just those files (paths relative to `dir`), e.g. the entry point alone when no source
 * directory was named: the SageMaker SDK's rule, so a script run from a home folder does not ship the
 * folder's other files (`.aws/credentials`, keys) with it.
 */
export async function packSourceDir(
  dir: string,
  outFile: string,
  options: { only?: readonly string[] } = {},
): Promise<PackedBundle> {
  const root = path.resolve(dir);
  const rootStat = await stat(root).catch((cause: unknown) => {
    throw new MlshipError("E_INVALID_INPUT", `source directory not found: ${dir}`, { where: dir, cause });
  });
  if (!rootStat.isDirectory()) {
    throw new MlshipError("E_INVALID_INPUT", `not a directory: ${dir}`, {
      where: dir,
      hint: "Pass the folder that holds the entry point.",
    });
  }
  const out = path.resolve(outFile);
  const outDir = await realpath(path.dirname(out)).catch(() => path.dirname(out));
  const entries = options.only
    ? await checkedFiles(root, options.only)
    : await listSourceEntries(root, path.join(outDir, path.basename(out)));
  if (entries.length === 0) {
    throw new MlshipError("E_INVALID_INPUT", `nothing to pack in ${dir}`, {
      where: dir,
      hint: `The folder is empty once ${EXCLUDED_DIRS.join(", ")} are left out; it should hold the entry point.`,
    });
  }
  const tmp = `${out}.${process.pid}.${Date.now()}.partial`;
  const hash = createHash("sha256");
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const tarStream = createTar(
    {
      cwd: root,
      gzip: true,
      portable: true,
      follow: true,
      noDirRecurse: true,
      mtime: BUNDLE_MTIME,
      // A cache that never remembers: two paths to one inode must both be stored as files, never
      // as a hard link to a path that extraction might reject.
      linkCache: new ForgetfulMap(),
      onWriteEntry: normaliseEntry,
    },
    entries,
  );
  try {
    await pipeline(tarStream, measure, createWriteStream(tmp));
    await rename(tmp, out);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new MlshipError("E_INVALID_INPUT", `could not pack ${dir}: ${(cause as Error).message}`, {
      where: dir,
      cause,
    });
  }
  return { file: out, bytes, sha256: hash.digest("hex") };
}

class ForgetfulMap<K, V> extends Map<K, V> {
  override set(_key: K, _value: V): this {
    return this;
  }
}

const S_IFMT = 0o170000;

function normaliseEntry(entry: WriteEntry): void {
  const st = entry.stat;
  if (!st) return;
  const isDir = st.isDirectory();
  const perms = isDir || st.mode & 0o100 ? 0o755 : 0o644;
  st.mode = (st.mode & S_IFMT) | perms;
  // tar's portable mode drops directory mtimes (writes 0); give them the fixed one like files.
  entry.noMtime = false;
}

/**
 * Relative paths (posix separators) of every directory and file to pack, sorted, excluded names
 * skipped, symlinks resolved. A symlink loop or a dangling link is an error. `exclude` is a real
 * path (symlinks resolved) of a file to leave out, typically the bundle being written.
 */
export async function listSourceEntries(root: string, exclude?: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string, ancestors: ReadonlySet<string>) => {
    const names = (await readdir(abs)).sort(compareCodePoints);
    for (const name of names) {
      const childAbs = path.join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(childAbs);
      } catch (cause) {
        throw new MlshipError("E_INVALID_INPUT", `cannot read ${childRel} (dangling symlink?)`, {
          where: childAbs,
          cause,
        });
      }
      if (st.isDirectory()) {
        if (EXCLUDED_DIRS.includes(name)) continue;
        const real = await realpath(childAbs);
        if (ancestors.has(real)) {
          throw new MlshipError("E_INVALID_INPUT", `symlink loop at ${childRel}`, { where: childAbs });
        }
        out.push(childRel);
        await walk(childAbs, childRel, new Set([...ancestors, real]));
      } else if (st.isFile()) {
        if (exclude && (await realpath(childAbs)) === exclude) continue;
        out.push(childRel);
      }
      // Sockets, FIFOs and devices have no place in a source bundle; tar would skip them too.
    }
  };
  await walk(root, "", new Set([await realpath(root)]));
  return out.sort(compareCodePoints);
}

/** `files` as bundle entries: each must be a file inside `root`. */
async function checkedFiles(root: string, files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join("/");
    const isFile = await stat(path.join(root, rel)).then(
      (st) => st.isFile(),
      () => false,
    );
    if (rel.startsWith("../") || rel === ".." || path.isAbsolute(rel) || !isFile) {
      throw new MlshipError("E_INVALID_INPUT", `${file} is not a file in ${root}`, { where: file });
    }
    out.push(rel);
  }
  return out.sort(compareCodePoints);
}

/** Locale-independent ordering, so the entry order is the same on every machine. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
