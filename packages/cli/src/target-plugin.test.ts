import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./test/run-cli.js";

const pluginDir = fileURLToPath(new URL("../../../examples/target-plugin", import.meta.url));
const examples = fileURLToPath(new URL("../../../examples/", import.meta.url));
const project = mkdtempSync(join(tmpdir(), "mlship-cli-plugin-"));
let server: Server;
let url: string;

beforeAll(async () => {
  // The example is TypeScript: build it as its `prepack` script would before publishing.
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(pluginDir, "tsconfig.json")], { stdio: "inherit" });
  // The user's project: the example installed from its folder (npm links a folder dependency the same way).
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(pluginDir, join(project, "node_modules", "mlship-target-http"), "dir");
  writeFileSync(
    join(project, "mlship.config.json"),
    JSON.stringify({ targets: [["http", { stateFile: join(project, "state.json") }]] }),
  );
  // A model server speaking the SageMaker serving contract: doubles every number it gets.
  server = createServer((req, res) => {
    if (req.url === "/ping") return void res.writeHead(200).end();
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const values = body.trim().split(/[\n,]/).map(Number);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(values.map((v) => v * 2)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(project, { recursive: true, force: true });
});

// The example plugin, whose plugin.ts core's README shows (example: target-plugin), installed and run.
// The example's README session (example: plugin-cli), command by command: targets, train, jobs logs,
// deploy --help, deploy with its own flag, invoke, deployments delete.
describe("a third-party target installed in the project", () => {
  it("is listed by `mlship targets` with where it came from", async () => {
    const r = await runCli(["targets", "--json"], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      targets: Array<{ name: string; status: string; resolved?: string }>;
    };
    const http = doc.targets.find((t) => t.name === "http");
    expect(http?.status).toBe("loaded");
    expect(http?.resolved).toContain("target-plugin");
  });

  it("trains a Node script through the CLI and keeps its logs", async () => {
    const train = await runCli(
      [
        "train",
        "--target",
        "http",
        "--entry-point",
        "train.mjs",
        "--source-dir",
        join(examples, "node-breast-cancer"),
        "--data",
        `train=${join(examples, "sklearn-breast-cancer", "data", "train.csv")}`,
        "--hp",
        "epochs=50",
        "--json",
      ],
      { cwd: project },
    );
    expect(train.code, train.stderr).toBe(0);
    const run = JSON.parse(train.stdout) as { jobName: string; status: string; modelArtifact: string };
    expect(run).toMatchObject({ status: "Completed", modelArtifact: expect.stringMatching(/^file:\/\//) });
    expect(existsSync(join(fileURLToPath(run.modelArtifact), "model.json"))).toBe(true);
    const described = await runCli(["jobs", "describe", run.jobName, "--target", "http", "--json"], {
      cwd: project,
    });
    expect(JSON.parse(described.stdout)).toMatchObject({ jobName: run.jobName, status: "Completed" });
    const logs = await runCli(["jobs", "logs", run.jobName, "--target", "http"], { cwd: project });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/train_accuracy=\d/);
  });

  it("takes its own flag, validated by its schema; another target's flag is a usage error", async () => {
    const help = await runCli(["deploy", "--target", "http", "--help"], { cwd: project });
    expect(help.stdout).toMatch(/http target options:\s+--probe-timeout <ms>/);
    const bad = await runCli(
      ["deploy", "--target", "http", "--model", url, "--name", "x", "--probe-timeout", "0"],
      {
        cwd: project,
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Target plugin "http": option "probeTimeoutMs"');
    expect(bad.stderr).toContain("where: --probe-timeout");
    const foreign = await runCli(
      ["deploy", "--target", "http", "--model", url, "--name", "x", "--role", "r"],
      {
        cwd: project,
      },
    );
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('--role is not a flag of the "http" target');
  });

  it("deploys, lists, invokes and deletes through the CLI", async () => {
    const deploy = await runCli(
      [
        "deploy",
        "--target",
        "http",
        "--model",
        url,
        "--name",
        "doubler",
        "--probe-timeout",
        "2000",
        "--json",
      ],
      { cwd: project },
    );
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(JSON.parse(deploy.stdout)).toMatchObject({ name: "doubler", status: "InService", url });

    const list = await runCli(["deployments", "list", "--target", "http"], { cwd: project });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/doubler\s+InService/);

    const invoke = await runCli(["invoke", "doubler", "--target", "http", "--body", "1.5,2", "--json"], {
      cwd: project,
    });
    expect(invoke.code, invoke.stderr).toBe(0);
    expect(JSON.parse(invoke.stdout).body).toEqual([3, 4]);
    // Its DeployTarget has no optional `logs`: refused as a usage error that names the target.
    const logs = await runCli(["deployments", "logs", "doubler", "--target", "http"], { cwd: project });
    expect(logs.code).toBe(2);
    expect(logs.stderr).toContain("E_USAGE");
    expect(logs.stderr).toContain("The http target cannot show deployment logs");

    const del = await runCli(["deployments", "delete", "doubler", "--target", "http"], { cwd: project });
    expect(del.code).toBe(0);
    const gone = await runCli(["deployments", "get", "doubler", "--target", "http"], { cwd: project });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("E_NOT_FOUND");
  });
});
