import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DataRef } from "@mlship/core";
import { emulatorClientConfig } from "@mlship/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { breastCancerData, emulatorForFile, json, nodeExample, ok } from "./test/emulator-cli.js";
import { BIN, runCli } from "./test/run-cli.js";

// The built CLI, spawned as a user would, against the emulator (real S3 and SageMaker SDK calls underneath).
const trainCsv = join(breastCancerData, "train.csv");
const work = mkdtempSync(join(tmpdir(), "mlship-cleanup-e2e-"));
const state = join(work, "state");
const e2e = emulatorForFile({
  role: "cleanup-e2e",
  work,
  env: { MLSHIP_STATE_DIR: state, MLSHIP_LOCAL_STATE_DIR: join(work, "local") },
});
const { env } = e2e;
let s3: S3Client;

beforeAll(() => {
  s3 = new S3Client(emulatorClientConfig(e2e.emulator));
});
afterAll(() => s3?.destroy());

const cli = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd: work, env: { ...env, ...extra } });

const split = (uri: string) => {
  const [, bucket = "", key = ""] = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) ?? [];
  return { bucket, key };
};
const exists = (uri: string) =>
  s3.send(new HeadObjectCommand({ Bucket: split(uri).bucket, Key: split(uri).key })).then(
    () => true,
    () => false,
  );
const put = (uri: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: split(uri).bucket, Key: split(uri).key, Body: body }));

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
/**
 * The CLI under a real pseudo-terminal (util-linux `script`), `answer` typed at its prompt. Spawned, not
 * spawnSync'd: the emulator answering it lives in this process.
 */
function underTerminal(args: string[], answer: string): Promise<{ status: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd: work,
    env: { ...process.env, ...env, NO_COLOR: "1" } as NodeJS.ProcessEnv,
  });
  child.stdin.end(answer);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    }),
  );
}

/**
 * Trains the Node example on a local file with the sagemaker target: the CLI stages it to (emulated) S3,
 * reports it as a `data.staged` event (--events) and ends its human output with how to remove it.
 */
async function trainWithLocalData(): Promise<{ job: string; staged: DataRef }> {
  const flags = "--target sagemaker --entry-point train.mjs --framework node --hp epochs=20 --events";
  const result = ok(
    await cli(["train", ...flags.split(" "), "--source-dir", nodeExample, "--data", `train=${trainCsv}`]),
  );
  const events = result.stderr
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; job?: string; ref?: DataRef });
  const staged = events.filter((e) => e.type === "data.staged");
  expect(staged).toHaveLength(1);
  const job = staged[0]?.job as string;
  expect(result.stdout).toMatch(new RegExp(`job: +${job}\n`));
  expect(result.stdout).toContain(`staged data: kept; \`mlship data cleanup ${job}\` deletes it\n`);
  return { job, staged: staged[0]?.ref as DataRef };
}

describe("mlship data cleanup", () => {
  let job = "";
  let objects: string[] = [];
  let mine: string[] = [];

  it("records what train staged (data list), and refuses to delete without --yes when stdin is not a terminal", async () => {
    const trained = await trainWithLocalData();
    job = trained.job;
    objects = trained.staged.objects;
    expect(objects).toEqual([`${trained.staged.uri}train.csv`]);
    for (const o of objects) expect(await exists(o)).toBe(true);
    // The user's own objects beside it: in the same bucket, under the same prefix, even in the channel's folder.
    const { bucket } = split(trained.staged.uri);
    mine = [
      `s3://${bucket}/my-own/data.csv`,
      `${trained.staged.uri}notes.txt`,
      `s3://${bucket}/mlship-data/x.csv`,
    ];
    for (const uri of mine) await put(uri, "the user's");

    const listed = json<Array<{ job: string; target: string; refs: DataRef[] }>>(
      await cli(["data", "list", "--json"]),
    );
    expect(listed).toEqual([
      expect.objectContaining({ job, target: "sagemaker", refs: [expect.objectContaining({ objects })] }),
    ]);
    expect(ok(await cli(["data", "list"])).stdout).toMatch(new RegExp(`${job} +sagemaker +train +1 `));

    const refused = await cli(["data", "cleanup", job]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/error \[E_USAGE\]: .*stdin is not a terminal/);
    expect(refused.stderr).toContain("--yes");
    for (const o of [...objects, ...mine]) expect(await exists(o)).toBe(true);
  });

  it("--dry-run prints what it would delete, and a 'no' at the terminal's prompt deletes nothing", async () => {
    const dry = ok(await cli(["data", "cleanup", job, "--dry-run"]));
    expect(dry.stdout).toBe(objects.map((o) => `(dryrun) delete: ${o}\n`).join(""));
    const declined = await underTerminal(["data", "cleanup", job], "n\n");
    expect(declined.output).toContain(`delete: ${objects[0]}`);
    expect(declined.output).toMatch(/Delete these 1 object\(s\) \(.*\)\? \[y\/N\]/);
    expect(declined.status).toBe(130);
    for (const o of [...objects, ...mine]) expect(await exists(o)).toBe(true);
  });

  it("refuses data staged through another endpoint, and an unknown job with a did-you-mean", async () => {
    const elsewhere = await cli(["data", "cleanup", job, "--yes"], {
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`--endpoint-url ${new URL(e2e.emulator.endpoint).origin}`);
    const typo = await cli(["data", "cleanup", `${job.slice(0, -1)}x`, "--yes"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(new RegExp(`E_NOT_FOUND[\\s\\S]*Did you mean "${job}"`));
    for (const o of objects) expect(await exists(o)).toBe(true);
  });

  // example: data-cleanup (the README's `mlship data` block)
  it("--yes deletes exactly the staged objects, never the user's; a second run is a no-op", async () => {
    const done = json<{ jobs: Array<{ job: string; result: string; objects: string[] }> }>(
      await cli(["data", "cleanup", job, "--yes", "--json"]),
    );
    expect(done.jobs).toEqual([expect.objectContaining({ job, result: "deleted", objects })]);
    for (const o of objects) expect(await exists(o)).toBe(false);
    for (const o of mine) expect(await exists(o)).toBe(true);

    const again = ok(await cli(["data", "cleanup", job, "--yes"]));
    expect(again.stdout).toMatch(new RegExp(`${job}: already cleaned up .*; nothing to delete`));
    for (const o of mine) expect(await exists(o)).toBe(true);
    expect(ok(await cli(["data", "cleanup", "--all", "--yes"])).stdout).toBe("Nothing to delete.\n");
  });

  it("asks on a terminal (a 'y' deletes), and --all covers every job not yet cleaned up", async () => {
    const a = await trainWithLocalData();
    const b = await trainWithLocalData();
    const answered = await underTerminal(["data", "cleanup", a.job], "y\n");
    expect(answered.status, answered.output).toBe(0);
    expect(await exists(a.staged.objects[0] as string)).toBe(false);
    expect(await exists(b.staged.objects[0] as string)).toBe(true);
    const all = ok(await cli(["data", "cleanup", "--all", "--yes"]));
    expect(all.stdout).toBe(b.staged.objects.map((o) => `delete: ${o}\n`).join(""));
    expect(await exists(b.staged.objects[0] as string)).toBe(false);
    for (const o of mine) expect(await exists(o)).toBe(true);
  });
});

describe("mlship data cleanup of a running job and of a tuning job", () => {
  it("refuses while the job still runs (it reads the data), and deletes once it is stopped", async () => {
    const code = join(work, "slow-code");
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, "slow.mjs"), "console.log('started'); setInterval(() => {}, 1000);\n");
    const flags = "--target sagemaker --entry-point slow.mjs --framework node --no-wait --events";
    const started = ok(
      await cli(["train", ...flags.split(" "), "--source-dir", code, "--data", `train=${trainCsv}`]),
    );
    const staged = started.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; job?: string; ref?: DataRef })
      .find((e) => e.type === "data.staged");
    const job = staged?.job as string;
    const object = staged?.ref?.objects[0] as string;
    const refused = await cli(["data", "cleanup", job, "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/E_CONFLICT.*still running[\s\S]*mlship jobs stop/);
    expect(await exists(object)).toBe(true);
    ok(await cli(["jobs", "stop", job, "--target", "sagemaker"]));
    let status = "";
    for (let i = 0; i < 100 && status !== "Stopped"; i++) {
      status = json<{ status: string }>(
        await cli(["jobs", "describe", job, "--target", "sagemaker", "--json"]),
      ).status;
      if (status !== "Stopped") await new Promise((r) => setTimeout(r, 200));
    }
    ok(await cli(["data", "cleanup", job, "--yes"]));
    expect(await exists(object)).toBe(false);
  });

  it("records what tune staged under the tuning job's name, and cleans it up once the tuning job ended", async () => {
    const flags =
      "--target sagemaker --entry-point train.mjs --framework node --metric acc=train_accuracy=([0-9.]+); --objective acc --range epochs=integer:5:10 --strategy Random --max-jobs 1 --max-parallel 1 --name cleanup-tune";
    ok(await cli(["tune", ...flags.split(" "), "--source-dir", nodeExample, "--data", `train=${trainCsv}`]));
    const records = json<Array<{ job: string; kind: string; refs: DataRef[] }>>(
      await cli(["data", "list", "--json"]),
    );
    const tuned = records.find((r) => r.job === "cleanup-tune");
    expect(tuned).toMatchObject({ kind: "tuning", refs: [expect.objectContaining({ channel: "train" })] });
    const objects = tuned?.refs.flatMap((r) => r.objects) ?? [];
    for (const o of objects) expect(await exists(o)).toBe(true);
    ok(await cli(["data", "cleanup", "cleanup-tune", "--yes"]));
    for (const o of objects) expect(await exists(o)).toBe(false);
  });
});

describe("mlship jobs delete", () => {
  const local = (args: string[]) => cli([...args, "--target", "local"]);
  const hanging = join(work, "hanging");

  // example: jobs-delete (the README's `mlship jobs delete` block)
  it("deletes a finished local job's state; refuses without --yes off a terminal; unknown names as kubectl does", async () => {
    const run = json<{ jobName: string; details: { workDir: string } }>(
      await local([
        "train",
        "--entry-point",
        "train.mjs",
        "--source-dir",
        nodeExample,
        "--data",
        `train=${trainCsv}`,
        "--hp",
        "epochs=5",
        "--json",
      ]),
    );
    const job = run.jobName;
    expect(existsSync(run.details.workDir)).toBe(true);

    const refused = await local(["jobs", "delete", job]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/E_USAGE.*stdin is not a terminal[\s\S]*--yes/);
    expect(existsSync(run.details.workDir)).toBe(true);

    const typo = await local(["jobs", "delete", `${job.slice(0, -1)}x`, "--yes"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(new RegExp(`E_NOT_FOUND[\\s\\S]*Did you mean "${job}"`));
    expect(existsSync(run.details.workDir)).toBe(true);

    expect(ok(await local(["jobs", "delete", job, "--yes"])).stdout).toBe(`Deleted ${job}.\n`);
    expect(existsSync(run.details.workDir)).toBe(false);
    expect((await local(["jobs", "describe", job])).code).toBe(1);
    expect((await local(["jobs", "delete", job, "--yes"])).code).toBe(1);
    expect(json(await local(["jobs", "delete", job, "--yes", "--ignore-not-found", "--json"]))).toEqual({
      job,
      deleted: false,
      found: false,
    });
  });

  it("refuses a running job (stop it first), and says the sagemaker target does not delete jobs", async () => {
    rmSync(hanging, { recursive: true, force: true });
    const code = join(hanging, "code");
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, "train.mjs"), "console.log('started'); setInterval(() => {}, 1000);\n");
    let job = "";
    const training = runCli(
      ["train", "--target", "local", "--entry-point", "train.mjs", "--source-dir", code, "--events"],
      {
        cwd: work,
        env,
        onOutput: (text) => {
          job ||= /(train-\d{4}(?:-\d+){6})/.exec(text)?.[1] ?? "";
        },
      },
    );
    for (let i = 0; i < 200 && !job; i++) await new Promise((r) => setTimeout(r, 100));
    expect(job).not.toBe("");
    const running = await local(["jobs", "delete", job, "--yes"]);
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/E_CONFLICT.*still running[\s\S]*mlship jobs stop/);
    ok(await local(["jobs", "stop", job]));
    await training;
    ok(await local(["jobs", "delete", job, "--yes"]));

    const sagemaker = await cli(["jobs", "delete", "any-job", "--yes", "--target", "sagemaker"]);
    expect(sagemaker.code).toBe(2);
    expect(sagemaker.stderr).toContain("The sagemaker target does not delete training jobs");
  });
});
