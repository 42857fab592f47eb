// Done when: a third-party target in a fresh folder outside the repository, written the way the example
// plugin's guide shows (defineTargetPlugin: name, apiVersion 2, a zod options schema, a flag, create), packed
// and installed from tarballs next to the CLI: it adds a flag, its options are validated, it passes the
// conformance kit, and it runs through the CLI. Also (c): the example plugin itself, from its tarball.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installProject, packWorkspaces, repo, scratch, sh } from "./packs.js";

const PLUGIN = `import { createHttpInvoker, defineTargetPlugin, MlshipError } from "@mlship/core";
import { z } from "zod";

const options = z.object({ url: z.string().url(), replicas: z.coerce.number().int().positive().default(1) }).strict();

export default defineTargetPlugin({
  name: "acme",
  apiVersion: 2,
  options,
  env: { url: "ACME_MODEL_URL" },
  flags: [{ name: "--replicas <n>", option: "replicas", description: "acme: replicas to run", commands: ["deploy"] }],
  create({ url, replicas }) {
    const deployments = new Map();
    const missing = (name) => new MlshipError("E_NOT_FOUND", \`No acme deployment \${name}\`, { where: name });
    const deploy = async (spec, ctx = {}) => {
      if (ctx.signal?.aborted) throw new MlshipError("E_ABORTED", \`Deploying \${spec.name} was aborted\`);
      if (!/^[a-z][-a-z0-9]{0,62}$/.test(spec.name ?? "")) {
        throw new MlshipError("E_INVALID_INPUT", \`Invalid name "\${spec.name}"\`, { where: "name" });
      }
      const d = { target: "acme", name: spec.name, status: "InService", url, instanceCount: spec.instanceCount ?? replicas };
      deployments.set(spec.name, d);
      ctx.events?.({ type: "deploy.status", name: spec.name, status: "InService" });
      return d;
    };
    const get = async (name) => {
      const d = deployments.get(name);
      if (!d) throw missing(name);
      return d;
    };
    return {
      deploy: {
        name: "acme",
        deploy,
        get,
        list: async () => [...deployments.values()],
        update: async (name, spec, ctx) => (await get(name), deploy({ ...spec, name }, ctx)),
        delete: async (name) => void deployments.delete(name),
        invoker: async (name) => (await get(name), createHttpInvoker({ url })),
      },
    };
  },
});
`;

let server: Server;
let url: string;
let tarballs: Map<string, string>;
const work = scratch("mlship-third-party-");

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/ping") return void res.writeHead(200).end();
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("[0.25]"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tarballs = await packWorkspaces(scratch("mlship-tarballs-"));
  // The third-party plugin: its own folder and package, packed as its author would publish it.
  const source = join(work, "mlship-target-acme");
  mkdirSync(source);
  writeFileSync(
    join(source, "package.json"),
    JSON.stringify({
      name: "mlship-target-acme",
      version: "1.0.0",
      type: "module",
      exports: { ".": "./plugin.mjs", "./package.json": "./package.json" },
      keywords: ["mlship-target"],
      peerDependencies: { "@mlship/core": "*", zod: "^4.0.0" },
    }),
  );
  writeFileSync(join(source, "plugin.mjs"), PLUGIN);
  const packed = await sh("npm", ["pack", "--json", "--pack-destination", work], source);
  tarballs.set("mlship-target-acme", join(work, JSON.parse(packed.stdout)[0].filename));
  const example = await sh(
    "npm",
    ["pack", "--json", "--pack-destination", work],
    join(repo, "examples", "target-plugin"),
  );
  expect(example.code, example.stderr).toBe(0);
  tarballs.set("mlship-target-http", join(work, JSON.parse(example.stdout).at(-1).filename));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe("a third-party target from its tarball", () => {
  const dir = join(work, "project");
  const mlship = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    sh(join(dir, "node_modules", ".bin", "mlship"), args, dir, env);

  it("installs next to the CLI, the kit and vitest", async () => {
    const wanted = [
      "@mlship/cli",
      "@mlship/core",
      "@mlship/testing",
      "mlship-target-acme",
      "mlship-target-http",
    ];
    const install = await installProject(dir, wanted, tarballs, { vitest: "^4.1.0", zod: "^4.0.0" });
    expect(install.code, install.stderr).toBe(0);
  });

  it("passes the conformance kit", async () => {
    writeFileSync(
      join(dir, "acme.test.mjs"),
      `import plugin from "mlship-target-acme";
import { describeDeployTarget, describeTargetPlugin, providedBy } from "@mlship/testing/conformance";

describeTargetPlugin(plugin, { options: { url: "${url}" } });
describeDeployTarget("acme", {
  target: async () => (await providedBy(plugin, { url: "${url}" })).deploy,
  spec: (name) => ({ name, model: { modelData: "${url}" } }),
  request: { body: "1,2,3", contentType: "text/csv" },
});

// The example plugin, as installed from its tarball, passes the same kit.
import example from "mlship-target-http";
const exampleOptions = { stateFile: "${join(dir, "example-state.json")}" };
describeTargetPlugin(example, { options: exampleOptions });
describeDeployTarget("example (mlship-target-http)", {
  target: async () => (await providedBy(example, exampleOptions)).deploy,
  spec: (name) => ({ name, model: { modelData: "${url}" } }),
  request: { body: "1,2,3", contentType: "text/csv" },
});
`,
    );
    const run = await sh(join(dir, "node_modules", ".bin", "vitest"), ["run", "acme.test.mjs"], dir, {
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Tests\s+\d+ passed/);
  });

  it("adds its flag to the CLI and runs through it, its options validated", async () => {
    writeFileSync(join(dir, "mlship.config.json"), JSON.stringify({ targets: [["acme", { url }]] }));
    const help = await mlship(["deploy", "--target", "acme", "--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("--replicas");
    const deployed = await mlship([
      "deploy",
      "--target",
      "acme",
      "--model",
      url,
      "--name",
      "m",
      "--replicas",
      "3",
      "--json",
    ]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ name: "m", status: "InService", instanceCount: 3 });
    const bad = await mlship([
      "deploy",
      "--target",
      "acme",
      "--model",
      url,
      "--name",
      "m",
      "--replicas",
      "none",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("replicas");
    writeFileSync(
      join(dir, "mlship.config.json"),
      JSON.stringify({ targets: [["acme", { url, replica: 2 }]] }),
    );
    const typo = await mlship(["deploy", "--target", "acme", "--model", url, "--name", "m"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/replica\b/);
    expect(typo.stderr).toContain("mlship.config.json");
  });

  it("(c) the example plugin from its tarball deploys and invokes through the CLI", async () => {
    writeFileSync(
      join(dir, "mlship.config.json"),
      JSON.stringify({ targets: [["http", { stateFile: join(dir, "http-state.json") }]] }),
    );
    const help = await mlship(["deploy", "--target", "http", "--help"]);
    expect(help.stdout).toContain("--probe-timeout");
    const deployed = await mlship(["deploy", "--target", "http", "--model", url, "--name", "ex", "--json"]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const invoked = await mlship(["invoke", "ex", "--target", "http", "--body", "1,2,3", "--json"]);
    expect(invoked.code, invoked.stderr).toBe(0);
    expect(invoked.stdout).toContain("0.25");
  });
});
