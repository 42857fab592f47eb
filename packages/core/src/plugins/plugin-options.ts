import type { StandardSchemaV1 } from "@standard-schema/spec";
import { MlshipError } from "../errors.js";
import type { TargetPlugin } from "../plugin.js";

/** Where one plugin's option values come from, lowest precedence first. */
export interface OptionLayers {
  /** The plugin's entry in the config file. */
  config?: Readonly<Record<string, unknown>>;
  /** The file those came from, named in errors. */
  configFile?: string;
  /** Read through the plugin's `env` map. */
  env?: Readonly<Record<string, string | undefined>>;
  /** From the command line, keyed by option name. */
  flags?: Readonly<Record<string, unknown>>;
}

const defined = (o: Readonly<Record<string, unknown>> = {}) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The options the plugin's `env` map finds set in `env`. */
function fromEnv(plugin: TargetPlugin, env: OptionLayers["env"] = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [option, variable] of Object.entries(plugin.env ?? {})) {
    const value = env[variable];
    if (value !== undefined && value !== "") out[option] = value;
  }
  return out;
}

/** The first path segment of an issue: the top-level option it is about. */
function keyOf(issue: StandardSchemaV1.Issue): string | undefined {
  const [first] = issue.path ?? [];
  if (first !== undefined) return String(typeof first === "object" ? first.key : first);
  // zod names unknown keys in `keys`, with an empty path.
  const keys = (issue as { keys?: unknown }).keys;
  return Array.isArray(keys) && typeof keys[0] === "string" ? keys[0] : undefined;
}

/** Says which layer a bad key came from: a flag, an environment variable or the config file. */
function sourceOf(
  plugin: TargetPlugin,
  key: string | undefined,
  layers: OptionLayers,
  env: Record<string, string>,
) {
  const flag = plugin.flags?.find((f) => f.option === key)?.name.split(" ")[0];
  if (key !== undefined && layers.flags?.[key] !== undefined) return flag ?? `option ${key}`;
  if (key !== undefined && env[key] !== undefined) return `environment variable ${plugin.env?.[key]}`;
  return layers.configFile ?? "the target's options";
}

/**
 * Merges config < environment < flags and validates the result with the plugin's schema: an unknown key
 * or a wrong type is E_CONFIG naming the plugin, the key and where it was set.
 */
export async function pluginOptions(plugin: TargetPlugin, layers: OptionLayers): Promise<unknown> {
  const env = fromEnv(plugin, layers.env);
  const merged = { ...defined(layers.config), ...env, ...defined(layers.flags) };
  const result = await plugin.options["~standard"].validate(merged);
  if (!result.issues) return result.value;
  const [issue] = result.issues;
  const key = issue ? keyOf(issue) : undefined;
  const source = sourceOf(plugin, key, layers, env);
  throw new MlshipError(
    "E_CONFIG",
    `Target plugin "${plugin.name}": ${key === undefined ? "" : `option "${key}": `}${issue?.message ?? "invalid options"} (from ${source})`,
    {
      where:
        source === layers.configFile && key !== undefined
          ? `${source}#targets.${plugin.name}.${key}`
          : source,
      hint: `Fix or remove it; \`mlship targets\` lists the options "${plugin.name}" takes.`,
      details: { plugin: plugin.name, key, issues: result.issues.map((i) => i.message) },
    },
  );
}
