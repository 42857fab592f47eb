import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { moduleResolve } from "import-meta-resolve";
import type { DependencyContainer } from "tsyringe";
import { isMlshipError, MlshipError } from "../errors.js";
import { TARGET_PLUGIN_API_VERSION, type TargetPlugin } from "../plugin.js";
import { type PluginRequest, packageNameOf, pluginRequest, processConditions } from "./specifiers.js";

/** The `targets` part of `mlship.config.json`. */
export interface PluginConfig {
  /** `"sagemaker"`, `"@corp/mlship-target-x"`, `"./my-target.js"`, or `[name, options]`. */
  targets?: Array<string | [string, Record<string, unknown>]>;
}

export interface LoadTargetPluginsOptions {
  /** The project directory (the config file's folder): plugins resolve from here, never by scanning. */
  cwd: string;
  /** Where plugins register their targets. */
  container: DependencyContainer;
  /** Export conditions for resolution. Default: `node`, `import` plus this process's `--conditions`. */
  conditions?: readonly string[];
}

export interface LoadedPlugin {
  /** The plugin's own name (`sagemaker`). */
  name: string;
  /** What was resolved: the package name that matched (`@mlship/target-sagemaker`) or the path as written. */
  specifier: string;
  /** Absolute path of the entry module. */
  resolved: string;
  plugin: TargetPlugin;
  options: unknown;
  /** From the plugin package's package.json, when it is a package. */
  version?: string;
}

interface Entry {
  name: string;
  options: unknown;
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
      return { name: t[0], options: t[1] ?? {}, index };
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

type Resolution = { specifier: string; url: URL; packageName?: string };

function resolvePackage(
  request: Extract<PluginRequest, { kind: "package" }>,
  base: URL,
  conditions: Set<string>,
  cwd: string,
): Resolution {
  for (const candidate of request.candidates) {
    const packageName = packageNameOf(candidate);
    try {
      return { specifier: candidate, url: moduleResolve(candidate, base, conditions, false), packageName };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // "Cannot find package '<name>'" means not installed: try the next candidate. Anything else
      // (a broken exports map, a missing entry file) means installed but unusable.
      if (code === "ERR_MODULE_NOT_FOUND" && (error as Error).message.includes(`'${packageName}'`)) continue;
      throw new MlshipError(
        "E_PLUGIN_INVALID",
        `Target plugin package ${candidate} cannot be resolved: ${(error as Error).message}`,
        {
          where: candidate,
          cause: error,
          hint: `Reinstall it: \`npm i ${packageName}\`.`,
        },
      );
    }
  }
  const tried = request.candidates;
  throw new MlshipError(
    "E_PLUGIN_NOT_FOUND",
    `Target plugin "${request.written}" is not installed in ${cwd} (tried ${tried.join(", ")})`,
    {
      where: request.written,
      hint:
        tried.length > 1
          ? `Install it: \`npm i ${tried[0]}\` (first-party) or \`npm i ${tried[1]}\` (third-party).`
          : `Install it: \`npm i ${packageNameOf(tried[0] as string)}\`.`,
      details: { tried, cwd },
    },
  );
}

function resolveFile(written: string, cwd: string): Resolution {
  const path = resolvePath(cwd, written);
  if (!existsSync(path)) {
    throw new MlshipError(
      "E_PLUGIN_NOT_FOUND",
      `Target plugin file ${written} does not exist (looked at ${path})`,
      {
        where: written,
        hint: `Relative paths are resolved from the project directory ${cwd}.`,
        details: { path },
      },
    );
  }
  let file = path;
  if (statSync(path).isDirectory()) {
    // ESM has no directory imports; follow package.json "main"/index.js as require would.
    try {
      file = createRequire(join(cwd, "noop.js")).resolve(path);
    } catch (error) {
      throw new MlshipError("E_PLUGIN_INVALID", `Target plugin directory ${written} has no entry module`, {
        where: written,
        cause: error,
      });
    }
  }
  return { specifier: written, url: pathToFileURL(file) };
}

function packageVersion(entryFile: string, packageName: string): string | undefined {
  for (let dir = dirname(entryFile); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
        if (pkg.name === packageName) return typeof pkg.version === "string" ? pkg.version : undefined;
      } catch {
        // An unreadable package.json only costs us the version.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  (typeof x === "object" || typeof x === "function") && x !== null;
const looksLikePlugin = (x: unknown) => isObject(x) && "register" in x && "name" in x;

/** `export default`, `module.exports = plugin`, and transpiled CJS (`exports.default = plugin`). */
function unwrap(namespace: unknown): unknown {
  let value: unknown = namespace;
  for (let i = 0; i < 2 && isObject(value) && !looksLikePlugin(value) && "default" in value; i++)
    value = value.default;
  return value;
}

function checkShape(value: unknown, specifier: string): TargetPlugin {
  const problems: string[] = [];
  if (!isObject(value))
    problems.push(`its default export is ${value === null ? "null" : typeof value}, not a plugin object`);
  else {
    if (typeof value.name !== "string" || value.name === "")
      problems.push("`name` must be a non-empty string");
    if (typeof value.register !== "function") problems.push("`register` must be a function");
    if (typeof value.apiVersion !== "number") problems.push("`apiVersion` must be a number");
    if (value.describeOptions !== undefined && typeof value.describeOptions !== "function")
      problems.push("`describeOptions` must be a function");
  }
  if (problems.length) {
    throw new MlshipError("E_PLUGIN_INVALID", `${specifier} is not a target plugin: ${problems.join("; ")}`, {
      where: specifier,
      hint: "Export `defineTargetPlugin({ name, apiVersion: 1, register })` from @mlship/core as the default export.",
      details: { problems },
    });
  }
  const plugin = value as unknown as TargetPlugin;
  if (plugin.apiVersion !== TARGET_PLUGIN_API_VERSION) {
    throw new MlshipError(
      "E_PLUGIN_API_MISMATCH",
      `${specifier} (plugin "${plugin.name}") implements plugin API v${plugin.apiVersion}; this @mlship/core supports v${TARGET_PLUGIN_API_VERSION}`,
      {
        where: specifier,
        hint:
          plugin.apiVersion > TARGET_PLUGIN_API_VERSION
            ? "Upgrade @mlship/core and the CLI, or install an older version of the plugin."
            : "Upgrade the plugin to a version built for this @mlship/core.",
        details: { apiVersion: plugin.apiVersion, supported: TARGET_PLUGIN_API_VERSION },
      },
    );
  }
  return plugin;
}

/**
 * Loads the configured target plugins from the project directory and registers them on `container`,
 * in config order. `x` means `@mlship/target-x`, then `mlship-target-x`; scoped names and paths are
 * taken as written. Fails with E_PLUGIN_NOT_FOUND (with an `npm i` hint), E_PLUGIN_INVALID or
 * E_PLUGIN_API_MISMATCH.
 */
export async function loadTargetPlugins(
  config: PluginConfig,
  options: LoadTargetPluginsOptions,
): Promise<LoadedPlugin[]> {
  const cwd = resolvePath(options.cwd);
  // moduleResolve resolves relative to a file; any name inside the project directory will do.
  const base = pathToFileURL(join(cwd, "mlship.config.json"));
  const conditions = new Set(["node", "import", ...(options.conditions ?? processConditions())]);
  const loaded: LoadedPlugin[] = [];
  for (const entry of entries(config)) {
    const request = pluginRequest(entry.name);
    const found =
      request.kind === "path"
        ? resolveFile(request.written, cwd)
        : resolvePackage(request, base, conditions, cwd);
    let namespace: unknown;
    try {
      namespace = await import(found.url.href);
    } catch (error) {
      throw new MlshipError(
        "E_PLUGIN_INVALID",
        `Target plugin ${found.specifier} failed to load: ${(error as Error)?.message ?? error}`,
        {
          where: found.specifier,
          cause: error,
        },
      );
    }
    const plugin = checkShape(unwrap(namespace), found.specifier);
    try {
      await plugin.register(options.container, entry.options);
    } catch (error) {
      if (isMlshipError(error)) throw error;
      throw new MlshipError(
        "E_PLUGIN_INVALID",
        `Target plugin "${plugin.name}" failed to register: ${(error as Error)?.message ?? error}`,
        {
          where: found.specifier,
          cause: error,
        },
      );
    }
    const resolved = fileURLToPath(found.url);
    const record: LoadedPlugin = {
      name: plugin.name,
      specifier: found.specifier,
      resolved,
      plugin,
      options: entry.options,
    };
    const version = found.packageName ? packageVersion(resolved, found.packageName) : undefined;
    if (version !== undefined) record.version = version;
    loaded.push(record);
  }
  return loaded;
}
