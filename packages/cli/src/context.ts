import type { EventSink, TargetPlugin } from "@mlship/core";
import { type LoadedConfig, loadConfig } from "./config.js";
import { type CliIO, type Colors, colorsFor, type GlobalOptions } from "./io.js";
import { createEventRenderer, type EventRenderer } from "./render/events.js";

/** Everything a command needs from the outside world, built once per invocation. */
export interface CliContext {
  io: CliIO;
  opts: GlobalOptions;
  colors: Colors;
  config: LoadedConfig;
  events: EventSink;
  signal: AbortSignal;
  /** Prints the command's result: JSON with --json, else the human rendering. */
  print(result: unknown, human: () => string): void;
  /**
   * For a command whose --json output is JSON lines (NDJSON), as logs are: returns the printer of one line. An
   * error that ends the command is then printed as one line too, so a reader can parse every line.
   */
  jsonLines(): (value: unknown) => void;
  /** True once the command has chosen JSON lines (jsonLines()). */
  readonly printsJsonLines: boolean;
  /** Region/profile/endpoint from flags, then config, then the environment. */
  aws(): { region?: string; profile?: string; endpoint?: string };
  /** The values of the flags `plugin` declares for the running command, by option name. */
  targetFlags(plugin: TargetPlugin): Record<string, unknown>;
}

export function createContext(
  io: CliIO,
  opts: GlobalOptions,
  signal: AbortSignal,
  targetFlags: CliContext["targetFlags"] = () => ({}),
): CliContext & { close(): void } {
  const colors = colorsFor(io, opts);
  const config = loadConfig(io.cwd, opts.config);
  const renderer: EventRenderer = createEventRenderer(io, opts, colors);
  let printsJsonLines = false;
  return {
    io,
    opts,
    colors,
    config,
    events: renderer.sink,
    signal,
    print(result, human) {
      renderer.close();
      if (opts.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else io.stdout.write(human()); // --quiet silences events and progress, never the result
    },
    jsonLines() {
      printsJsonLines = true;
      return (value) => io.stdout.write(`${JSON.stringify(value)}\n`);
    },
    get printsJsonLines() {
      return printsJsonLines;
    },
    aws() {
      const c = config.config;
      return {
        region: opts.region ?? c.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
        profile: opts.profile ?? c.profile ?? io.env.AWS_PROFILE,
        endpoint: opts.endpointUrl ?? c.endpointUrl ?? io.env.AWS_ENDPOINT_URL,
      };
    },
    targetFlags,
    close: () => renderer.close(),
  };
}
