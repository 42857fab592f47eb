import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "@mlship/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DocBlock, readBlocks, TESTED_LANGS } from "../test/doc-blocks.js";
import {
  isTestProgram,
  locate,
  programs,
  runSnippet,
  runTestSnippets,
  type Snippet,
  typecheck,
  writeSnippets,
} from "../test/doc-snippets.js";
import { runCli } from "../test/run-cli.js";

// Every README's shell blocks run in order as one bash session, as a user would type them, against an
// emulator; blocks marked `<!-- doc-test: ... -->` are checked to be marked, not run (see the root README).
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/**
 * Every README of the repository, at any depth; not those of installed or built code, nor the copy of
 * examples/ that the CLI's `prepack` makes in packages/cli/examples.
 */
const NOT_SOURCE = /(^|\/)(node_modules|dist|out-tsc)\/|^packages\/cli\/examples\//;
const READMES = [
  "README.md",
  ...["packages", "examples"].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .map((path) => `${dir}/${path}`)
      .filter((path) => /(^|\/)README\.md$/.test(path) && !NOT_SOURCE.test(path))
      .sort(),
  ),
];
/** What the READMEs tell a user to export after `mlship emulator`; the harness's emulator listens elsewhere. */
const DOCUMENTED_ENDPOINT = "http://127.0.0.1:4566";

let emulator: Emulator;
let work: string;

beforeAll(async () => {
  emulator = await startEmulator();
  // A checkout as the root README's user has it: the examples, and the installed node_modules.
  work = mkdtempSync(join(tmpdir(), "mlship-readme-"));
  cpSync(join(ROOT, "examples"), join(work, "examples"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(work, "node_modules"));
});
afterAll(async () => {
  await emulator?.stop();
  if (work) await deleteLocalDeployments(join(work, ".mlship", "local"));
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * A snippet that failed between a local deploy and its delete leaves a detached model server (local
 * deployments outlive their process on purpose): delete what is left, through the CLI, as a user would.
 */
async function deleteLocalDeployments(stateDir: string): Promise<void> {
  const dir = join(stateDir, "deployments");
  const names = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of names) {
    await runCli(["deployments", "delete", name, "--target", "local", "--ignore-not-found"], {
      env: { MLSHIP_LOCAL_STATE_DIR: stateDir },
    });
  }
}

const blocks = READMES.flatMap((file) => readBlocks(ROOT, file)).filter((b) => TESTED_LANGS.has(b.lang));
const at = (b: DocBlock) => `${b.file}:${b.line}`;

/** A path a marker names, relative to its README's folder or to the root. */
function markerPath(b: DocBlock, path: string): string | undefined {
  return [resolve(ROOT, dirname(b.file), path), resolve(ROOT, path)].find((p) => existsSync(p));
}

describe("README code blocks", () => {
  it.each(blocks.filter((b) => b.kind === "example"))(
    "$file:$line is run by the test its marker names",
    (b) => {
      const test = markerPath(b, b.runBy ?? "");
      expect(test, `${at(b)}: no test file ${b.runBy}`).toBeDefined();
      expect(readFileSync(test as string, "utf8"), `${at(b)}: ${b.runBy} does not run it`).toContain(
        `example: ${b.exampleName}`,
      );
      if (b.shows === undefined) return;
      const shown = markerPath(b, b.shows);
      expect(shown, `${at(b)}: no file ${b.shows}`).toBeDefined();
      expect(b.code, `${at(b)}: differs from ${b.shows}; copy the file into the README`).toBe(
        readFileSync(shown as string, "utf8"),
      );
    },
  );

  // Unmarked TypeScript runs; what is marked not to run must say why, so a snippet cannot opt out in silence.
  it("every fragment says why it cannot run offline", () => {
    expect(blocks.filter((b) => b.kind === "fragment" && !b.reason).map(at)).toEqual([]);
  });

  it("only TypeScript blocks continue one another", () => {
    expect(blocks.filter((b) => b.kind === "continues" && b.lang !== "ts").map(at)).toEqual([]);
  });
});

const runnableTs = blocks.filter((b) => b.lang === "ts" && (b.kind === "run" || b.kind === "continues"));
// Examples run by their own tests are typechecked here too; one that shows a file is checked with that file.
const tsExamples = blocks.filter((b) => b.lang === "ts" && b.kind === "example" && b.shows === undefined);
// What needs a real cloud cannot run here, but it is typechecked, so it cannot drift from the API either.
const tsCloud = blocks.filter((b) => b.lang === "ts" && b.kind === "cloud");
const shellReadmes = READMES.filter((f) => readBlocks(ROOT, f).some(isRunnableShell));
let snippets: Snippet[] = [];
let snippetDir = "";

beforeAll(() => {
  // Inside the repository, so `@mlship/*` and their dependencies resolve as in a user's project.
  snippetDir = mkdtempSync(join(ROOT, ".doc-test-"));
  snippets = writeSnippets(ROOT, snippetDir, runnableTs, { examples: tsExamples, cloud: tsCloud });
});
afterAll(() => {
  if (snippetDir) rmSync(snippetDir, { recursive: true, force: true });
});

// Programs are named by their first block (README and line); test files run together under vitest.
const groups = programs(runnableTs);
const scripts = groups.filter((g) => !isTestProgram(g)).map((g) => g[0] as DocBlock);

// The typecheck (CPU), the shell sessions (mostly waiting on jobs) and the test snippets (their own state
// folder) overlap; the other snippets then run one by one, since some share fixed paths (/tmp/job) and
// deployment names with the sessions.
describe("README shell sessions and the snippets' typecheck", () => {
  it.concurrent("TypeScript snippets typecheck (tsc --noEmit)", async ({ expect }) => {
    const result = await typecheck(snippetDir);
    expect(result.code, locate(result.output, snippets)).toBe(0);
  }, 300_000);

  (groups.some(isTestProgram) ? it.concurrent : it.skip)(
    "TypeScript test snippets pass under vitest",
    async ({ expect }) => {
      const tests = snippets.filter((s) => s.test && !s.checkOnly);
      const result = await runTestSnippets(snippetDir, tests, work, { ...userEnv(true), ...emulatorEnv() });
      expect(result.code, `vitest failed:\n${result.output.slice(-6000)}`).toBe(0);
    },
    240_000,
  );

  it.concurrent.for(shellReadmes)(
    "%s: shell blocks run in order against the emulator",
    { timeout: 300_000 },
    async (file, { expect }) => {
      const session = readBlocks(ROOT, file).filter(isRunnableShell);
      const result = await runSession(session, file === "README.md");
      const failed = session.find((b) => b.line === result.block);
      expect(result.code, `${failed ? at(failed) : file} failed:\n${result.output.slice(-4000)}`).toBe(0);
    },
  );
});

describe("README TypeScript snippets", () => {
  it.each(scripts)(
    "$file:$line runs against the emulator",
    async (block) => {
      const snippet = snippets.find((s) => s.blocks[0] === block && !s.checkOnly) as Snippet;
      const result = await runSnippet(snippet, work, { ...userEnv(true), ...emulatorEnv() });
      expect(result.code, `${at(block)} failed:\n${result.output.slice(-4000)}`).toBe(0);
    },
    180_000,
  );

  it("no js block runs unmarked", () => {
    expect(blocks.filter((b) => b.lang === "js" && b.kind === "run").map(at)).toEqual([]);
  });
});

function isRunnableShell(b: DocBlock): boolean {
  return (b.lang === "sh" || b.lang === "bash") && b.kind === "run";
}

interface SessionResult {
  code: number | null;
  /** Line of the block that was running when the session ended. */
  block: number;
  output: string;
}

/** One bash session; before each block it records the block's line, so a failure names it. */
function runSession(session: DocBlock[], ownPath: boolean): Promise<SessionResult> {
  const script = [
    "set -euo pipefail",
    ...session.flatMap((b) => [
      `echo ${b.line} > "$DOC_TEST_BLOCK"`,
      b.code.replaceAll(DOCUMENTED_ENDPOINT, emulator.endpoint),
    ]),
  ].join("\n");
  const state = join(work, `.block-${process.pid}`);
  const env: NodeJS.ProcessEnv = { ...userEnv(!ownPath), DOC_TEST_BLOCK: state };
  return new Promise((done, fail) => {
    const child = spawn("bash", ["-c", script], { cwd: work, env, detached: true, stdio: "pipe" });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("error", fail);
    child.on("close", (code) => {
      // Whatever a block left running in the background (e.g. `mlship emulator &`) goes with the session.
      try {
        process.kill(-(child.pid as number), "SIGTERM");
      } catch {}
      const block = existsSync(state) ? Number(readFileSync(state, "utf8")) : 0;
      done({ code, block, output });
    });
  });
}

/** The environment a user's shell has: no AWS or mlship settings, no node_modules/.bin (npx adds it). */
function userEnv(installed: boolean): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "").split(":").filter((p) => !p.includes("node_modules"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The root README puts the checkout's mlship on PATH itself; elsewhere it is installed.
    PATH: [...(installed ? [join(ROOT, "node_modules", ".bin")] : []), ...path].join(":"),
    NO_COLOR: "1",
  };
  for (const k of Object.keys(env)) if (/^(AWS|MLSHIP)_/.test(k)) delete env[k];
  // Not the reader's setting: it keeps the sessions' records out of the real ~/.mlship (vitest.config.ts).
  env.MLSHIP_STATE_DIR = process.env.MLSHIP_STATE_DIR;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  return env;
}

/** What the READMEs tell a user to export once `mlship emulator` runs. */
const emulatorEnv = (): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL: emulator.endpoint,
  AWS_REGION: emulator.region,
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  MLSHIP_SAGEMAKER_ROLE: `arn:aws:iam::${emulator.accountId}:role/mlship`,
});
