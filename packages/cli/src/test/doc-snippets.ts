import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import type { DocBlock } from "./doc-blocks.js";

const require = createRequire(import.meta.url);

/** One program: a README's TypeScript block and the blocks marked `continues` after it. */
export interface Snippet {
  blocks: DocBlock[];
  /** The program as a TypeScript file inside the repository, so workspace imports resolve. */
  path: string;
  /** A test file (it imports vitest or the conformance kit): vitest runs it, as its reader would. */
  test: boolean;
  /** Typechecked only: an example (its own test runs it) or a block that needs a real cloud. */
  checkOnly?: boolean;
}

/**
 * Groups runnable TypeScript blocks into programs: a `continues` block joins the program before it in the
 * same README (a user pasting them in order gets one file). A `continues` block with nothing to continue is
 * an error naming it.
 */
export function programs(blocks: DocBlock[]): DocBlock[][] {
  const groups: DocBlock[][] = [];
  for (const block of blocks) {
    const last = groups.at(-1);
    if (block.kind !== "continues") groups.push([block]);
    else if (last?.[0]?.file === block.file) last.push(block);
    else
      throw new Error(
        `${block.file}:${block.line}: marked continues, but no TypeScript block comes before it`,
      );
  }
  return groups;
}

const TEST_IMPORT = /^import [^;]*from ["'](vitest|@mlship\/testing\/conformance)["']/m;

/** A program that imports vitest or the conformance kit is a test file: vitest runs it, as its reader would. */
export const isTestProgram = (blocks: DocBlock[]): boolean =>
  TEST_IMPORT.test(blocks.map((b) => b.code).join(""));

/**
 * A TypeScript example run by its own test (`<!-- example: ... -->`) uses what the README set up before it (the
 * target...): it is typechecked after the README's program before it, in that program's scope. Not run here.
 */
export function exampleInScope(example: DocBlock, groups: DocBlock[][]): DocBlock[] {
  const before = groups.filter((g) => g[0]?.file === example.file && (g[0]?.line ?? 0) < example.line).at(-1);
  return [...(before ?? []), example];
}

/** Blocks typechecked but not run: examples (in their program's scope) and cloud programs (alone). */
export interface CheckOnly {
  examples?: DocBlock[];
  cloud?: DocBlock[];
}

/**
 * Writes each program to `dir` (inside the repository), and each block that is only checked, with a
 * tsconfig that typechecks them all, without emitting.
 */
export function writeSnippets(
  root: string,
  dir: string,
  blocks: DocBlock[],
  check: CheckOnly = {},
): Snippet[] {
  mkdirSync(dir, { recursive: true });
  const groups = programs(blocks);
  const write = (group: DocBlock[], checkOnly: boolean): Snippet => {
    // Named after its first block; an example checked in scope after the example itself.
    const first = (checkOnly ? group.at(-1) : group[0]) as DocBlock;
    const test = isTestProgram(group);
    const suffix = `${checkOnly ? "-check" : ""}${test ? ".test" : ""}`;
    const name = `${first.file.replaceAll(/[^\w]+/g, "-")}-L${first.line}${suffix}.ts`;
    const path = join(dir, name);
    // `export {}` makes even an import-less snippet a module, where top-level await is allowed.
    writeFileSync(path, `${group.map((b) => b.code).join("")}export {};\n`);
    return { blocks: group, path, test, ...(checkOnly ? { checkOnly } : {}) };
  };
  const snippets = [
    ...groups.map((group) => write(group, false)),
    ...(check.examples ?? []).map((example) => write(exampleInScope(example, groups), true)),
    ...(check.cloud ?? []).map((block) => write([block], true)),
  ];
  const tsconfig = {
    extends: relative(dir, join(root, "tsconfig.base.json")),
    compilerOptions: {
      noEmit: true,
      composite: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
    },
    files: snippets.map((s) => relative(dir, s.path)),
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
  return snippets;
}

export interface Outcome {
  code: number | null;
  output: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
) {
  return new Promise<Outcome>((done) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, output: `${stdout}${stderr}${error && code !== 0 ? `\n${error.message}` : ""}` });
      },
    );
  });
}

/** `tsc --noEmit -p dir`: errors name the snippet files, which `locate` maps back to README lines. */
export const typecheck = (dir: string): Promise<Outcome> =>
  run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", dir, "--pretty", "false"], {
    cwd: dir,
    timeoutMs: 240_000,
  });

/** Runs a snippet with tsx on the workspace's sources, as `node --conditions=@mlship/source --import tsx` would. */
export const runSnippet = (snippet: Snippet, cwd: string, env: NodeJS.ProcessEnv): Promise<Outcome> =>
  run(process.execPath, ["--conditions=@mlship/source", "--import", "tsx", snippet.path], {
    cwd,
    env,
    timeoutMs: 120_000,
  });

/**
 * Runs the test snippets with vitest in one process (one start-up for all), from `cwd` as a user's project.
 * The config gives vitest the workspace's `@mlship/source` condition, as the repository's own tests have.
 */
export function runTestSnippets(dir: string, snippets: Snippet[], cwd: string, env: NodeJS.ProcessEnv) {
  const config = join(dir, "vitest.config.mjs");
  writeFileSync(
    config,
    `export default { resolve: { conditions: ["@mlship/source"] }, ssr: { resolve: { conditions: ["@mlship/source"] } },
  test: { include: ${JSON.stringify(snippets.map((s) => relative(dir, s.path)))}, testTimeout: 120000, hookTimeout: 120000 } };\n`,
  );
  const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");
  // A clean start: nothing of this test run's own vitest worker (VITEST_POOL_ID, ...) reaches the child.
  const own = Object.fromEntries(Object.entries(env).filter(([k]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(k)));
  return run(process.execPath, [vitest, "run", "--root", dir, "--config", config], {
    cwd,
    env: own,
    timeoutMs: 240_000,
  });
}

/** The README line of line `line` (1-based) of a snippet's file. */
export function readmeLine(snippet: Snippet, line: number): { file: string; line: number } {
  let rest = line;
  for (const block of snippet.blocks) {
    const lines = block.code.split("\n").length - 1;
    if (rest <= lines) return { file: block.file, line: block.line + rest };
    rest -= lines;
  }
  const last = snippet.blocks.at(-1) as DocBlock;
  return { file: last.file, line: last.line };
}

/** Rewrites `<file>.ts(line,col)` in tsc's output as the README's path and line. */
export function locate(output: string, snippets: Snippet[]): string {
  let text = output;
  for (const s of snippets) {
    const name = s.path.split("/").at(-1) as string;
    text = text.replaceAll(
      new RegExp(`[^\\s]*${name.replaceAll(".", "\\.")}\\((\\d+),(\\d+)\\)`, "g"),
      (_m, line: string, col: string) => {
        const at = readmeLine(s, Number(line));
        return `${at.file}:${at.line}:${col}`;
      },
    );
  }
  return text;
}
