import pc from "picocolors";

/** Where the CLI writes; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where confirmations are read from; without one (or not a terminal) a command that asks needs `--yes`. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export const processIO = (): CliIO => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});

/** Global flags every command sees (commander's `optsWithGlobals()`). */
export interface GlobalOptions {
  config?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  events?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours only on a TTY, never with NO_COLOR or --no-color. */
export function colorsFor(io: CliIO, opts: GlobalOptions): Colors {
  const enabled = opts.color !== false && !("NO_COLOR" in io.env) && Boolean(io.stderr.isTTY);
  return pc.createColors(enabled);
}
