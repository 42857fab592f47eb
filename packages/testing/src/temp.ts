import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

const leftovers = new Set<string>();
let exitHook = false;

function removeAtExit(dir: string): void {
  leftovers.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const d of leftovers) rmSync(d, { recursive: true, force: true });
  });
}

/**
 * A fresh directory under the OS temp dir (real path, so it compares equal to what child processes
 * report). Removed when the current test finishes; outside a test (beforeAll, scripts) at process exit.
 */
export function tempDir(prefix = "mlship-test-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  } catch {
    removeAtExit(dir);
  }
  return dir;
}
