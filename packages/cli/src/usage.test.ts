import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./test/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-cli-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mlship usage", () => {
  it("prints help with an example and exits 0", async () => {
    const r = await runCli(["--help"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: mlship");
    expect(r.stdout).toContain("Examples:");
    for (const cmd of [
      "train",
      "deploy",
      "invoke",
      "score",
      "deployments",
      "jobs",
      "rime",
      "emulator",
      "demo",
      "targets",
    ]) {
      expect(r.stdout).toContain(cmd);
    }
  });

  it("has --help with an example on every command", async () => {
    for (const cmd of [
      ["train"],
      ["deploy"],
      ["invoke"],
      ["score"],
      ["rime", "export"],
      ["emulator"],
      ["demo"],
    ]) {
      const r = await runCli([...cmd, "--help"], { cwd: dir });
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout, cmd.join(" ")).toContain("$ mlship");
    }
  });

  it("prints its version", async () => {
    const r = await runCli(["--version"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("exits 2 on an unknown command, an unknown flag and a missing required flag", async () => {
    expect((await runCli(["fly"], { cwd: dir })).code).toBe(2);
    const unknownFlag = await runCli(["targets", "--bogus"], { cwd: dir });
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("--bogus");
    const missing = await runCli(["deploy", "--name", "x"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--model");
  });

  it("exits 2 on a malformed number", async () => {
    const r = await runCli(["score", "ep", "--data", "x.csv", "--batch-size", "ten"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--batch-size");
  });

  it("reports a missing file as an input error before doing anything", async () => {
    const r = await runCli(
      ["train", "--target", "local", "--entry-point", "nope.py", "--data", "train=missing.csv"],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[E_INVALID_INPUT\]: .*does not exist/);
    expect(r.stderr).toContain("hint:");
  });

  it("reports a mistyped flag as unknown, with a suggestion, before any missing required flag", async () => {
    const r = await runCli(["train", "--target", "local", "--entrypoint", "train.py"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--entrypoint'");
    expect(r.stderr).toContain("Did you mean --entry-point?");
    expect(r.stderr).not.toContain("required option");
    const missing = await runCli(["train", "--target", "local"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--entry-point <file>' not specified");
  });

  it("renders a target's hint with the CLI's flag names, not the library's option names", async () => {
    const project = mkdtempSync(join(dir, "role-"));
    writeFileSync(join(project, "train.mjs"), "console.log('hi')\n");
    const r = await runCli(
      [
        "train",
        "--target",
        "sagemaker",
        "--entry-point",
        "train.mjs",
        "--endpoint-url",
        "http://127.0.0.1:9",
      ],
      {
        cwd: project,
        env: {
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "a",
          AWS_SECRET_ACCESS_KEY: "b",
          MLSHIP_SAGEMAKER_ROLE: undefined,
        },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("where: --role\n");
    expect(r.stderr).toContain("hint: Pass --role (");
    expect(r.stderr).not.toContain("`role`");
  });

  it("names the path where it was given, and where a relative entry point is looked up", async () => {
    const project = mkdtempSync(join(dir, "where-"));
    writeFileSync(join(project, "train.py"), "print('hi')\n");
    const data = await runCli(
      ["train", "--target", "local", "--entry-point", "train.py", "--data", "train=nope.csv"],
      { cwd: project },
    );
    expect(data.code).toBe(2);
    expect(data.stderr).toContain("where: --data train=nope.csv\n");
    const entry = await runCli(
      ["train", "--target", "local", "--entry-point", "train.py", "--source-dir", "."],
      {
        cwd: dir,
      },
    );
    expect(entry.code).toBe(2);
    expect(entry.stderr).toContain("relative paths start from --source-dir (.)");
  });

  it("refuses an empty path instead of taking the working directory", async () => {
    const project = mkdtempSync(join(dir, "empty-path-"));
    writeFileSync(join(project, "train.py"), "print('hi')\n");
    for (const args of [
      ["train", "--target", "no-such", "--entry-point", "train.py", "--data", "train="],
      ["invoke", "ep", "--file", ""],
    ]) {
      const r = await runCli(args, { cwd: project });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(
        /error \[E_INVALID_INPUT\]: --(data train=|file) needs a path, got an empty value/,
      );
    }
  });

  it("reports an invalid config file with where and a hint", async () => {
    const project = mkdtempSync(join(dir, "bad-config-"));
    writeFileSync(join(project, "mlship.config.json"), JSON.stringify({ targets: "sagemaker" }));
    const r = await runCli(["deployments", "list"], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error [E_CONFIG]");
    expect(r.stderr).toContain("targets");
  });

  it("stops `mlship emulator` on SIGTERM as on Ctrl-C, removing its temporary data folder", async () => {
    let dataDir = "";
    const r = await runCli(["emulator", "--port", "0", "--json"], {
      cwd: dir,
      timeoutMs: 60_000,
      onOutput: (text, child) => {
        if (dataDir || !text.includes("}\n}")) return;
        dataDir = (JSON.parse(text.slice(0, text.indexOf("}\n}") + 3)) as { dataDir: string }).dataDir;
        child.kill("SIGTERM");
      },
    });
    expect(dataDir).toContain("mlship-emulator-");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("emulator stopped");
    expect(existsSync(dataDir)).toBe(false);
  });

  it("names an unknown target with an install hint, as JSON too", async () => {
    const r = await runCli(["deployments", "list", "--target", "acme", "--json"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("E_PLUGIN_NOT_FOUND");
    expect(r.stderr).toMatch(/npm i/);
    const doc = JSON.parse(r.stdout) as { error: { code: string } };
    expect(doc.error.code).toBe("E_PLUGIN_NOT_FOUND");
  });
});
