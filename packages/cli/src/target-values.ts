import type { CommandName, TargetPlugin } from "@mlship/core";
import { inputDir, inputFile } from "./files.js";
import { attributeOf, GENERIC_FLAGS, longName } from "./target-flags.js";

/**
 * The values of the flags `plugin` declares for `command`, keyed by the option each sets, from the parsed
 * command (and the CLI's generic flags). Unset flags are left out, so lower layers (config, env) show through.
 * Path flags are checked here, before anything runs, and passed absolute.
 */
export function targetFlagValues(
  plugin: TargetPlugin,
  command: CommandName,
  parsed: Record<string, unknown>,
  cwd: string,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  // The generic flags exist on every command, so a plugin that binds one gets it wherever it runs.
  const bound = (plugin.flags ?? []).filter(
    (f) => f.commands.includes(command) || GENERIC_FLAGS.has(longName(f)),
  );
  for (const flag of bound) {
    const value = parsed[attributeOf(flag)];
    if (value === undefined) continue;
    const check = flag.path === "file" ? inputFile : flag.path === "folder" ? inputDir : undefined;
    values[flag.option] = check && typeof value === "string" ? check(cwd, value, longName(flag)) : value;
  }
  return values;
}
