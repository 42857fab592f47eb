import type { CommandName, TargetFlag, TargetPlugin } from "@mlship/core";
import { MlshipError } from "@mlship/core/errors";
import { type Command, Option } from "commander";

/** A plugin found before parsing (to add its flags), with the name it was asked for (`kyma`, `./x.mjs`). */
export interface DiscoveredPlugin {
  requested: string;
  plugin: TargetPlugin;
}

/** The CLI's own generic flags: a plugin that declares one receives its value, the CLI does not add it twice. */
export const GENERIC_FLAGS = new Set(["--region", "--profile", "--endpoint-url"]);

export const longName = (flag: TargetFlag) => flag.name.split(" ")[0] as string;
export const attributeOf = (flag: TargetFlag) => new Option(flag.name).attributeName();
const flagsFor = (plugin: TargetPlugin, command: CommandName) =>
  (plugin.flags ?? []).filter((f) => f.commands.includes(command));

/** Options this module added, so the usage check looks at target flags only. */
const added = new WeakMap<Command, Map<string, TargetFlag>>();

/**
 * Adds the flags the discovered plugins declare for `command`, each plugin's in a help group of its own.
 * A flag that clashes with one of the command's own is not added (the command's meaning wins). With
 * `shown`, only that target's group is listed in the help; the others still parse, for a clear usage error.
 */
export function addTargetFlags(
  cmd: Command,
  command: CommandName,
  plugins: readonly DiscoveredPlugin[],
  shown?: string,
): Command {
  const mine = new Map<string, TargetFlag>();
  added.set(cmd, mine);
  for (const { requested, plugin } of plugins) {
    for (const flag of flagsFor(plugin, command)) {
      const name = longName(flag);
      if (GENERIC_FLAGS.has(name) || mine.has(name) || cmd.options.some((o) => o.long === name)) continue;
      const option = new Option(flag.name, flag.description).helpGroup(`${plugin.name} target options:`);
      if (shown !== undefined && shown !== requested && shown !== plugin.name) option.hideHelp();
      cmd.addOption(option);
      mine.set(name, flag);
    }
  }
  return cmd;
}

/** A target flag given on the command line that the chosen target does not take: E_USAGE naming the target. */
export function checkTargetFlags(
  cmd: Command,
  command: CommandName,
  target: string,
  plugin?: TargetPlugin,
): void {
  const taken = new Map((plugin ? flagsFor(plugin, command) : []).map((f) => [longName(f), f]));
  for (const [name, flag] of added.get(cmd) ?? []) {
    if (cmd.getOptionValueSource(attributeOf(flag)) !== "cli") continue;
    const declared = taken.get(name);
    if (!declared) {
      throw new MlshipError("E_USAGE", `${name} is not a flag of the "${target}" target`, {
        where: name,
        hint: `Drop ${name}, or pick a target that takes it (\`mlship ${command} --help\` lists each target's flags).`,
      });
    }
    const when = declared.when;
    if (when && cmd.opts()[new Option(when.flag).attributeName()] !== when.value) {
      throw new MlshipError("E_USAGE", `${name} only applies with ${when.flag} ${when.value}`, {
        where: name,
        hint: `Add ${when.flag} ${when.value}, or drop ${name}.`,
      });
    }
  }
}
