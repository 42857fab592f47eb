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

/** Where a tool is pointed: an endpoint (the emulator's) and its region. */
export interface AwsToolEndpoint {
  endpoint: string;
  region: string;
}

/** `aws --endpoint-url <endpoint> ...args` as a user runs it (see `runAwsTool`); resolves whatever the exit code. */
export const awsCliAt = (at: AwsToolEndpoint, args: string[]): Promise<AwsToolResult> =>
  runAwsTool(awsCli(), ["--endpoint-url", at.endpoint, ...args], { region: at.region });

/** `awsCliAt` for a command that must succeed: its output; throws with the CLI's stderr when it exits non-zero. */
export async function awsCliOk(at: AwsToolEndpoint, args: string[]): Promise<string> {
  const r = await awsCliAt(at, args);
  if (r.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `awsCliOk` with `--output json`: the answer parsed (`{}` for a command that prints nothing). */
export async function awsCliJson(at: AwsToolEndpoint, args: string[]): Promise<Record<string, unknown>> {
  const stdout = await awsCliOk(at, ["--output", "json", ...args]);
  return stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {};
}

/**
 * A boto3 script against `at`, as `python3 - <endpoint> ...args` with the script on stdin: the script reads the
 * endpoint from `sys.argv[1]`. Resolves whatever the exit code.
 */
export const boto3At = (at: AwsToolEndpoint, script: string, args: string[] = []): Promise<AwsToolResult> =>
  runAwsTool(boto3Python(), ["-", at.endpoint, ...args], { region: at.region, input: script });
