import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/mlship.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called once the process has printed `text` on stderr or stdout (e.g. to send SIGINT). */
  onOutput?: (text: string, child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
}

/** Spawns `node bin/mlship.js ...args` as a user would, with a clean, colourless, non-TTY environment. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env };
  // Never let a developer's real AWS settings leak into a test.
  for (const k of ["AWS_PROFILE", "AWS_ENDPOINT_URL"]) if (!(options.env && k in options.env)) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 170_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      options.onOutput?.(stdout + stderr, child);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      options.onOutput?.(stdout + stderr, child);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
