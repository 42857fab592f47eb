import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const found = new Map<string, string>();

/** The first candidate for which `probe` exits 0; throws naming what to install when none does. */
function firstWorking(what: string, candidates: string[], probe: string[], install: string): string {
  const cached = found.get(what);
  if (cached) return cached;
  for (const candidate of candidates) {
    const r = spawnSync(candidate, probe, { stdio: "ignore", timeout: 60_000 });
    if (r.status === 0) {
      found.set(what, candidate);
      return candidate;
    }
  }
  throw new Error(`No ${what} among ${candidates.join(", ")}: install ${install} (.ci/run does)`);
}

/**
 * A Python that can `import boto3`: Debian's /usr/bin/python3 (package python3-boto3) first, since the
 * python3 first on PATH may be another interpreter, then PATH's python3. Throws when there is none.
 */
export function boto3Python(): string {
  return firstWorking(
    "Python with boto3",
    ["/usr/bin/python3", "python3"],
    ["-c", "import boto3"],
    "python3-boto3",
  );
}

/** The AWS CLI: Debian's /usr/bin/aws (package awscli) first, then PATH's aws. Throws when there is none. */
export function awsCli(): string {
  return firstWorking("AWS CLI", ["/usr/bin/aws", "aws"], ["--version"], "awscli");
}

export interface AwsToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs boto3 code or the AWS CLI against an endpoint as a user would: fixed test credentials, `region`,
 * path-style S3, no user config or credentials files and no instance metadata lookups. The endpoint is
 * passed on the command line (`--endpoint-url`) or to the code as `sys.argv[1]`, because the Debian
 * botocore predates `AWS_ENDPOINT_URL`. Resolves whatever the exit code; never throws for it.
 */
export function runAwsTool(
  command: string,
  args: string[],
  options: { region: string; input?: string; timeoutMs?: number },
): Promise<AwsToolResult> {
  const dir = mkdtempSync(join(tmpdir(), "mlship-aws-tool-"));
  const config = join(dir, "config");
  writeFileSync(config, `[default]\nregion = ${options.region}\ns3 =\n    addressing_style = path\n`);
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    AWS_ACCESS_KEY_ID: "AKIAMLSHIPTOOLS",
    AWS_SECRET_ACCESS_KEY: "mlship-tools-secret",
    AWS_DEFAULT_REGION: options.region,
    AWS_REGION: options.region,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}
