import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repo = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws on a non-zero exit (the caller looks at the code). */
export async function sh(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Result> {
  try {
    const { stdout, stderr } = await run(cmd, args, {
      cwd,
      env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A fresh folder outside the repository. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `npm pack` of every workspace package (their dist must be built) into `dir`: package name -> tarball path. */
export async function packWorkspaces(dir: string): Promise<Map<string, string>> {
  for (const name of readdirSync(join(repo, "packages"))) {
    const pkg = join(repo, "packages", name);
    if (existsSync(join(pkg, "package.json")) && !existsSync(join(pkg, "dist"))) {
      throw new Error(`packages/${name} has no dist: build first (npx tsc -b)`);
    }
  }
  const packed = await sh("npm", ["pack", "--workspaces", "--json", "--pack-destination", dir], repo);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const out = new Map<string, string>();
  for (const entry of JSON.parse(packed.stdout) as Array<{ name: string; filename: string }>) {
    out.set(entry.name, join(dir, entry.filename));
  }
  return out;
}

/**
 * A new project in `dir` depending on `wanted` (tarballs), with every other @mlship package it may need
 * resolved to its tarball too (npm overrides apply to packages the tree pulls in; they add none), installed
 * from npm's cache; `registry` adds third-party packages (name -> range), also from the cache.
 */
export async function installProject(
  dir: string,
  wanted: readonly string[],
  tarballs: ReadonlyMap<string, string>,
  registry: Readonly<Record<string, string>> = {},
): Promise<Result> {
  mkdirSync(dir, { recursive: true });
  const spec = (name: string) => {
    const file = tarballs.get(name);
    if (!file) throw new Error(`no tarball for ${name}`);
    return `file:${file}`;
  };
  const overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, spec(name)]));
  for (const name of wanted) delete overrides[name];
  const manifest = {
    name: "packed-install-check",
    private: true,
    type: "module",
    dependencies: { ...registry, ...Object.fromEntries(wanted.map((name) => [name, spec(name)])) },
    overrides,
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], dir);
}

export const installed = (dir: string, name: string) =>
  existsSync(join(dir, "node_modules", name, "package.json"));

export const readJson = <T>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;
