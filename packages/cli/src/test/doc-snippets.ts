import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import type { DocBlock } from "./doc-blocks.js";

const require = createRequire(import.meta.url);

export interface Snippet {
  block: DocBlock;
  /** The snippet as a TypeScript file inside the repository, so workspace imports resolve. */
  path: string;
}

/** Writes each block to `dir` (inside the repository) with a tsconfig that typechecks them all, without emitting. */
export function writeSnippets(root: string, dir: string, blocks: DocBlock[]): Snippet[] {
  mkdirSync(dir, { recursive: true });
  const snippets = blocks.map((block) => {
    const name = `${block.file.replaceAll(/[^\w]+/g, "-")}-L${block.line}.ts`;
    const path = join(dir, name);
    // `export {}` makes even an import-less snippet a module, where top-level await is allowed.
    writeFileSync(path, `${block.code}export {};\n`);
    return { block, path };
  });
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

/** Rewrites `<file>.ts(line,col)` in tsc's output as the README's path and line. */
export function locate(output: string, snippets: Snippet[]): string {
  let text = output;
  for (const s of snippets) {
    const name = s.path.split("/").at(-1) as string;
    text = text.replaceAll(
      new RegExp(`[^\\s]*${name.replaceAll(".", "\\.")}\\((\\d+),(\\d+)\\)`, "g"),
      (_m, line: string, col: string) => `${s.block.file}:${s.block.line + Number(line)}:${col}`,
    );
  }
  return text;
}
