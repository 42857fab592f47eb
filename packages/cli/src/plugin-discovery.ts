import { fileURLToPath } from "node:url";
import { isMlshipError } from "@mlship/core/errors";
import { type FoundPlugin, findTargetPlugin } from "@mlship/core/plugin";
import type { MlshipConfig } from "./config.js";
import type { DiscoveredPlugin } from "./target-flags.js";

// Reading plugins for flags and help imports only core's light entry points, not its HTTP client or container.

/** The first-party targets: offered when installed, without being configured. */
export const FIRST_PARTY = ["sagemaker", "kyma", "local"];

/** This package's folder: first-party targets installed next to a global CLI resolve from here. */
const cliDir = fileURLToPath(new URL("..", import.meta.url));

const isFirstParty = (name: string) => !name.startsWith(".") && !name.includes("/");

/** Finds a plugin from the project directory, then, for first-party names, from the CLI's own install. */
export async function findPlugin(name: string, projectDir: string): Promise<FoundPlugin> {
  try {
    return await findTargetPlugin(name, { cwd: projectDir });
  } catch (error) {
    if (!isFirstParty(name) || !isMlshipError(error) || error.code !== "E_PLUGIN_NOT_FOUND") throw error;
    return await findTargetPlugin(name, { cwd: cliDir }).catch(() => {
      throw error; // the project-relative error carries the right install hint
    });
  }
}

/** The names a target command may reach: the asked-for one, the configured ones, the first-party ones. */
export function candidateNames(config: MlshipConfig, target?: string): string[] {
  const configured = config.targets.map((t) => (typeof t === "string" ? t : t[0]));
  const named = [target, config.defaultTarget].filter((n): n is string => n !== undefined);
  return [...new Set([...named, ...configured, ...FIRST_PARTY])];
}

/**
 * The plugins whose flags a command offers. Missing and broken plugins are skipped: building the help
 * must not fail on them, and running a command that needs one reports the problem in full.
 */
export async function discoverPlugins(names: string[], projectDir: string): Promise<DiscoveredPlugin[]> {
  const found = await Promise.all(
    names.map((requested) =>
      findPlugin(requested, projectDir).then(
        (f) => ({ requested, plugin: f.plugin }),
        () => undefined,
      ),
    ),
  );
  return found.filter((d): d is DiscoveredPlugin => d !== undefined);
}
