import { randomBytes } from "node:crypto";
import { closeSync, openSync, type Stats, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MlshipError, userPathError } from "@mlship/core/errors";

// Paths the user gave are checked here, before any side effect, so a mistake in one is reported as the
// user's (E_INVALID_INPUT, exit 2, naming the flag and the path) and never as an mlship bug (E_INTERNAL).

const shown = (flag: string, path: string) => (flag.endsWith("=") ? `${flag}${path}` : `${flag} ${path}`);

function problem(flag: string, path: string, reason: string, hint?: string): MlshipError {
  return new MlshipError("E_INVALID_INPUT", `${shown(flag, path)}: ${reason}`, {
    where: shown(flag, path),
    details: { flag: flag.replace(/[ =].*$/, ""), path },
    hint: hint ?? "Check the path (relative paths start from the working directory).",
  });
}

/** A file-system error on a flag's path, worded for the user; anything else passes through. */
function asProblem(error: unknown, flag: string, path: string): unknown {
  const worded = userPathError(error, path, flag);
  if (worded === error) return error;
  return problem(flag, path, (worded as MlshipError).message.slice(`${flag} ${path} `.length));
}

function statOf(full: string, flag: string, path: string): Stats | undefined {
  try {
    return statSync(full);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw asProblem(error, flag, path);
  }
}

function nonEmpty(path: string, flag: string): void {
  // resolve(cwd, "") is cwd itself: an empty value (an unset shell variable) must not mean "everything here".
  if (path === "") {
    throw new MlshipError("E_INVALID_INPUT", `${flag} needs a path, got an empty value`, {
      where: flag,
      hint: 'Check the variable or value you passed; use "." for the working directory.',
    });
  }
}

/**
 * Resolves a user-given path against `base` (the working directory, unless a flag says otherwise) and fails before
 * any side effect if it is missing. `flag` may end in "=" (`--data train=`): the path then follows it directly.
 */
export function existingPath(
  base: string,
  path: string,
  flag: string,
  baseName = "the working directory",
): string {
  nonEmpty(path, flag);
  const full = resolve(base, path);
  if (!statOf(full, flag, path)) {
    throw problem(flag, path, "does not exist", `Check the path (relative paths start from ${baseName}).`);
  }
  return full;
}

/** An existing file (not a folder). */
export function inputFile(base: string, path: string, flag: string, baseName?: string): string {
  const full = existingPath(base, path, flag, baseName);
  if (statOf(full, flag, path)?.isDirectory()) throw problem(flag, path, "is a folder, not a file");
  return full;
}

/** An existing folder. */
export function inputDir(base: string, path: string, flag: string): string {
  const full = existingPath(base, path, flag);
  if (!statOf(full, flag, path)?.isDirectory()) throw problem(flag, path, "is a file, not a folder");
  return full;
}

/** Whether a file can be created in `dir`: tried, not inferred (root ignores permission bits, not read-only mounts). */
function checkWritable(dir: string, flag: string, path: string): void {
  const probe = join(dir, `.mlship-write-check-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    closeSync(openSync(probe, "wx"));
    unlinkSync(probe);
  } catch (error) {
    const e = asProblem(error, flag, path);
    throw e === error ? problem(flag, path, `cannot be written (${(error as Error).message})`) : e;
  }
}

/** A new entry can be made at `full`: its folder exists, is a folder, and accepts new files. */
function creatable(full: string, flag: string, path: string): string {
  const parent = statOf(dirname(full), flag, path);
  if (!parent) throw problem(flag, path, `is in a folder that does not exist (${dirname(full)})`);
  if (!parent.isDirectory())
    throw problem(flag, path, `is under ${dirname(full)}, which is a file, not a folder`);
  checkWritable(dirname(full), flag, path);
  return full;
}

/** A file to write: not a folder, in an existing folder that accepts new files. */
export function outputFile(base: string, path: string, flag: string): string {
  nonEmpty(path, flag);
  const full = resolve(base, path);
  if (statOf(full, flag, path)?.isDirectory()) throw problem(flag, path, "is a folder, not a file");
  return creatable(full, flag, path);
}

/** A folder to write into: an existing, writable folder, or a new one in an existing, writable folder. */
export function outputDir(base: string, path: string, flag: string): string {
  nonEmpty(path, flag);
  const full = resolve(base, path);
  const self = statOf(full, flag, path);
  if (!self) return creatable(full, flag, path);
  if (!self.isDirectory()) throw problem(flag, path, "is a file, not a folder");
  checkWritable(full, flag, path);
  return full;
}
