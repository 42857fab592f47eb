import type { Command } from "commander";
import type { CliContext } from "./context.js";
import type { CliIO } from "./io.js";
import { TARGET_COMMANDS, type TargetFlagSource } from "./program.js";
import { checkTargetFlags } from "./target-flags.js";

/** Global options that take a value: skipped when looking for the command name. */
const VALUE_OPTIONS = new Set(["--config", "--region", "--profile", "--endpoint-url"]);

/** `--name value` or `--name=value`, read before commander parses (the plugins' flags must exist first). */
function argValue(argv: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (names.includes(arg)) return argv[i + 1];
    const name = names.find((n) => arg.startsWith(`${n}=`));
    if (name) return arg.slice(name.length + 1);
  }
  return undefined;
}

function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * For a command that takes `--target`, the plugins whose flags it offers; for any other (and `mlship --help`)
 * nothing is loaded. A broken config is reported when the command runs, not while building it.
 */
export async function targetFlagSource(argv: readonly string[], io: CliIO): Promise<TargetFlagSource> {
  const command = commandOf(argv);
  if (command === undefined || !TARGET_COMMANDS.has(command)) return { plugins: [] };
  const [{ loadConfig }, { candidateNames, discoverPlugins }] = await Promise.all([
    import("./config.js"),
    import("./plugin-discovery.js"),
  ]);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.cwd, argValue(argv, ["--config"]));
  } catch {
    return { plugins: [] };
  }
  const shown = argValue(argv, ["--target", "-t"]);
  const names = candidateNames(config.config, shown ?? io.env.MLSHIP_TARGET);
  return { plugins: await discoverPlugins(names, config.dir), ...(shown ? { shown } : {}) };
}

/** A target flag the chosen target does not declare is a usage error (checked when the target was found). */
export async function checkChosenTarget(
  ctx: CliContext,
  command: Command,
  group: string,
  targets: TargetFlagSource,
) {
  const { targetName } = await import("./targets.js");
  const name = targetName(ctx, command.opts().target as string | undefined);
  const chosen = targets.plugins.find((p) => p.requested === name || p.plugin.name === name);
  if (chosen) checkTargetFlags(command, group, chosen.plugin.name, chosen.plugin);
}
