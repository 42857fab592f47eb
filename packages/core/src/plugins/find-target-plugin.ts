import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { moduleResolve } from "import-meta-resolve";
import { MlshipError } from "../errors.js";
import { TARGET_PLUGIN_API_VERSION, type TargetPlugin } from "../plugin.js";
import { type PluginRequest, packageNameOf, pluginRequest, processConditions } from "./specifiers.js";

/** A plugin module found and imported, its shape and apiVersion checked; nothing created yet. */
export interface FoundPlugin {
  /** The plugin's own name (`sagemaker`). */
  name: string;
  /** What was resolved: the package name that matched (`@mlship/target-sagemaker`) or the path as written. */
  specifier: string;
  /** Absolute path of the entry module. */
  resolved: string;
  plugin: TargetPlugin;
  /** From the plugin package's package.json, when it is a package. */
  version?: string;
}

export interface FindTargetPluginOptions {
  /** The project directory (the config file's folder): plugins resolve from here, never by scanning. */
  cwd: string;
  /** Export conditions for resolution. Default: `node`, `import` plus this process's `--conditions`. */
  conditions?: readonly string[];
}

/**
 * Resolved with this condition first: a package can point it at a module that only defines the plugin
 * (no cloud SDK at top level), so reading its flags for `--help` stays cheap.
 */
export const PLUGIN_CONDITION = "mlship-plugin";

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
const looksLikePlugin = (x: unknown) => isObject(x) && "apiVersion" in x && "name" in x;

/** `export default`, `module.exports = plugin`, and transpiled CJS (`exports.default = plugin`). */
function unwrap(namespace: unknown): unknown {
  let value: unknown = namespace;
  for (let i = 0; i < 2 && isObject(value) && !looksLikePlugin(value) && "default" in value; i++)
    value = value.default;
  return value;
}

const HINT =
  "Export `defineTargetPlugin({ name, apiVersion: 2, options, flags, create })` from @mlship/core as the default export.";

function invalid(specifier: string, problems: string[]): MlshipError {
  return new MlshipError("E_PLUGIN_INVALID", `${specifier} is not a target plugin: ${problems.join("; ")}`, {
    where: specifier,
    hint: HINT,
    details: { problems },
  });
}

function flagProblems(flags: unknown): string[] {
  if (flags === undefined) return [];
  if (!Array.isArray(flags)) return ["`flags` must be an array"];
  return flags.flatMap((f: unknown, i) => {
    const ok =
      isObject(f) &&
      typeof f.name === "string" &&
      /^--[a-z0-9][-a-z0-9]*( <[^>]+>)?$/.test(f.name) &&
      typeof f.option === "string" &&
      typeof f.description === "string" &&
      Array.isArray(f.commands) &&
      f.commands.every((c) => typeof c === "string") &&
      (f.path === undefined || f.path === "file" || f.path === "folder") &&
      (f.paths === undefined || (Array.isArray(f.paths) && f.paths.every((p) => typeof p === "string"))) &&
      (f.when === undefined ||
        (isObject(f.when) && typeof f.when.flag === "string" && typeof f.when.value === "string"));
    return ok
      ? []
      : [
          `flags[${i}] must be { name: "--kebab-name" or "--name <value>", option, description, commands: [...] }`,
        ];
  });
}

function v2Problems(value: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof value.create !== "function") problems.push("`create` must be a function");
  const standard = isObject(value.options) ? value.options["~standard"] : undefined;
  if (!isObject(standard) || typeof standard.validate !== "function")
    problems.push("`options` must be a Standard Schema (e.g. a zod object)");
  problems.push(...flagProblems(value.flags));
  if (
    value.env !== undefined &&
    (!isObject(value.env) || !Object.values(value.env).every((v) => typeof v === "string"))
  )
    problems.push("`env` must map option names to environment variable names");
  return problems;
}

function checkShape(value: unknown, specifier: string): TargetPlugin {
  if (!isObject(value))
    throw invalid(specifier, [
      `its default export is ${value === null ? "null" : typeof value}, not a plugin object`,
    ]);
  const basics: string[] = [];
  if (typeof value.name !== "string" || value.name === "") basics.push("`name` must be a non-empty string");
  if (typeof value.apiVersion !== "number") basics.push("`apiVersion` must be a number");
  if (basics.length) throw invalid(specifier, basics);
  if (value.apiVersion !== TARGET_PLUGIN_API_VERSION) {
    const apiVersion = value.apiVersion as number;
    throw new MlshipError(
      "E_PLUGIN_API_MISMATCH",
      `${specifier} (plugin "${value.name}") implements plugin API v${apiVersion}; this @mlship/core supports v${TARGET_PLUGIN_API_VERSION}`,
      {
        where: specifier,
        hint:
          apiVersion > TARGET_PLUGIN_API_VERSION
            ? "Upgrade @mlship/core and the CLI, or install an older version of the plugin."
            : "Upgrade the plugin to a version built for this @mlship/core.",
        details: { apiVersion, supported: TARGET_PLUGIN_API_VERSION },
      },
    );
  }
  const problems = v2Problems(value);
  if (problems.length) throw invalid(specifier, problems);
  return value as unknown as TargetPlugin;
}

/**
 * Finds and imports one target plugin from the project directory: `x` means `@mlship/target-x`, then
 * `mlship-target-x`; scoped names and paths are taken as written. Fails with E_PLUGIN_NOT_FOUND (with an
 * `npm i` hint), E_PLUGIN_INVALID or E_PLUGIN_API_MISMATCH.
 */
export async function findTargetPlugin(
  written: string,
  options: FindTargetPluginOptions,
): Promise<FoundPlugin> {
  const cwd = resolvePath(options.cwd);
  // moduleResolve resolves relative to a file; any name inside the project directory will do.
  const base = pathToFileURL(join(cwd, "mlship.config.json"));
  const conditions = new Set([
    PLUGIN_CONDITION,
    "node",
    "import",
    ...(options.conditions ?? processConditions()),
  ]);
  const request = pluginRequest(written);
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
      { where: found.specifier, cause: error },
    );
  }
  const plugin = checkShape(unwrap(namespace), found.specifier);
  const resolved = fileURLToPath(found.url);
  const version = found.packageName ? packageVersion(resolved, found.packageName) : undefined;
  return {
    name: plugin.name,
    specifier: found.specifier,
    resolved,
    plugin,
    ...(version !== undefined ? { version } : {}),
  };
}
