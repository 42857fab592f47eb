import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { MlshipError } from "@mlship/core";

/** Resolves a user-given path against the working directory and fails before any side effect if it is missing. */
export function existingPath(cwd: string, path: string, flag: string): string {
  // resolve(cwd, "") is cwd itself: an empty value (an unset shell variable) must not mean "everything here".
  if (path === "") {
    throw new MlshipError("E_INVALID_INPUT", `${flag} needs a path, got an empty value`, {
      where: flag,
      hint: 'Check the variable or value you passed; use "." for the working directory.',
    });
  }
  const full = resolve(cwd, path);
  if (!existsSync(full)) {
    throw new MlshipError("E_INVALID_INPUT", `${path} does not exist`, {
      where: `${flag} ${path}`,
      hint: "Check the path (relative paths start from the working directory).",
    });
  }
  return full;
}
