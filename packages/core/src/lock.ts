import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { MlshipError } from "./errors.js";

/**
 * An advisory single-writer lock: a file created with O_EXCL holding the owner's pid and host. A lock left
 * by a process that no longer runs on this host (a crash, SIGKILL) is stale and taken over. We chose this over
 * `proper-lockfile` because the second writer's error must name the holder's pid, which proper-lockfile's
 * mkdir locks do not record, and because a pid check finds a dead holder at once instead of after an mtime
 * timeout.
 */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  what: string;
  since: string;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** How long a lock file may stay unfilled: its holder creates it, then writes itself into it. */
const FILL_WAIT_MS = 200;

async function readHolder(path: string): Promise<{ text: string; holder: Holder | undefined } | undefined> {
  const deadline = Date.now() + FILL_WAIT_MS;
  for (;;) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      return { text, holder: JSON.parse(text) as Holder };
    } catch {
      // Created but not yet filled by its holder: read again, so the conflict can name the holder's pid.
      // Still unreadable after that: garbage, or a holder that died in between; not provably stale.
      if (Date.now() >= deadline) return { text, holder: undefined };
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Removes the lock only if it is still the one we wrote: a holder taken for stale must not delete its successor's. */
async function releaseIfOurs(path: string, text: string): Promise<void> {
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === text) await rm(path, { force: true });
}

/**
 * Takes the lock at `path` for `what` (e.g. "scoring to out.csv"), or fails with `E_CONFLICT` naming the
 * holder's pid. File-system errors (a missing or read-only folder) are left to the caller to word.
 */
export async function acquireFileLock(path: string, what: string): Promise<FileLock> {
  const me: Holder = { pid: process.pid, host: hostname(), what, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const text = JSON.stringify(me);
      await writeFile(path, text, { flag: "wx" });
      return { path, release: () => releaseIfOurs(path, text) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const seen = await readHolder(path);
    if (!seen) continue; // released meanwhile
    const { holder } = seen;
    if (!holder || holder.host !== me.host || alive(holder.pid)) {
      throw new MlshipError(
        "E_CONFLICT",
        holder
          ? `${holder.what} is already under way (pid ${holder.pid} on ${holder.host}, since ${holder.since})`
          : `Another process holds the lock ${path}`,
        {
          where: path,
          details: holder ? { pid: holder.pid, host: holder.host, lock: path } : { lock: path },
          hint: holder
            ? `Wait for pid ${holder.pid} to finish or stop it; if it is gone on another host, delete ${path}.`
            : `If no mlship process is running, delete ${path}.`,
        },
      );
    }
    // Stale: move it aside under a unique name (only one contender's rename succeeds), check that what moved
    // is the stale lock read above, and try again.
    const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const moved = await readFile(aside, "utf8").catch(() => "");
    if (moved !== seen.text) await rename(aside, path).catch(() => undefined);
    else await rm(aside, { force: true });
  }
  throw new MlshipError("E_CONFLICT", `Could not take the lock ${path}: other processes keep taking it`, {
    where: path,
  });
}
