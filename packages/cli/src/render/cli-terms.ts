import type { TargetPlugin } from "@mlship/core";

/** Library options the CLI itself sets, by the flag that sets them (target options come from their plugins). */
const CLI_FLAGS: Record<string, string> = {
  region: "--region",
  profile: "--profile",
  endpoint: "--endpoint-url",
  resume: "--resume",
  restart: "--restart",
  features: "--features",
  label: "--label",
  keep: "--keep",
  encoding: "--encoding",
  lenientQuotes: "--lenient-quotes",
  entryPoint: "--entry-point",
  sourceDir: "--source-dir",
  maxRuntimeSeconds: "--max-runtime",
};

/** option name -> CLI flag, from the CLI's own flags and every loaded plugin's declared flags. */
export function flagsByOption(plugins: readonly { plugin: TargetPlugin }[]): Map<string, string> {
  const map = new Map(Object.entries(CLI_FLAGS));
  for (const { plugin } of plugins)
    for (const flag of plugin.flags ?? []) {
      const name = flag.name.split(" ")[0] as string;
      for (const key of [flag.option, ...(flag.paths ?? [])]) map.set(key, name);
    }
  return map;
}

/**
 * Libraries name their options in errors (`where: role`, "Pass `role`"); on the command line the user needs
 * the flag that sets it. Option names in backticks and a `where` that is exactly an option are rewritten.
 */
export function inCliTerms(
  text: string | undefined,
  flags: ReadonlyMap<string, string>,
  { whole = false } = {},
): string | undefined {
  if (text === undefined) return undefined;
  if (whole) return flags.get(text) ?? text;
  return text.replace(/`([A-Za-z][A-Za-z0-9.]*)`/g, (quoted, option: string) => flags.get(option) ?? quoted);
}
