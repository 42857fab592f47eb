import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { MlshipError } from "@mlship/core";

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
  // resolve(cwd, "") is cwd itself: an empty value (an unset shell variable) must not mean "everything here".
  if (path === "") {
    throw new MlshipError("E_INVALID_INPUT", `${flag} needs a path, got an empty value`, {
      where: flag,
      hint: 'Check the variable or value you passed; use "." for the working directory.',
    });
  }
  const full = resolve(base, path);
  if (!existsSync(full)) {
    throw new MlshipError("E_INVALID_INPUT", `${path} does not exist`, {
      where: flag.endsWith("=") ? `${flag}${path}` : `${flag} ${path}`,
      hint: `Check the path (relative paths start from ${baseName}).`,
    });
  }
  return full;
}
