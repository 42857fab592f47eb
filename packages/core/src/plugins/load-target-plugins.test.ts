import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContainer, resolveTrainTarget } from "../container.js";
import { isMlshipError, type MlshipError } from "../errors.js";
import { loadTargetPlugins, type PluginConfig } from "./load-target-plugins.js";

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

const plugin = (name: string, apiVersion = 1) =>
  `const calls = [];
export default { name: ${JSON.stringify(name)}, apiVersion: ${apiVersion}, calls,
  register(container, options) { calls.push(options); container.register(Symbol.for("@mlship/test:registered"), { useValue: ${JSON.stringify(name)} }); } };
`;

async function load(config: PluginConfig, container = createContainer()) {
  return loadTargetPlugins(config, { cwd: project, container, conditions: [] });
}

async function failure(config: PluginConfig): Promise<MlshipError> {
  try {
    await load(config);
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
  esmPackage(
    "mlship-target-good",
    `export default {
  name: "good", apiVersion: 1,
  describeOptions: () => [{ name: "region", description: "AWS region", type: "string" }],
  register(container, options) {
    const target = { name: "good", options,
      async train() { throw new Error("not in tests"); }, async describe() { throw new Error("nope"); },
      async list() { return []; }, async stop() {}, async *logs() {} };
    container.register(Symbol.for("@mlship/core:TrainTarget"), { useValue: target });
  } };
`,
    "2.3.4",
  );
  esmPackage("@mlship/target-both", plugin("first-party"));
  esmPackage("mlship-target-both", plugin("third-party"));
  esmPackage("@corp/mlship-target-corp", plugin("corp"), "0.9.0");
  esmPackage("mlship-target-shapeless", "export default { name: 42, register: 'no' };\n");
  esmPackage("mlship-target-nodefault", "export const plugin = 1;\n");
  esmPackage("mlship-target-throws", "throw new Error('boom at import');\n");
  esmPackage("mlship-target-future", plugin("future", 2));
  esmPackage(
    "mlship-target-failing",
    "export default { name: 'failing', apiVersion: 1, register() { throw new Error('bad region'); } };\n",
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
exports.default = { name: "cjs", apiVersion: 1, register(c) { c.register(Symbol.for("@mlship/test:registered"), { useValue: "cjs" }); } };
`,
  );
  write("node_modules/mlship-target-cjsplain/package.json", {
    name: "mlship-target-cjsplain",
    version: "1.0.0",
  });
  write(
    "node_modules/mlship-target-cjsplain/index.js",
    `module.exports = { name: "cjsplain", apiVersion: 1, register() {} };\n`,
  );
  write("plugins/local-target.mjs", plugin("local-file"));
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("loadTargetPlugins", () => {
  it("loads a plugin package that registers a target under core's token", async () => {
    const container = createContainer();
    const [loaded] = await load({ targets: [["good", { region: "eu-west-1" }]] }, container);
    expect(loaded).toMatchObject({
      name: "good",
      specifier: "mlship-target-good",
      resolved: join(project, "node_modules/mlship-target-good/index.js"),
      options: { region: "eu-west-1" },
      version: "2.3.4",
    });
    const target = resolveTrainTarget(container, "good") as unknown as { options: unknown };
    expect(target.options).toEqual({ region: "eu-west-1" });
    expect(loaded?.plugin.describeOptions?.()[0]?.name).toBe("region");
  });

  it("prefers @mlship/target-x over mlship-target-x", async () => {
    const [loaded] = await load({ targets: ["both"] });
    expect(loaded).toMatchObject({ name: "first-party", specifier: "@mlship/target-both" });
  });

  it("takes scoped names as written and passes options", async () => {
    const container = createContainer();
    const [loaded] = await load({ targets: [["@corp/mlship-target-corp", { a: 1 }]] }, container);
    expect(loaded).toMatchObject({ name: "corp", specifier: "@corp/mlship-target-corp", version: "0.9.0" });
    expect((loaded?.plugin as unknown as { calls?: unknown[] } | undefined)?.calls).toContainEqual({ a: 1 });
    expect(container.resolve(Symbol.for("@mlship/test:registered"))).toBe("corp");
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
    expect(container.resolve(Symbol.for("@mlship/test:registered"))).toBe("cjs");
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
    expect(shapeless.message).toMatch(
      /`name` must be a non-empty string; `register` must be a function; `apiVersion` must be a number/,
    );
    expect((await failure({ targets: ["nodefault"] })).code).toBe("E_PLUGIN_INVALID");
    const throws = await failure({ targets: ["throws"] });
    expect(throws.code).toBe("E_PLUGIN_INVALID");
    expect(throws.message).toContain("boom at import");
    const failing = await failure({ targets: ["failing"] });
    expect(failing.message).toContain("failed to register: bad region");
    expect((await failure({ targets: ["noentry"] })).code).toBe("E_PLUGIN_INVALID");
  });

  it("E_PLUGIN_API_MISMATCH for another apiVersion", async () => {
    const e = await failure({ targets: ["future"] });
    expect(e.code).toBe("E_PLUGIN_API_MISMATCH");
    expect(e.details).toEqual({ apiVersion: 2, supported: 1 });
  });

  it("E_CONFIG for malformed entries", async () => {
    expect((await failure({ targets: [42 as never] })).where).toBe("targets[0]");
    expect((await failure({ targets: "good" as never })).code).toBe("E_CONFIG");
  });
});
