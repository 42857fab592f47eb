import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContainer, resolveDeployTarget, resolveTrainTarget } from "../container.js";
import { isMlshipError, type MlshipError } from "../errors.js";
import { ModelResolverToken } from "../tokens.js";
import {
  type LoadTargetPluginsOptions,
  loadTargetPlugins,
  type PluginConfig,
} from "./load-target-plugins.js";

// Plugins in the temp project use the repo's real zod (by URL: the project has no node_modules/zod).
const zod = JSON.stringify(import.meta.resolve("zod"));

let project: string;

function write(path: string, content: string | object): void {
  const file = join(project, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
}

/** An ESM package under the project's node_modules. */
function esmPackage(name: string, entry: string, version = "1.0.0"): void {
  write(`node_modules/${name}/package.json`, {
    name,
    version,
    type: "module",
    exports: { ".": "./index.js" },
  });
  write(`node_modules/${name}/index.js`, entry);
}

/** A plugin whose deploy target echoes the options `create` received. */
const plugin = (name: string, apiVersion = 2) =>
  `import { z } from ${zod};
export default { name: ${JSON.stringify(name)}, apiVersion: ${apiVersion},
  options: z.object({ region: z.string().optional(), a: z.number().optional() }).strict(),
  create(options, services) { return { deploy: { name: ${JSON.stringify(name)}, options, services, deploy() {} } }; } };
`;

type Extra = Partial<Omit<LoadTargetPluginsOptions, "cwd" | "container">>;

async function load(config: PluginConfig, container = createContainer(), extra: Extra = {}) {
  return loadTargetPlugins(config, { cwd: project, container, conditions: [], env: {}, ...extra });
}

const optionsOf = (container: ReturnType<typeof createContainer>, name: string) =>
  (resolveDeployTarget(container, name) as unknown as { options: unknown }).options;

async function failure(config: PluginConfig, extra: Extra = {}): Promise<MlshipError> {
  try {
    await load(config, createContainer(), extra);
  } catch (e) {
    if (isMlshipError(e)) return e;
    throw e;
  }
  throw new Error("expected loadTargetPlugins to fail");
}

beforeAll(() => {
  project = realpathSync(mkdtempSync(join(tmpdir(), "mlship-plugins-")));
  write("package.json", { name: "user-project", private: true, type: "module" });
  // Registers a real TrainTarget under core's token without importing @mlship/core.
  // A real TrainTarget and a model resolver, with flags and env, without importing @mlship/core.
  esmPackage(
    "mlship-target-good",
    `import { z } from ${zod};
export default {
  name: "good", apiVersion: 2,
  options: z.object({ region: z.string().optional(), workers: z.coerce.number().int().positive().optional() }).strict(),
  flags: [{ name: "--workers <n>", option: "workers", description: "workers", commands: ["train"] }],
  env: { region: "GOOD_REGION", workers: "GOOD_WORKERS" },
  create(options, services) {
    const target = { name: "good", options, services,
      async train() { throw new Error("not in tests"); }, async describe() { throw new Error("nope"); },
      async list() { return []; }, async stop() {}, async *logs() {} };
    const modelResolver = { name: "good", async resolve(job) { return { jobName: job, modelData: "s3://b/m.tar.gz",
      sourceBundle: "s3://b/s.tar.gz", entryPoint: "serve.py", image: "img" }; } };
    return { train: target, modelResolver };
  } };
`,
    "2.3.4",
  );
  esmPackage("@mlship/target-both", plugin("first-party"));
  esmPackage("mlship-target-both", plugin("third-party"));
  esmPackage("@corp/mlship-target-corp", plugin("corp"), "0.9.0");
  esmPackage("mlship-target-shapeless", "export default { name: 42, create: 'no' };\n");
  esmPackage(
    "mlship-target-noschema",
    "export default { name: 'x', apiVersion: 2, options: {}, create: 1, flags: [{ name: 'role' }] };\n",
  );
  esmPackage(
    "mlship-target-badresult",
    `import { z } from ${zod};
export default { name: 'badresult', apiVersion: 2, options: z.object({}), create: () => ({ deploy: { name: 'x' } }) };
`,
  );
  esmPackage("mlship-target-nodefault", "export const plugin = 1;\n");
  esmPackage("mlship-target-throws", "throw new Error('boom at import');\n");
  esmPackage("mlship-target-future", plugin("future", 3));
  esmPackage("mlship-target-old", "export default { name: 'old', apiVersion: 1, register() {} };\n");
  esmPackage(
    "mlship-target-failing",
    `import { z } from ${zod};
export default { name: 'failing', apiVersion: 2, options: z.object({}), create() { throw new Error('bad region'); } };
`,
  );
  write("node_modules/mlship-target-noentry/package.json", {
    name: "mlship-target-noentry",
    version: "1.0.0",
    main: "missing.js",
  });
  // CommonJS, transpiled-ESM style (exports.default) and plain module.exports.
  write("node_modules/mlship-target-cjs/package.json", {
    name: "mlship-target-cjs",
    version: "3.0.0",
    main: "lib/index.js",
  });
  write(
    "node_modules/mlship-target-cjs/lib/index.js",
    `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const schema = { "~standard": { version: 1, vendor: "hand-written", validate: (value) => ({ value }) } };
exports.default = { name: "cjs", apiVersion: 2, options: schema, create: () => ({ deploy: { name: "cjs", deploy() {} } }) };
`,
  );
  write("node_modules/mlship-target-cjsplain/package.json", {
    name: "mlship-target-cjsplain",
    version: "1.0.0",
  });
  write(
    "node_modules/mlship-target-cjsplain/index.js",
    `module.exports = { name: "cjsplain", apiVersion: 2, create: () => ({}),
  options: { "~standard": { version: 1, vendor: "hand-written", validate: (value) => ({ value }) } } };\n`,
  );
  write("plugins/local-target.mjs", plugin("local-file"));
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("loadTargetPlugins", () => {
  it("creates a plugin's targets with validated options and registers them under core's tokens", async () => {
    const container = createContainer();
    const [loaded] = await load({ targets: [["good", { region: "eu-west-1", workers: "3" }]] }, container);
    expect(loaded).toMatchObject({
      name: "good",
      specifier: "mlship-target-good",
      resolved: join(project, "node_modules/mlship-target-good/index.js"),
      options: { region: "eu-west-1", workers: 3 },
      version: "2.3.4",
    });
    const target = resolveTrainTarget(container, "good") as unknown as { options: unknown };
    expect(target.options).toEqual({ region: "eu-west-1", workers: 3 });
    expect(container.resolveAll(ModelResolverToken).map((r) => r.name)).toEqual(["good"]);
  });

  it("precedence: config < environment < flags", async () => {
    const run = async (env: Record<string, string>, flags: Record<string, unknown>) => {
      const container = createContainer();
      await load({ targets: [["good", { region: "from-config", workers: 1 }]] }, container, {
        env,
        flags: (p) => (p.name === "good" ? flags : {}),
      });
      return (resolveTrainTarget(container, "good") as unknown as { options: unknown }).options;
    };
    expect(await run({}, {})).toEqual({ region: "from-config", workers: 1 });
    expect(await run({ GOOD_REGION: "from-env" }, {})).toEqual({ region: "from-env", workers: 1 });
    expect(await run({ GOOD_REGION: "from-env" }, { region: "from-flag", workers: "4" })).toEqual({
      region: "from-flag",
      workers: 4,
    });
    // An unset flag (undefined) leaves the lower layers alone.
    expect(await run({ GOOD_REGION: "from-env" }, { region: undefined })).toEqual({
      region: "from-env",
      workers: 1,
    });
  });

  it("E_CONFIG names the plugin, the key and where it was set", async () => {
    const configFile = join(project, "mlship.config.json");
    const typo = await failure({ targets: [["good", { regoin: "eu-west-1" }]] }, { configFile });
    expect(typo.code).toBe("E_CONFIG");
    expect(typo.message).toContain('Target plugin "good": option "regoin"');
    expect(typo.message).toContain(configFile);
    expect(typo.where).toBe(`${configFile}#targets.good.regoin`);
    const badType = await failure({ targets: [["good", { workers: "many" }]] }, { configFile });
    expect(badType.message).toMatch(/option "workers": .*number/);
    const fromFlag = await failure({ targets: ["good"] }, { flags: () => ({ workers: "-1" }) });
    expect(fromFlag.where).toBe("--workers");
    const fromEnv = await failure({ targets: ["good"] }, { env: { GOOD_WORKERS: "many" } });
    expect(fromEnv.where).toBe("environment variable GOOD_WORKERS");
  });

  it("services: the model resolver port asks the loaded plugins' resolvers at call time", async () => {
    type Services = { models: { resolve(job: string): Promise<unknown> }; events: unknown };
    const servicesOf = (c: ReturnType<typeof createContainer>) =>
      (resolveDeployTarget(c, "local-file") as unknown as { services: Services }).services;
    const alone = createContainer();
    await load({ targets: ["./plugins/local-target.mjs"] }, alone);
    const missing = await servicesOf(alone)
      .models.resolve("job-1")
      .catch((e: MlshipError) => e);
    expect(missing).toMatchObject({ code: "E_CONFIG", where: "model" });
    // "good" is loaded after the deploy target and still resolves for it.
    const both = createContainer();
    await load({ targets: ["./plugins/local-target.mjs", "good"] }, both);
    await expect(servicesOf(both).models.resolve("job-1")).resolves.toMatchObject({
      jobName: "job-1",
      entryPoint: "serve.py",
    });
    expect(typeof servicesOf(both).events).toBe("function");
  });

  it("prefers @mlship/target-x over mlship-target-x", async () => {
    const [loaded] = await load({ targets: ["both"] });
    expect(loaded).toMatchObject({ name: "first-party", specifier: "@mlship/target-both" });
  });

  it("takes scoped names as written and passes options", async () => {
    const container = createContainer();
    const [loaded] = await load({ targets: [["@corp/mlship-target-corp", { a: 1 }]] }, container);
    expect(loaded).toMatchObject({ name: "corp", specifier: "@corp/mlship-target-corp", version: "0.9.0" });
    expect(optionsOf(container, "corp")).toEqual({ a: 1 });
  });

  it("loads a relative path from the project directory", async () => {
    const [loaded] = await load({ targets: ["./plugins/local-target.mjs"] });
    expect(loaded).toMatchObject({ name: "local-file", specifier: "./plugins/local-target.mjs" });
    expect(loaded?.resolved).toBe(join(project, "plugins/local-target.mjs"));
    expect(loaded?.version).toBeUndefined();
  });

  it("unwraps CommonJS plugins, transpiled or plain", async () => {
    const container = createContainer();
    const loaded = await load({ targets: ["cjs", "cjsplain"] }, container);
    expect(loaded.map((l) => [l.name, l.version])).toEqual([
      ["cjs", "3.0.0"],
      ["cjsplain", "1.0.0"],
    ]);
    expect(resolveDeployTarget(container, "cjs").name).toBe("cjs");
  });

  it("loads several in config order and an empty config loads nothing", async () => {
    expect(
      (await load({ targets: ["good", "./plugins/local-target.mjs", "cjs"] })).map((l) => l.name),
    ).toEqual(["good", "local-file", "cjs"]);
    expect(await load({})).toEqual([]);
  });

  it("E_PLUGIN_NOT_FOUND with an npm i hint for a missing name", async () => {
    const e = await failure({ targets: ["nothere"] });
    expect(e.code).toBe("E_PLUGIN_NOT_FOUND");
    expect(e.message).toContain("@mlship/target-nothere, mlship-target-nothere");
    expect(e.hint).toContain("npm i @mlship/target-nothere");
    expect(e.hint).toContain("npm i mlship-target-nothere");
    const scoped = await failure({ targets: ["@corp/absent/sub"] });
    expect(scoped.hint).toContain("npm i @corp/absent`");
    expect((await failure({ targets: ["./plugins/none.js"] })).code).toBe("E_PLUGIN_NOT_FOUND");
  });

  it("does not find plugins installed elsewhere than the project", async () => {
    // `vitest` is installed in the repo, not in the temp project.
    expect((await failure({ targets: ["vitest"] })).code).toBe("E_PLUGIN_NOT_FOUND");
  });

  it("E_PLUGIN_INVALID for malformed, broken and failing plugins", async () => {
    const shapeless = await failure({ targets: ["shapeless"] });
    expect(shapeless.code).toBe("E_PLUGIN_INVALID");
    expect(shapeless.message).toMatch(/`name` must be a non-empty string; `apiVersion` must be a number/);
    const noschema = await failure({ targets: ["noschema"] });
    expect(noschema.message).toContain("`create` must be a function");
    expect(noschema.message).toContain("`options` must be a Standard Schema");
    expect(noschema.message).toContain("flags[0] must be");
    const badresult = await failure({ targets: ["badresult"] });
    expect(badresult.message).toContain("`deploy` must be an object with a `deploy` method");
    expect((await failure({ targets: ["nodefault"] })).code).toBe("E_PLUGIN_INVALID");
    const throws = await failure({ targets: ["throws"] });
    expect(throws.code).toBe("E_PLUGIN_INVALID");
    expect(throws.message).toContain("boom at import");
    const failing = await failure({ targets: ["failing"] });
    expect(failing.message).toContain("failed to create its targets: bad region");
    expect((await failure({ targets: ["noentry"] })).code).toBe("E_PLUGIN_INVALID");
  });

  it("E_PLUGIN_API_MISMATCH for another apiVersion", async () => {
    const e = await failure({ targets: ["future"] });
    expect(e.code).toBe("E_PLUGIN_API_MISMATCH");
    expect(e.details).toEqual({ apiVersion: 3, supported: 2 });
    const old = await failure({ targets: ["old"] });
    expect(old.code).toBe("E_PLUGIN_API_MISMATCH");
    expect(old.hint).toContain("Upgrade the plugin");
  });

  it("E_CONFIG for malformed entries", async () => {
    expect((await failure({ targets: [42 as never] })).where).toBe("targets[0]");
    expect((await failure({ targets: "good" as never })).code).toBe("E_CONFIG");
  });
});
