import { spawn } from "node:child_process";
import { appendFile, readFile, rm, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { createHttpInvoker } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointPaths } from "./checkpoint.js";
import { createModelSource } from "./model-source.js";
import { score } from "./score.js";
import { bundleScoreProcess } from "./test/bundle-process.js";
import { BINARY, dataset, lcg, writeCsv } from "./test/data.js";
import { startTestServer } from "./test/model-server.js";

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Outcome = { kind: "killed" } | { kind: "done" } | { kind: "refused"; code: string };

/** Runs the scorer in a child process and SIGKILLs it once it reports `killAt` rows done. */
function runChild(script: string, args: string[], killAt: number): Promise<Outcome> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let last = "";
  return new Promise((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      last = chunk.toString().trim().split("\n").at(-1) ?? "";
      const rows = Number(/^rows (\d+)$/.exec(last)?.[1] ?? 0);
      if (rows >= killAt) child.kill("SIGKILL");
    });
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve({ kind: "killed" });
      else if (last.startsWith("error ")) resolve({ kind: "refused", code: last.slice(6) });
      else resolve({ kind: "done" });
    });
  });
}

describe("score: fault injection", () => {
  it("killed at random points, its output truncated, extended or deleted between runs: every resume is byte-identical or E_CONFIG", async () => {
    const rng = lcg(1414);
    const dir = tempDir("mlship-fault-");
    const script = await bundleScoreProcess(dir);
    const d = dataset(BINARY, 2500, 71);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const server = await startTestServer(BINARY);
    const invoker = createHttpInvoker({ url: server.url, retries: 0 });
    cleanup.push(
      () => server.close(),
      () => invoker.close(),
    );
    const model = createModelSource({ invoker, features: d.features });
    const opts = { model, data, keep: ["id"], label: "target" };
    await score({ ...opts, out: join(dir, "reference.csv") });
    const expected = await readFile(join(dir, "reference.csv"));
    const out = join(dir, "scores.csv");
    const spool = `${out}.mlship-spool.csv`;
    server.faults.delayMs = 3;

    let kills = 0;
    let mode = "restart";
    let tamper = "none";
    const seen = { truncate: 0, extend: 0, delete: 0, done: 0 };
    for (let round = 0; round < 30 && kills < 10; round++) {
      const done = await readFile(checkpointPaths(out).json, "utf8")
        .then((t) => JSON.parse(t).rows as number)
        .catch(() => 0);
      const killAt = done + 100 + Math.floor(rng() * 900);
      const outcome = await runChild(script, [server.url, data, out, mode], killAt);
      if (tamper === "truncate" || tamper === "delete") {
        // Less than the checkpoint covers, or nothing: a resume must refuse, never append.
        expect(outcome).toEqual({ kind: "refused", code: "E_CONFIG" });
        mode = "restart";
        tamper = "none";
        continue;
      }
      expect(outcome.kind).not.toBe("refused");
      if (outcome.kind === "done") {
        seen.done++;
        expect((await readFile(out)).equals(expected)).toBe(true);
        await rm(out);
        mode = "restart";
        continue;
      }
      kills++;
      mode = "resume";
      const checkpoint = await readFile(checkpointPaths(out).json, "utf8")
        .then((t) => JSON.parse(t) as { outputBytes: number })
        .catch(() => undefined);
      const pick = rng();
      tamper = !checkpoint
        ? "none"
        : pick < 0.25
          ? "truncate"
          : pick < 0.5
            ? "extend"
            : pick < 0.65
              ? "delete"
              : "none";
      if (tamper === "truncate" && checkpoint)
        await truncate(spool, Math.floor(rng() * checkpoint.outputBytes));
      if (tamper === "extend")
        await appendFile(spool, `r${Math.floor(rng() * 1e6)},0.25,\n`.repeat(1 + Math.floor(rng() * 5)));
      if (tamper === "delete") await rm(spool);
      if (tamper !== "none") seen[tamper as "truncate" | "extend" | "delete"]++;
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(seen.truncate + seen.delete).toBeGreaterThan(0);
    expect(seen.extend).toBeGreaterThan(0);
    server.faults.delayMs = 0;
    const final = await score({ ...opts, out, resume: mode === "resume", restart: mode === "restart" });
    expect(final.rows).toBe(2500);
    expect((await readFile(out)).equals(expected)).toBe(true);
    await expect(stat(spool)).rejects.toMatchObject({ code: "ENOENT" });
  }, 120_000);
});
