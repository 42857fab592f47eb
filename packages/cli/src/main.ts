import { readFileSync } from "node:fs";
import { isMlshipError } from "@mlship/core/errors";
import { CommanderError } from "commander";
import type { CliContext } from "./context.js";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodeFor } from "./exit-codes.js";
import { type CliIO, colorsFor, type GlobalOptions, processIO } from "./io.js";
import { buildProgram, TARGET_COMMANDS, type TargetFlagSource } from "./program.js";
import { flagsByOption, inCliTerms } from "./render/cli-terms.js";
import { checkChosenTarget, targetFlagSource } from "./target-source.js";

const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Runs `mlship <argv>` and returns the exit code: 0 ok, 1 failed, 2 usage/input, 130 interrupted. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED); // second Ctrl-C: give up on cleanup
    interrupted = true;
    io.stderr.write("\nInterrupted: cleaning up (press Ctrl-C again to force)...\n");
    controller.abort(new Error("interrupted by the user (SIGINT)"));
  };
  process.on("SIGINT", onSigint);
  // `kill`, docker stop and CI timeouts send SIGTERM: clean up as for Ctrl-C (stop jobs, servers, temp folders).
  process.on("SIGTERM", onSigint);

  let ctx: (CliContext & { close(): void }) | undefined;
  let opts: GlobalOptions = {};
  let targets: TargetFlagSource = { plugins: [] };
  try {
    targets = await targetFlagSource(argv, io);
    const program = buildProgram(
      version,
      async (command, load, args) => {
        opts = command.optsWithGlobals<GlobalOptions>();
        // The AWS SDK warns on every run that it will drop Node 20 in 2027; say it once in --verbose, not always.
        if (!opts.verbose) io.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
        // Loaded here, not at start-up: config validation (zod) and progress bars cost ~100 ms to import.
        const [{ createContext }, { targetFlagValues }] = await Promise.all([
          import("./context.js"),
          import("./target-values.js"),
        ]);
        const group = command.parent?.parent ? command.parent.name() : command.name();
        ctx = createContext(io, opts, controller.signal, (plugin) =>
          targetFlagValues(plugin, group, command.optsWithGlobals(), io.cwd),
        );
        if (TARGET_COMMANDS.has(group)) await checkChosenTarget(ctx, command, group, targets);
        const { run } = await load();
        await run(ctx, args, command.opts());
      },
      io,
      targets,
    );
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (error) {
    // commander has already printed usage errors, --help and --version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    ctx?.close();
    reportError(io, opts, error, flagsByOption(targets.plugins), ctx?.printsJsonLines ?? false);
    return interrupted ? EXIT_INTERRUPTED : exitCodeFor(error);
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    ctx?.close();
  }
}

function reportError(
  io: CliIO,
  opts: GlobalOptions,
  error: unknown,
  flags: ReadonlyMap<string, string>,
  jsonLines: boolean,
): void {
  const colors = colorsFor(io, opts);
  const code = isMlshipError(error) ? error.code : "E_INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`${colors.red(`error [${code}]`)}: ${message}\n`);
  if (isMlshipError(error)) {
    if (error.where) io.stderr.write(`  where: ${inCliTerms(error.where, flags, { whole: true })}\n`);
    if (error.hint) io.stderr.write(`  hint: ${inCliTerms(error.hint, flags)}\n`);
  } else if (!opts.verbose) {
    io.stderr.write("  hint: this looks like a bug in mlship; rerun with --verbose and report it.\n");
  }
  if (opts.verbose && error instanceof Error && error.stack) io.stderr.write(`${colors.dim(error.stack)}\n`);
  if (opts.json) {
    const body = isMlshipError(error) ? error.toJSON() : { name: "Error", code, message };
    // After JSON lines (logs --json), the error is one more line: an NDJSON reader parses every line.
    io.stdout.write(`${JSON.stringify({ error: body }, null, jsonLines ? undefined : 2)}\n`);
  }
}
