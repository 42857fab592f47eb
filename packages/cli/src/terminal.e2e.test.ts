import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, runCli } from "./test/run-cli.js";

const examples = fileURLToPath(new URL("../../../examples/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "mlship-cli-tty-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs the CLI under a real pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function underTerminal(args: string[]): { status: number | null; output: string } {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const r = spawnSync("script", ["-qefc", command, "/dev/null"], {
    cwd: work,
    env: { ...process.env, NO_COLOR: "1", COLUMNS: "120" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, output: r.stdout };
}

describe("mlship on a terminal", () => {
  it("shows every line the training job printed, as `jobs logs` has them", async () => {
    const train = underTerminal([
      "train",
      "--target",
      "local",
      "--entry-point",
      "train.mjs",
      "--source-dir",
      join(examples, "node-breast-cancer"),
      "--framework",
      "node",
      "--data",
      `train=${join(examples, "sklearn-breast-cancer", "data", "train.csv")}`,
      "--hp",
      "epochs=50",
    ]);
    expect(train.status, train.output).toBe(0);

    const jobs = await runCli(["jobs", "list", "--target", "local", "--json"], { cwd: work });
    const [job] = JSON.parse(jobs.stdout) as Array<{ jobName: string }>;
    const logs = await runCli(["jobs", "logs", job?.jobName ?? "", "--target", "local"], { cwd: work });
    const lines = logs.stdout.split("\n").filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(train.output).toContain(line.trim());
  });
});
