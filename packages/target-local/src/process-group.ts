import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

/**
 * Child processes that run as the leader of their own process group (`detached`), so that a stop
 * can kill everything they started (joblib workers, shells, server workers) and leave no orphans.
 */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(command, args, { ...options, detached: true });
}

/** Signals every process in the group led by `pid`; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0 as unknown as NodeJS.Signals);
}

/** True while the process exists (and is not a zombie we could reap). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to the group, then SIGKILL after `graceMs` if anything is left; resolves once the group is
 * gone (or after a bounded wait, since a zombie leader keeps the group id until its parent reaps it).
 */
export async function killGroup(pid: number, graceMs = 3000): Promise<void> {
  if (!signalGroup(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(50);
    if (!groupAlive(pid)) return;
  }
  signalGroup(pid, "SIGKILL");
  for (let i = 0; i < 40 && groupAlive(pid); i++) await sleep(50);
}
