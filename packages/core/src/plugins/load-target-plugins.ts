import type { DependencyContainer } from "tsyringe";
import { isMlshipError, MlshipError } from "../errors.js";
import type { TargetPlugin } from "../plugin.js";
import { createTargetServices, providedProblems, registerProvided } from "../services.js";
import { type FindTargetPluginOptions, type FoundPlugin, findTargetPlugin } from "./find-target-plugin.js";
import { type OptionLayers, pluginOptions } from "./plugin-options.js";

/** The `targets` part of `mlship.config.json`. */
export interface PluginConfig {
  /** `"sagemaker"`, `"@corp/mlship-target-x"`, `"./my-target.js"`, or `[name, options]`. */
  targets?: Array<string | [string, Record<string, unknown>]>;
}

export interface LoadTargetPluginsOptions extends FindTargetPluginOptions {
  /** Where the loader registers what each plugin's `create` returns, and where services come from. */
  container: DependencyContainer;
  /** The config file the `targets` came from, named in E_CONFIG. */
  configFile?: string;
  /** Read through each plugin's `env` map (default `process.env`): above the config, below flags. */
  env?: OptionLayers["env"];
  /** Option values from the command line for one plugin: the highest precedence. */
  flags?(plugin: TargetPlugin): Readonly<Record<string, unknown>>;
}

export interface LoadedPlugin extends FoundPlugin {
  /** The validated options `create` received. */
  options: unknown;
}

interface Entry {
  name: string;
  options: Record<string, unknown>;
  index: number;
}

function entries(config: PluginConfig): Entry[] {
  const targets: unknown = config.targets ?? [];
  if (!Array.isArray(targets)) {
    throw new MlshipError("E_CONFIG", "`targets` must be an array of names or [name, options] pairs", {
      where: "targets",
    });
  }
  return targets.map((t: unknown, index) => {
    if (typeof t === "string" && t.trim() !== "") return { name: t.trim(), options: {}, index };
    if (
      Array.isArray(t) &&
      typeof t[0] === "string" &&
      t.length <= 2 &&
      (t[1] === undefined || (typeof t[1] === "object" && t[1] !== null))
    ) {
      return { name: t[0], options: (t[1] ?? {}) as Record<string, unknown>, index };
    }
    throw new MlshipError(
      "E_CONFIG",
      `targets[${index}] must be a name or a [name, options] pair, got ${JSON.stringify(t)}`,
      {
        where: `targets[${index}]`,
      },
    );
  });
}

/**
 * Validates a found plugin's options (config < environment < flags), calls its `create` with core's
 * services and registers what it returns on `container`.
 */
export async function createTargetPlugin(
  found: FoundPlugin,
  layers: OptionLayers,
  container: DependencyContainer,
): Promise<LoadedPlugin> {
  const { plugin } = found;
  const options = await pluginOptions(plugin, layers);
  let provided: unknown;
  try {
    provided = await plugin.create(options, createTargetServices(container));
  } catch (error) {
    if (isMlshipError(error)) throw error;
    throw new MlshipError(
      "E_PLUGIN_INVALID",
      `Target plugin "${plugin.name}" failed to create its targets: ${(error as Error)?.message ?? error}`,
      { where: found.specifier, cause: error },
    );
  }
  const problems = providedProblems(provided);
  if (problems.length) {
    throw new MlshipError("E_PLUGIN_INVALID", `Target plugin "${plugin.name}": ${problems.join("; ")}`, {
      where: found.specifier,
      hint: "create() returns { train?, deploy?, modelResolver? }.",
    });
  }
  registerProvided(container, provided as object);
  return { ...found, options };
}

/**
 * Loads the configured target plugins from the project directory, in config order: finds each
 * (`x` means `@mlship/target-x`, then `mlship-target-x`), checks its shape and apiVersion, validates its
 * options, calls `create` and registers the result on `container`. Fails with E_PLUGIN_NOT_FOUND (with an
 * `npm i` hint), E_PLUGIN_INVALID, E_PLUGIN_API_MISMATCH or E_CONFIG.
 */
export async function loadTargetPlugins(
  config: PluginConfig,
  options: LoadTargetPluginsOptions,
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const entry of entries(config)) {
    const found = await findTargetPlugin(entry.name, options);
    const layers: OptionLayers = {
      config: entry.options,
      env: options.env ?? process.env,
      ...(options.configFile ? { configFile: options.configFile } : {}),
      ...(options.flags ? { flags: options.flags(found.plugin) } : {}),
    };
    loaded.push(await createTargetPlugin(found, layers, options.container));
  }
  return loaded;
}
