// The set-up the CLI's end-to-end tests share: an emulator for the test file, the environment a user exports
// to point the spawned CLI at it, the examples they train, a quick training job, and reading the CLI's answer.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { createSageMakerTarget } from "@mlship/target-sagemaker";
import { afterAll, beforeAll, expect } from "vitest";
import type { CliResult } from "./run-cli.js";

export const examples = fileURLToPath(new URL("../../../../examples/", import.meta.url));
export const nodeExample = join(examples, "node-breast-cancer");
/** The breast-cancer data (train.csv, test.csv) both examples train on. */
export const breastCancerData = join(examples, "sklearn-breast-cancer", "data");

export const roleArn = (emulator: Emulator, role: string) =>
  `arn:aws:iam::${emulator.accountId}:role/${role}`;

/** The environment a user exports to point the CLI at the emulator (as `mlship emulator` prints it). */
export const emulatorEnv = (emulator: Emulator, role: string): Record<string, string> => ({
  AWS_ENDPOINT_URL: emulator.endpoint,
  AWS_REGION: emulator.region,
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  MLSHIP_SAGEMAKER_ROLE: roleArn(emulator, role),
});

export interface FileEmulator {
  /** The running emulator (from the file's first beforeAll on). */
  readonly emulator: Emulator;
  /** `emulatorEnv` plus the file's own variables: one object, filled in once the emulator is up. */
  readonly env: Record<string, string | undefined>;
  /** The ARN of the role the CLI is given (`MLSHIP_SAGEMAKER_ROLE`). */
  readonly role: string;
}

/**
 * Starts an emulator before this test file's tests and stops it after them, removing `work` (the file's
 * temporary directory) too. Call it at the top of the file: its hooks run before the file's own.
 */
export function emulatorForFile(options: {
  role: string;
  work?: string;
  env?: Record<string, string>;
}): FileEmulator {
  let emulator: Emulator | undefined;
  const env: Record<string, string | undefined> = {};
  beforeAll(async () => {
    emulator = await startEmulator();
    Object.assign(env, emulatorEnv(emulator, options.role), options.env);
  });
  afterAll(async () => {
    await emulator?.stop();
    if (options.work) rmSync(options.work, { recursive: true, force: true });
  });
  const running = () => {
    if (!emulator) throw new Error("the emulator is started in beforeAll: use it inside a hook or a test");
    return emulator;
  };
  return {
    get emulator() {
      return running();
    },
    env,
    get role() {
      return roleArn(running(), options.role);
    },
  };
}

/**
 * Trains the Node example with the sagemaker target (not through the CLI): a quick job for tests that start
 * from a trained model. Resolves to the job's name.
 */
export async function trainNodeExample(at: FileEmulator, epochs: number): Promise<string> {
  const target = createSageMakerTarget({ ...emulatorClientConfig(at.emulator), role: at.role });
  try {
    const run = await target.train({
      entryPoint: "train.mjs",
      sourceDir: nodeExample,
      framework: "node",
      channels: { train: join(breastCancerData, "train.csv") },
      contentType: "text/csv;label_size=1",
      hyperparameters: { epochs },
    });
    return run.jobName;
  } finally {
    await target.close();
  }
}

/** The CLI exited 0 (else the test fails showing its stderr). */
export const ok = (r: CliResult): CliResult => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

/** The CLI exited 0 and printed this JSON. */
export const json = <T = Record<string, unknown>>(r: CliResult): T => JSON.parse(ok(r).stdout) as T;
