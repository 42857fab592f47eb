// `mlship tune` and `mlship deploy --model <tuning job>`: the built CLI spawned as a user would, against
// the emulator, tuning the Node breast-cancer example (cheap trials) and deploying the best one.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { breastCancerData as data, emulatorForFile, json, nodeExample } from "./test/emulator-cli.js";
import { runCli } from "./test/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "mlship-cli-tune-"));
const { env } = emulatorForFile({ role: "cli-e2e", work });

const cli = (args: string[]) => runCli([...args, "--target", "sagemaker"], { cwd: work, env });

interface Trial {
  jobName: string;
  status: string;
  objective?: number;
  hyperparameters: Record<string, string>;
}

describe("mlship tune against the emulator", () => {
  it("tunes, shows progress, describes, lists, refuses a needless stop and deploys the best job", async () => {
    const result = await cli([
      "tune",
      "--entry-point",
      "train.mjs",
      "--source-dir",
      nodeExample,
      "--framework",
      "node",
      "--data",
      `train=${join(data, "train.csv")}`,
      "--data",
      `test=${join(data, "test.csv")}`,
      "--metric",
      "test_accuracy=test_accuracy=([0-9.]+);",
      "--objective",
      "test_accuracy",
      "--range",
      "learning-rate=continuous:0.001:1:log",
      "--range",
      "epochs=integer:20:300",
      "--strategy",
      "Random",
      "--max-jobs",
      "3",
      "--max-parallel",
      "2",
      "--random-seed",
      "4",
      "--name",
      "cli-tune",
      "--json",
      "--events",
    ]);
    const tuned = json<{ name: string; status: string; trials: Trial[]; best: Trial }>(result);
    expect(tuned.status).toBe("Completed");
    expect(tuned.trials).toHaveLength(3);
    expect(tuned.best.objective).toBe(Math.max(...tuned.trials.map((t) => t.objective ?? 0)));
    expect(Object.keys(tuned.best.hyperparameters).sort()).toEqual(["epochs", "learning-rate"]);
    const events = result.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; jobName?: string; status?: string });
    expect(new Set(events.filter((e) => e.type === "tuning.trial").map((e) => e.jobName)).size).toBe(3);
    expect(events.filter((e) => e.type === "tuning.status").at(-1)?.status).toBe("Completed");

    const described = await cli(["tune", "describe", "cli-tune"]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toContain(`best:`);
    expect(described.stdout).toContain(tuned.best.jobName);
    const listed = json<Array<{ name: string }>>(await cli(["tune", "list", "--json"]));
    expect(listed.map((t) => t.name)).toContain("cli-tune");
    const stop = json<{ stopRequested: boolean }>(await cli(["tune", "stop", "cli-tune", "--json"]));
    expect(stop.stopRequested).toBe(false);
    const noRange = await cli([
      "tune",
      "--entry-point",
      "train.mjs",
      "--source-dir",
      nodeExample,
      "--objective",
      "x",
    ]);
    expect(noRange.code).not.toBe(0);
    expect(noRange.stderr).toMatch(/at least one --range/);

    const deployed = json<{ name: string; status: string; model: string }>(
      await cli([
        "deploy",
        "--model",
        "cli-tune",
        "--name",
        "cli-tuned",
        "--entry-point",
        "inference.mjs",
        "--json",
      ]),
    );
    expect(deployed.status).toBe("InService");
    expect(deployed.model).toBe(`training job ${tuned.best.jobName} (best of tuning job cli-tune)`);
    const answer = await cli(["invoke", "cli-tuned", "--body", Array(30).fill("1").join(",")]);
    expect(answer.code, answer.stderr).toBe(0);
    expect((await cli(["deployments", "delete", "cli-tuned"])).code).toBe(0);
  });
});
