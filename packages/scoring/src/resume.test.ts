import { spawnSync } from "node:child_process";
import { appendFile, mkdir, readFile, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHttpInvoker } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkpointPaths } from "./checkpoint.js";
import { createModelSource } from "./model-source.js";
import { type ScoreOptions, score } from "./score.js";
import { BINARY, dataset, writeCsv } from "./test/data.js";
import { startTestServer, type TestServer } from "./test/model-server.js";

let dir: string;
let server: TestServer;
let base: ScoreOptions & { out: string };
let expected: Buffer;
const cleanup: Array<() => Promise<void>> = [];
const d = dataset(BINARY, 3000, 61);

beforeEach(async () => {
  dir = tempDir("mlship-resume-");
  server = await startTestServer(BINARY);
  const invoker = createHttpInvoker({ url: server.url, retries: 0 });
  cleanup.push(
    () => server.close(),
    () => invoker.close(),
  );
  const data = join(dir, "data.csv");
  await writeCsv(data, d);
  const model = createModelSource({ invoker, features: d.features, retries: 0 });
  base = {
    model,
    data,
    out: join(dir, "scores.csv"),
    keep: ["id"],
    label: "target",
    batchSize: 100,
    retries: 0,
  };
  await score({ ...base, out: join(dir, "reference.csv") });
  expected = await readFile(join(dir, "reference.csv"));
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const spool = () => `${base.out}.mlship-spool.csv`;

/** A run stopped part-way (Ctrl-C at ~1500 rows), leaving a checkpoint and a spool. */
async function interrupted(): Promise<{ outputBytes: number }> {
  const controller = new AbortController();
  await expect(
    score({
      ...base,
      checkpointIntervalMs: 0,
      progressIntervalMs: 1,
      signal: controller.signal,
      events: (e) => {
        if (e.type === "score.progress" && e.rowsDone >= 1500) controller.abort(new Error("Ctrl-C"));
      },
    }),
  ).rejects.toMatchObject({ code: "E_ABORTED" });
  return JSON.parse(await readFile(checkpointPaths(base.out).json, "utf8"));
}

describe("score: resume checks the partial output before it appends", () => {
  it("keeps the output under a temporary name until the run completes", async () => {
    const { outputBytes } = await interrupted();
    await expect(stat(base.out)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(spool())).size).toBeGreaterThanOrEqual(outputBytes);
    await score({ ...base, resume: true });
    expect((await readFile(base.out)).equals(expected)).toBe(true);
    await expect(stat(spool())).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a partial output shorter than the checkpoint says (instead of padding it with NUL bytes)", async () => {
    const { outputBytes } = await interrupted();
    await truncate(spool(), outputBytes - 10);
    await expect(score({ ...base, resume: true })).rejects.toMatchObject({
      code: "E_CONFIG",
      where: spool(),
      message: expect.stringContaining(`is ${outputBytes - 10} bytes; the checkpoint says ${outputBytes}`),
      hint: expect.stringContaining("--restart"),
    });
    expect((await stat(spool())).size).toBe(outputBytes - 10); // untouched
  });

  it("refuses a deleted partial output", async () => {
    await interrupted();
    await unlink(spool());
    await expect(score({ ...base, resume: true })).rejects.toMatchObject({
      code: "E_CONFIG",
      message: expect.stringContaining("is missing"),
    });
  });

  it("refuses a partial output whose bytes changed, even at the same length", async () => {
    await interrupted();
    const text = await readFile(spool(), "utf8");
    await writeFile(spool(), text.replace("r1,", "r9,"));
    await expect(score({ ...base, resume: true })).rejects.toMatchObject({
      code: "E_CONFIG",
      message: expect.stringContaining("differs from what the checkpoint recorded"),
    });
  });

  it("cuts back bytes after the checkpoint (rows of the interrupted run) and completes the identical file", async () => {
    await interrupted();
    await appendFile(spool(), "r77777,0.5,\nhalf a li");
    const summary = await score({ ...base, resume: true });
    expect(summary.rows).toBe(3000);
    expect((await readFile(base.out)).equals(expected)).toBe(true);
  });

  it("refuses a corrupt checkpoint with its path and --restart as the hint; --restart starts over", async () => {
    await interrupted();
    const json = checkpointPaths(base.out).json;
    await writeFile(json, '{"version":2,"rows":');
    await expect(score({ ...base, resume: true })).rejects.toMatchObject({
      code: "E_CONFIG",
      where: json,
      hint: expect.stringContaining("--restart"),
    });
    const summary = await score({ ...base, restart: true });
    expect(summary).toMatchObject({ rows: 3000, resumedAt: 0 });
    expect((await readFile(base.out)).equals(expected)).toBe(true);
  });

  it("never discards an unfinished run silently: without resume or restart it is E_CONFIG", async () => {
    await interrupted();
    await expect(score(base)).rejects.toMatchObject({
      code: "E_CONFIG",
      hint: expect.stringMatching(/--resume.*--restart/),
    });
    expect((await stat(spool())).size).toBeGreaterThan(0);
  });
});

describe("score: one writer per output file", () => {
  it("refuses a second run on the same output with E_CONFLICT naming the first one's pid", async () => {
    server.faults.delayMs = 20;
    const first = score({ ...base, batchSize: 50, concurrency: 1 });
    await new Promise((r) => setTimeout(r, 100));
    await expect(score(base)).rejects.toMatchObject({
      code: "E_CONFLICT",
      message: expect.stringContaining(`pid ${process.pid}`),
      details: expect.objectContaining({ pid: process.pid }),
    });
    server.faults.delayMs = 0;
    await first;
    expect((await readFile(base.out)).equals(expected)).toBe(true);
    await expect(stat(checkpointPaths(base.out).lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("takes over the lock of a process that no longer runs (a crash)", async () => {
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    const { hostname } = await import("node:os");
    await writeFile(
      checkpointPaths(base.out).lock,
      JSON.stringify({ pid: dead, host: hostname(), what: "x", since: "" }),
    );
    await score(base);
    expect((await readFile(base.out)).equals(expected)).toBe(true);
  });

  it("reports output paths it cannot write as the user's mistake, naming the path", async () => {
    await writeFile(join(dir, "file"), "");
    await mkdir(join(dir, "folder"));
    for (const out of [join(dir, "missing", "s.csv"), join(dir, "file", "s.csv"), join(dir, "folder")]) {
      await expect(score({ ...base, out })).rejects.toMatchObject({
        code: "E_INVALID_INPUT",
        where: `out ${out}`,
      });
    }
    await expect(score({ ...base, data: dir })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
      where: `data ${dir}`,
    });
  });
});
