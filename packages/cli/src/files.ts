import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { MlshipError } from "@mlship/core";

/** Resolves a user-given path against the working directory and fails before any side effect if it is missing. */
export function existingPath(cwd: string, path: string, flag: string): string {
  const full = resolve(cwd, path);
  if (!existsSync(full)) {
    throw new MlshipError("E_INVALID_INPUT", `${path} does not exist`, {
      where: `${flag} ${path}`,
      hint: "Check the path (relative paths start from the working directory).",
    });
  }
  return full;
}
