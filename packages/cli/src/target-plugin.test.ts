import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./test/run-cli.js";

const pluginDir = fileURLToPath(new URL("../../../examples/target-plugin", import.meta.url));
const project = mkdtempSync(join(tmpdir(), "mlship-cli-plugin-"));
let server: Server;
let url: string;

beforeAll(async () => {
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

  it("deploys, lists, invokes and deletes through the CLI", async () => {
    const deploy = await runCli(
      ["deploy", "--target", "http", "--model", url, "--name", "doubler", "--json"],
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

    const del = await runCli(["deployments", "delete", "doubler", "--target", "http"], { cwd: project });
    expect(del.code).toBe(0);
    const gone = await runCli(["deployments", "get", "doubler", "--target", "http"], { cwd: project });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("E_NOT_FOUND");
  });
});
