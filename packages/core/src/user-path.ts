import { isMlshipError, MlshipError } from "./errors.js";

const REASONS: Record<string, string> = {
  ENOENT: "does not exist, or its folder does not",
  ENOTDIR: "goes through a file as if it were a folder",
  EISDIR: "is a folder, not a file",
  EACCES: "is not accessible (permission denied)",
  EPERM: "is not writable here (operation not permitted)",
  EROFS: "is on a read-only file system",
  ENAMETOOLONG: "is too long a name",
  ELOOP: "has a symbolic link loop",
  ENOSPC: "cannot be written: the disk is full",
  EEXIST: "already exists",
  ENOTEMPTY: "is a folder that is not empty",
};

/**
 * A file-system error on a path the user gave, as the user's mistake (`E_INVALID_INPUT`, exit 2) naming the
 * option or flag and the path, instead of a raw `ENOENT` that reads like a bug. Other errors pass through.
 */
export function userPathError(error: unknown, path: string, where: string): unknown {
  if (isMlshipError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ? REASONS[code] : undefined;
  if (!reason) return error;
  return new MlshipError("E_INVALID_INPUT", `${where} ${path} ${reason}`, {
    where: `${where} ${path}`,
    cause: error,
    details: { path, code },
    hint: "Check the path (relative paths start from the working directory) and that its folder exists and is writable.",
  });
}
