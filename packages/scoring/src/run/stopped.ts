import { isMlshipError, MlshipError } from "@mlship/core";

/** The error a stopped run throws: E_ABORTED for the caller's abort, else the cause, with the rows done. */
export function stoppedError(
  error: unknown,
  rows: number,
  signal: AbortSignal | undefined,
  out: string | undefined,
): MlshipError {
  if (signal?.aborted) {
    return new MlshipError("E_ABORTED", `Scoring was aborted after ${rows} rows`, {
      cause: signal.reason,
      details: { rows },
      hint: out
        ? "Run again with --resume (library: resume: true) to continue from the checkpoint."
        : undefined,
    });
  }
  const e = isMlshipError(error) ? error : new MlshipError("E_INTERNAL", String(error), { cause: error });
  return new MlshipError(e.code, `${e.message} (scoring stopped after ${rows} rows)`, {
    cause: e,
    where: e.where,
    details: { ...e.details, rows },
    hint: out
      ? "Fix the cause, then run again with --resume (library: resume: true) to continue from the checkpoint."
      : e.hint,
  });
}
