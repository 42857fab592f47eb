import {
  createContainer,
  createTargetServices,
  type Provided,
  TARGET_PLUGIN_API_VERSION,
  type TargetPlugin,
} from "@mlship/core";
import { describe, expect, it } from "vitest";

/** The plugin's schema applied to `options` (as mlship's loader does); the validated value, or its issues. */
async function validate(plugin: TargetPlugin, options: Record<string, unknown>) {
  return plugin.options["~standard"].validate(options);
}

/**
 * What the loader hands a plugin, without the CLI: `options` validated by the plugin's own schema, then
 * `create(options, services)` with core's services from a fresh container. Rejects when the schema does.
 */
export async function providedBy(
  plugin: TargetPlugin,
  options: Record<string, unknown> = {},
): Promise<Provided> {
  const result = await validate(plugin, options);
  if (result.issues) {
    throw new Error(`${plugin.name}: invalid options: ${result.issues.map((i) => i.message).join("; ")}`);
  }
  return plugin.create(result.value, createTargetServices(createContainer()));
}

export interface PluginConformanceOptions {
  /** Valid options for the plugin (what a config file would hold). */
  options?: Record<string, unknown>;
}

/**
 * The plugin's shape, as mlship's loader checks it: a name, apiVersion 2, a Standard Schema that refuses an
 * unknown key, flags that each set an option of that schema, and `create` returning the capabilities.
 */
export function describeTargetPlugin(plugin: TargetPlugin, options: PluginConformanceOptions = {}): void {
  describe(`${plugin.name}: TargetPlugin conformance`, () => {
    it("declares a name, apiVersion 2 and an options schema", () => {
      expect(plugin.name).toMatch(/^[a-z0-9][-a-z0-9]*$/);
      expect(plugin.apiVersion).toBe(TARGET_PLUGIN_API_VERSION);
      expect(typeof plugin.options?.["~standard"]?.validate).toBe("function");
    });

    it("its schema accepts the options given and refuses an unknown key", async () => {
      expect((await validate(plugin, options.options ?? {})).issues).toBeUndefined();
      const typo = await validate(plugin, { ...options.options, notAnOptionOfThisPlugin: true });
      expect(typo.issues?.length ?? 0).toBeGreaterThan(0);
    });

    it("each flag names itself --x, sets an option and lists its commands", () => {
      for (const flag of plugin.flags ?? []) {
        expect(flag.name).toMatch(/^--[a-z0-9][-a-z0-9]*( <[^>]+>)?$/);
        expect(flag.option).toEqual(expect.any(String));
        expect(flag.commands.length).toBeGreaterThan(0);
      }
    });

    it("create returns the targets it provides, named like the plugin", async () => {
      const provided = await providedBy(plugin, options.options);
      const targets = [provided.train, provided.deploy].filter((t) => t !== undefined);
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(target.name).toBe(plugin.name);
    });
  });
}
