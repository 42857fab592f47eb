import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./test/run-cli.js";

// A project with a plugin file that echoes the options `create` received through `deployments get`.
const project = mkdtempSync(join(tmpdir(), "mlship-cli-options-"));
const zod = JSON.stringify(import.meta.resolve("zod"));
writeFileSync(
  join(project, "echo.mjs"),
  `import { z } from ${zod};
export default {
  name: "echo", apiVersion: 2,
  options: z.object({ region: z.string().optional(), shards: z.coerce.number().int().positive().optional() }).strict(),
  env: { region: "ECHO_REGION" },
  flags: [
    { name: "--region <region>", option: "region", description: "echo region", commands: ["deployments"] },
    { name: "--shards <n>", option: "shards", description: "echo shards", commands: ["deployments", "deploy"] },
  ],
  create(options) {
    return { deploy: { name: "echo", deploy() {}, async get(name) { return { name, target: "echo", status: "InService", details: { options } }; } } };
  },
};
`,
);
const config = (options: Record<string, unknown>) =>
  writeFileSync(join(project, "mlship.config.json"), JSON.stringify({ targets: [["./echo.mjs", options]] }));
afterAll(() => rmSync(project, { recursive: true, force: true }));

async function optionsSeen(args: string[], env: Record<string, string> = {}) {
  const r = await runCli(["deployments", "get", "x", "--target", "./echo.mjs", "--json", ...args], {
    cwd: project,
    env,
  });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { details: { options: unknown } }).details.options;
}

describe("target options through the CLI", () => {
  it("precedence: config file < environment < flags (the generic --region included)", async () => {
    config({ region: "eu-west-1", shards: 1 });
    expect(await optionsSeen([])).toEqual({ region: "eu-west-1", shards: 1 });
    expect(await optionsSeen([], { ECHO_REGION: "eu-central-1" })).toEqual({
      region: "eu-central-1",
      shards: 1,
    });
    expect(
      await optionsSeen(["--region", "us-east-1", "--shards", "3"], { ECHO_REGION: "eu-central-1" }),
    ).toEqual({
      region: "us-east-1",
      shards: 3,
    });
  });

  it("a bad option is E_CONFIG naming the plugin, the key and the config file", async () => {
    config({ regoin: "eu-west-1" });
    const r = await runCli(["deployments", "get", "x", "--target", "./echo.mjs"], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_CONFIG]: Target plugin "echo": option "regoin"');
    expect(r.stderr).toContain(join(project, "mlship.config.json"));
    config({});
    const flag = await runCli(["deployments", "get", "x", "--target", "./echo.mjs", "--shards", "many"], {
      cwd: project,
    });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("where: --shards");
  });

  it("help shows the chosen target's flags; a flag of another target is a usage error naming the target", async () => {
    config({});
    const help = await runCli(["deployments", "get", "--target", "./echo.mjs", "--help"], { cwd: project });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("echo target options:");
    expect(help.stdout).toContain("--shards <n>");
    expect(help.stdout).not.toContain("kyma target options:");
    const all = await runCli(["deploy", "--help"], { cwd: project });
    expect(all.stdout).toContain("echo target options:");
    expect(all.stdout).toContain("kyma target options:");
    expect(all.stdout).toMatch(/kyma target options:[\s\S]*--namespace <ns>/);
    const wrong = await runCli(["deployments", "get", "x", "--target", "./echo.mjs", "--namespace", "ml"], {
      cwd: project,
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--namespace is not a flag of the "echo" target');
  });
});
