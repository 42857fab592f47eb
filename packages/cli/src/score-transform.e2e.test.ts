// `mlship score --engine transform` and `mlship transforms`, the built CLI spawned as a user would, against
// the emulator hosting the scikit-learn example: the same output and metrics as the client-side engine.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { emulatorClientConfig } from "@mlship/emulator";
import { createSageMakerTarget } from "@mlship/target-sagemaker";
import { beforeAll, describe, expect, it } from "vitest";
import { emulatorForFile, json } from "./test/emulator-cli.js";
import { type RunOptions, runCli } from "./test/run-cli.js";

const example = fileURLToPath(new URL("../../../examples/sklearn-breast-cancer/", import.meta.url));
const [HEADER = "", ...ROWS] = readFileSync(join(example, "data", "test.csv"), "utf8")
  .trim()
  .split("\n");
const FEATURES = HEADER.split(",").slice(1).join(",");
const work = mkdtempSync(join(tmpdir(), "mlship-cli-transform-"));
const data = join(work, "data.csv");
const e2e = emulatorForFile({ role: "cli-e2e", work });

beforeAll(async () => {
  writeFileSync(data, `${[`id,${HEADER}`, ...ROWS.map((r, i) => `case-${i},${r}`)].join("\n")}\n`);
  const target = createSageMakerTarget({ ...emulatorClientConfig(e2e.emulator), role: e2e.role });
  const run = await target.train({
    entryPoint: "train.py",
    sourceDir: example,
    channels: { train: join(example, "data", "train.csv"), test: join(example, "data", "test.csv") },
  });
  await target.deploy({
    name: "breast-cancer",
    model: { trainingJob: run.jobName, entryPoint: "inference.py" },
  });
  await target.close();
}, 300_000);

const cli = (args: string[], onOutput?: RunOptions["onOutput"]) =>
  runCli([...args, "--target", "sagemaker"], { cwd: work, env: e2e.env, onOutput });
const columns = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(","));

interface Summary {
  rows: number;
  job?: string;
  metrics: Record<string, unknown>;
}

/** The README's example commands, as written. */
function readmeCommands(): string[][] {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const block = /<!-- example: score-engine-transform[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .trim()
    .split("\n")
    .map((line) => line.split(/ +/).slice(1));
}

describe("mlship score --engine transform", () => {
  it("runs the README's example", async () => {
    const [scoreArgs = [], listArgs = []] = readmeCommands();
    copyFileSync(join(example, "data", "test.csv"), join(work, "test.csv"));
    const scored = await cli(scoreArgs);
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.stderr).toMatch(/breast-cancer-transform-\S+ Completed/);
    expect(readFileSync(join(work, "scores.csv"), "utf8").split("\n")[0]).toBe("score,error");
    const listed = await cli(listArgs);
    expect(listed.stdout).toMatch(/breast-cancer-transform-\S+ +Completed/);
  }, 240_000);

  it("writes the client-side engine's output and metrics", async () => {
    const common = [
      "score",
      "breast-cancer",
      "--data",
      data,
      "--features",
      FEATURES,
      "--label",
      "target",
      "--keep",
      "id",
    ];
    const client = json<Summary>(await cli([...common, "--out", join(work, "client.csv"), "--json"]));
    const transform = json<Summary>(
      await cli([
        ...common,
        ...["--engine", "transform", "--instance-count", "2", "--instance-type", "ml.c5.xlarge"],
        ...["--out", join(work, "transform.csv"), "--report", join(work, "report.html"), "--json"],
      ]),
    );
    expect(readFileSync(join(work, "report.html"), "utf8")).toContain("(batch transform)");
    const a = columns(join(work, "client.csv"));
    const b = columns(join(work, "transform.csv"));
    expect(b[0]).toEqual(["id", "score", "error"]);
    expect(b.map((r) => r[0])).toEqual(a.map((r) => r[0]));
    expect(b.map((r) => r[2])).toEqual(a.map((r) => r[2]));
    for (let i = 1; i < a.length; i++) {
      expect(Math.abs(Number(b[i]?.[1]) - Number(a[i]?.[1]))).toBeLessThanOrEqual(1e-9);
    }
    expect(transform.rows).toBe(ROWS.length);
    expect(transform.job).toMatch(/^breast-cancer-transform-/);
    for (const key of ["accuracy", "precision", "recall", "f1", "rocAuc", "prAuc", "confusion"]) {
      const [x, y] = [client.metrics[key], transform.metrics[key]];
      if (typeof x === "number") expect(Math.abs(x - (y as number)), key).toBeLessThanOrEqual(1e-9);
      else expect(y, key).toEqual(x);
    }

    const jobs = json<Array<{ job: string; status: string }>>(await cli(["transforms", "list", "--json"]));
    expect(jobs[0]).toMatchObject({ job: transform.job, status: "Completed" });
    const described = json<{ instanceType: string; instanceCount: number }>(
      await cli(["transforms", "describe", transform.job as string, "--json"]),
    );
    expect(described).toMatchObject({ instanceType: "ml.c5.xlarge", instanceCount: 2 });
    const logs = await cli(["transforms", "logs", transform.job as string]);
    expect(logs.stdout).toContain(`Transformed part-00000.csv: ${ROWS.length / 2} records`);
    expect(logs.stdout).toContain(`Transformed part-00001.csv: ${ROWS.length / 2} records`);
    const stop = await cli(["transforms", "stop", transform.job as string]);
    expect(stop.stdout).toContain("has already finished (Completed)");
  }, 240_000);

  it("refuses client-side flags with --engine transform", async () => {
    const r = await cli(["score", "breast-cancer", "--data", data, "--engine", "transform", "--resume"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_USAGE[\s\S]*--resume applies to the client-side engine/);
  });

  it("refuses transform sizing without --engine transform instead of ignoring it", async () => {
    for (const flag of [
      ["--instance-count", "2"],
      ["--instance-type", "ml.m5.xlarge"],
    ]) {
      const r = await cli(["score", "breast-cancer", "--data", data, ...flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`E_USAGE]: ${flag[0]} only applies with --engine transform`);
      expect(r.stdout).toBe("");
    }
  });

  it("a failed job's hint names `mlship transforms logs <job>`, and that command shows why", async () => {
    const bad = join(work, "bad.csv");
    const rows = ROWS.slice(0, 3).map((r, i) => `case-${i},${i === 1 ? r.replace(/,[^,]+$/, ",oops") : r}`);
    writeFileSync(bad, `${[`id,${HEADER}`, ...rows].join("\n")}\n`);
    const failed = await cli([
      "score",
      "breast-cancer",
      "--data",
      bad,
      "--features",
      FEATURES,
      "--engine",
      "transform",
      "--out",
      join(work, "bad-scores.csv"),
    ]);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain("E_TRANSFORM_FAILED");
    const job = /hint: Its log says why: `mlship transforms logs (\S+)`/.exec(failed.stderr)?.[1];
    expect(job, failed.stderr).toMatch(/^breast-cancer-transform-/);
    expect(failed.stderr).not.toContain("hint: See its logs: CloudWatch");
    const logs = await cli(["transforms", "logs", job ?? ""]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("oops");
  }, 240_000);

  it("stops the transform job on Ctrl-C and exits 130", async () => {
    let sent = false;
    const r = await cli(
      [
        "score",
        "breast-cancer",
        "--data",
        data,
        "--features",
        FEATURES,
        "--engine",
        "transform",
        "--out",
        join(work, "x.csv"),
      ],
      (text, child) => {
        if (!sent && /InProgress/.test(text)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    const jobs = json<Array<{ job: string; status: string }>>(await cli(["transforms", "list", "--json"]));
    expect(jobs[0]?.status).toBe("Stopped");
  }, 120_000);
});
