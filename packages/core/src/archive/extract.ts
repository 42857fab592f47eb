import { createReadStream } from "node:fs";
import { mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import { extract as extractTar, list as listTar, type ReadEntry } from "tar";
import { MlshipError } from "../errors.js";

export interface ExtractOptions {
  /** Refuse archives whose files add up to more than this many bytes. Default 10 GiB. */
  maxBytes?: number;
  /** Refuse archives with more entries than this. Default 100,000. */
  maxEntries?: number;
}

export const DEFAULT_MAX_EXTRACT_BYTES = 10 * 1024 ** 3;
export const DEFAULT_MAX_EXTRACT_ENTRIES = 100_000;

interface PlannedEntry {
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink";
  linkpath?: string;
}

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
const DIR_TYPES = new Set(["Directory", "GNUDumpDir"]);

/**
 * Extracts a `.tar.gz` (or plain `.tar`) into `destDir`, after checking the whole archive first:
 * nothing is written if any entry has an absolute path or `..`, is a link that resolves outside
 * `destDir` (following the archive's own symlinks), lives below a symlink, is a device or FIFO, or if
 * the sizes add up to more than `maxBytes`. Returns the absolute paths of the files and links written,
 * in archive order.
 */
export async function extractTarGz(
  file: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  const plan = await planExtraction(file, options);
  await mkdir(destDir, { recursive: true });
  const cwd = await realpath(destDir);
  const problems: string[] = [];
  try {
    await extractTar({
      file,
      cwd,
      strict: true,
      preserveOwner: false,
      onwarn: (code, message) => {
        if (code !== "TAR_ENTRY_INFO") problems.push(`${code}: ${String(message)}`);
      },
    });
  } catch (cause) {
    throw new MlshipError("E_INVALID_INPUT", `could not extract ${file}: ${(cause as Error).message}`, {
      where: file,
      cause,
    });
  }
  if (problems.length > 0) {
    throw new MlshipError("E_INVALID_INPUT", `could not extract ${file}: ${problems.join("; ")}`, {
      where: file,
    });
  }
  const written = new Set<string>();
  for (const entry of plan) {
    if (entry.type !== "dir") written.add(path.join(cwd, entry.path));
  }
  return [...written];
}

/** Reads the archive once without writing anything and returns its entries, or throws on the first unsafe one. */
export async function planExtraction(file: string, options: ExtractOptions = {}): Promise<PlannedEntry[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EXTRACT_BYTES;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_EXTRACT_ENTRIES;
  const entries: PlannedEntry[] = [];
  let total = 0;

  const reject = (message: string, entryPath?: string): MlshipError =>
    new MlshipError("E_INVALID_INPUT", `unsafe archive ${path.basename(file)}: ${message}`, {
      where: entryPath ? `${file}: ${entryPath}` : file,
      hint: "Only extract archives from sources you trust; this one was refused before writing anything.",
    });

  await new Promise<void>((resolve, reject_) => {
    const source = createReadStream(file);
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      source.destroy();
      reject_(error);
    };
    const parser = listTar({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (failed) return;
        try {
          const planned = checkEntry(entry, reject);
          if (planned) entries.push(planned);
          if (planned?.type === "file") total += entry.size ?? 0;
          if (total > maxBytes) throw reject(`more than ${maxBytes} bytes uncompressed`);
          if (entries.length > maxEntries) throw reject(`more than ${maxEntries} entries`);
        } catch (error) {
          fail(error);
        }
      },
    });
    parser.on("error", (cause: Error) =>
      fail(
        new MlshipError("E_INVALID_INPUT", `not a valid tar archive: ${file}: ${cause.message}`, {
          where: file,
          cause,
        }),
      ),
    );
    source.on("error", (cause: NodeJS.ErrnoException) =>
      fail(
        new MlshipError(
          cause.code === "ENOENT" ? "E_NOT_FOUND" : "E_INVALID_INPUT",
          `cannot read ${file}: ${cause.message}`,
          { where: file, cause },
        ),
      ),
    );
    parser.on("end", () => {
      if (!failed) resolve();
    });
    source.pipe(parser);
  });

  checkLinks(entries, reject);
  return entries;
}

function checkEntry(
  entry: ReadEntry,
  reject: (m: string, p?: string) => MlshipError,
): PlannedEntry | undefined {
  const raw = String(entry.path);
  const rel = normaliseEntryPath(raw, reject);
  if (rel === "") return undefined; // "./": the root itself
  const type = String(entry.type);
  if (FILE_TYPES.has(type)) return { path: rel, type: "file" };
  if (DIR_TYPES.has(type)) return { path: rel, type: "dir" };
  if (type === "SymbolicLink" || type === "Link") {
    const linkpath = String(entry.linkpath ?? "");
    if (
      linkpath === "" ||
      path.posix.isAbsolute(linkpath) ||
      /^[a-zA-Z]:/.test(linkpath) ||
      linkpath.includes("\\")
    ) {
      throw reject(`link ${raw} points to an absolute or unusable target "${linkpath}"`, raw);
    }
    return { path: rel, type: type === "Link" ? "hardlink" : "symlink", linkpath };
  }
  throw reject(`entry ${raw} is a ${type}; only files, directories and links are extracted`, raw);
}

function normaliseEntryPath(raw: string, reject: (m: string, p?: string) => MlshipError): string {
  if (raw.startsWith("/") || /^[a-zA-Z]:/.test(raw) || raw.startsWith("\\")) {
    throw reject(`absolute path ${raw}`, raw);
  }
  const segments = raw.split(/[/\\]/).filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw reject(`path ${raw} contains ".."`, raw);
  return segments.join("/");
}

/**
 * Resolves every link against the archive's own symlinks, as the file system will after extraction,
 * and rejects any that leaves the root; also rejects entries placed below a symlink (tar would follow it).
 */
function checkLinks(entries: PlannedEntry[], reject: (m: string, p?: string) => MlshipError): void {
  const symlinks = new Map<string, string>();
  const types = new Map<string, PlannedEntry["type"]>();
  for (const e of entries) {
    const previous = types.get(e.path);
    if (previous && (previous !== e.type || e.type === "symlink" || e.type === "hardlink")) {
      throw reject(`${e.path} appears twice with different types or as a link`, e.path);
    }
    types.set(e.path, e.type);
    if (e.type === "symlink") symlinks.set(e.path, e.linkpath as string);
  }
  for (const e of entries) {
    const parts = e.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join("/");
      if (symlinks.has(ancestor)) throw reject(`${e.path} lies below the symlink ${ancestor}`, e.path);
    }
  }
  for (const e of entries) {
    if (e.type === "symlink") {
      const dir = path.posix.dirname(e.path);
      const resolved = resolveInside(dir === "." ? [] : dir.split("/"), e.linkpath as string, symlinks);
      if (resolved === undefined)
        throw reject(`symlink ${e.path} -> ${e.linkpath} escapes the target directory`, e.path);
    } else if (e.type === "hardlink") {
      // Hard link targets are relative to the archive root, and must be a file this archive wrote.
      const resolved = resolveInside([], e.linkpath as string, symlinks);
      if (resolved === undefined)
        throw reject(`hard link ${e.path} -> ${e.linkpath} escapes the target directory`, e.path);
      if (types.get(resolved) !== "file") {
        throw reject(`hard link ${e.path} -> ${e.linkpath} does not point to a file in the archive`, e.path);
      }
    }
  }
}

/**
 * Walks `target` from `base` (root-relative segments) the way the kernel would, expanding the
 * archive's symlinks; returns the root-relative result or undefined if it goes above the root.
 */
function resolveInside(
  base: string[],
  target: string,
  symlinks: ReadonlyMap<string, string>,
): string | undefined {
  const stack = [...base];
  const pending = target.split("/").reverse();
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.pop() as string;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(segment);
    const link = symlinks.get(stack.join("/"));
    if (link !== undefined) {
      if (++hops > 40) return undefined; // ELOOP: refuse rather than guess
      if (path.posix.isAbsolute(link)) return undefined;
      stack.pop();
      pending.push(...link.split("/").reverse());
    }
  }
  return stack.join("/");
}
