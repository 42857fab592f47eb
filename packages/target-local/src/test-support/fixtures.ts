import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MlshipError, type ObjectStore } from "@mlship/core";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..", "..", "..");
export const sklearnExample = join(repoRoot, "examples", "sklearn-breast-cancer");
export const nodeExample = join(repoRoot, "examples", "node-breast-cancer");
export const trainCsv = join(sklearnExample, "data", "train.csv");
export const testCsv = join(sklearnExample, "data", "test.csv");

/** A temp dir removed by the returned cleanup. */
export async function tempDir(
  prefix = "mlship-local-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `files` (name -> content) under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** Our own ObjectStore port over a local directory: s3://bucket/key <-> <root>/bucket/key. */
export function dirObjectStore(root: string): ObjectStore & { calls: string[] } {
  const calls: string[] = [];
  const pathOf = (uri: string) => join(root, uri.replace(/^s3:\/\//, ""));
  async function walk(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) out.push(...(await walk(full)));
      else out.push(full);
    }
    return out;
  }
  return {
    calls,
    async download(uri, dir) {
      calls.push(`download ${uri}`);
      const source = pathOf(uri);
      await mkdir(dir, { recursive: true });
      if (uri.endsWith("/")) {
        // As the S3 stores do: an empty prefix is E_NOT_FOUND.
        const files = await walk(source).catch(() => []);
        if (files.length === 0) throw new MlshipError("E_NOT_FOUND", `No objects under ${uri}`);
        const written: string[] = [];
        for (const file of files) {
          const target = join(dir, relative(source, file));
          await mkdir(dirname(target), { recursive: true });
          await cp(file, target);
          written.push(target);
        }
        return written;
      }
      await stat(source);
      const target = join(dir, basename(source));
      await cp(source, target);
      return [target];
    },
    async upload(file, uri) {
      calls.push(`upload ${uri}`);
      await mkdir(dirname(pathOf(uri)), { recursive: true });
      await cp(file, pathOf(uri));
    },
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of `pids` exists; returns the ones still alive. */
export async function waitGone(pids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(alive);
  }
  return left;
}

/** One malignant-looking row of the 30 features (the first test row of the UCI data). */
export const SAMPLE_ROW = [
  17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4,
  0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119,
  0.2654, 0.4601, 0.1189,
];

/** Pids of live processes whose command line contains `text` (Linux /proc). */
export async function processesMatching(text: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text) && Number(entry) !== process.pid) out.push(Number(entry));
  }
  return out;
}
