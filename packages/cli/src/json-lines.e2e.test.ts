// `logs --follow --json` prints JSON lines (NDJSON). A follow ends with Ctrl-C (E_ABORTED, exit 130), and that
// error must be one more JSON line, not a pretty-printed object: the built CLI, spawned, against the local target.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { json, ok } from "./test/emulator-cli.js";
import { type CliResult, type RunOptions, runCli } from "./test/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "mlship-cli-json-lines-"));
const env = { MLSHIP_LOCAL_STATE_DIR: join(work, "local-state") };
const code = join(work, "code");
mkdirSync(code, { recursive: true });
// A training job that says something, then keeps running until it is stopped.
writeFileSync(
  join(code, "train.mjs"),
  'console.log("epoch 1 done");\nif (process.env.SM_HP_WAIT === "1") await new Promise((r) => setTimeout(r, 600000));\n',
);
writeFileSync(
  join(code, "inference.mjs"),
  'export function modelFn() { console.log("model loaded"); return {}; }\n',
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: string[], options: RunOptions = {}) =>
  runCli([...args, "--target", "local"], { cwd: work, env, ...options });
const train = (name: string, wait: boolean, onOutput?: RunOptions["onOutput"]) =>
  cli(
    [
      "train",
      "--entry-point",
      "train.mjs",
      "--source-dir",
      code,
      "--framework",
      "node",
      "--base-job-name",
      name,
    ].concat(wait ? ["--hp", "wait=1"] : []),
    { onOutput },
  );

/** `mlship <args>` until it has printed `text` on stdout, then Ctrl-C. */
function followUntil(args: string[], text: string) {
  let stopped = false;
  return cli(args, {
    timeoutMs: 60_000,
    onOutput: (output, child) => {
      if (!stopped && output.includes(text)) {
        stopped = true;
        child.kill("SIGINT");
      }
    },
  });
}

/** Every stdout line is one JSON value; the last is the E_ABORTED error. */
function expectJsonLines(r: CliResult, text: string) {
  expect(r.code, r.stderr).toBe(130);
  const lines = r.stdout.trimEnd().split("\n");
  const parsed = lines.map((line) => JSON.parse(line) as { message?: string; error?: { code: string } });
  expect(parsed.some((l) => l.message?.includes(text))).toBe(true);
  expect(parsed.at(-1)?.error?.code).toBe("E_ABORTED");
}

describe("logs --follow --json, ended by Ctrl-C", () => {
  it("jobs logs: every stdout line parses as JSON, the error too", async () => {
    let trainer: { kill(signal: NodeJS.Signals): boolean } | undefined;
    const training = train("follow", true, (_all, child) => {
      trainer = child;
    });
    let job: string | undefined;
    for (let i = 0; i < 200 && !job; i++) {
      const jobs = json<Array<{ jobName: string }>>(await cli(["jobs", "list", "--json"]));
      job = jobs.find((j) => j.jobName.startsWith("follow-"))?.jobName;
    }
    expect(job).toBeDefined();
    const r = await followUntil(["jobs", "logs", job ?? "", "--follow", "--json"], "epoch 1 done");
    expectJsonLines(r, "epoch 1 done");
    trainer?.kill("SIGINT");
    expect((await training).code).toBe(130);
  }, 120_000);

  it("deployments logs: every stdout line parses as JSON, the error too", async () => {
    ok(await train("served", false));
    const jobs = json<Array<{ jobName: string }>>(await cli(["jobs", "list", "--json"]));
    const job = jobs.find((j) => j.jobName.startsWith("served-"))?.jobName ?? "";
    const deploy = ["deploy", "--model", job, "--name", "json-lines", "--source-dir", code];
    ok(await cli([...deploy, "--entry-point", "inference.mjs"]));
    try {
      const r = await followUntil(
        ["deployments", "logs", "json-lines", "--follow", "--json"],
        "model loaded",
      );
      expectJsonLines(r, "model loaded");
    } finally {
      await cli(["deployments", "delete", "json-lines", "--ignore-not-found"]);
    }
  }, 120_000);
});
