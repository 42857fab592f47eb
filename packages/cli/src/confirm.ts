import { createInterface } from "node:readline/promises";
import { MlshipError } from "@mlship/core";
import type { CliContext } from "./context.js";

/**
 * Asks `question` on the terminal unless `--yes` was passed, as `kubectl delete` and `terraform destroy` do.
 * Without a terminal on stdin nobody can answer: that is E_USAGE before anything is deleted, asking for --yes.
 * A "no" is E_ABORTED (nothing was done).
 */
export async function confirmOrYes(ctx: CliContext, yes: unknown, action: string, question: string) {
  if (yes) return;
  const stdin = checkConfirmable(ctx, yes, action);
  if (!stdin) return;
  const prompt = createInterface({ input: stdin, output: ctx.io.stderr, terminal: true });
  let answer: string;
  try {
    answer = await prompt.question(`${question} [y/N] `, { signal: ctx.signal });
  } finally {
    prompt.close();
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    throw new MlshipError("E_ABORTED", `${action}: not confirmed, nothing was deleted`);
  }
}

/** Checked before any work: without --yes, stdin must be a terminal someone can answer on. */
export function checkConfirmable(ctx: CliContext, yes: unknown, action: string) {
  if (yes) return undefined;
  const stdin = ctx.io.stdin;
  if (!stdin?.isTTY) {
    throw new MlshipError("E_USAGE", `${action} needs a confirmation, and stdin is not a terminal`, {
      where: "--yes",
      hint: "Pass --yes to go ahead without being asked (--dry-run, where offered, shows what would be deleted).",
    });
  }
  return stdin;
}
