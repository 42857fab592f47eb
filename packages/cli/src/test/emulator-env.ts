import type { Emulator } from "@mlship/emulator";

/** The environment a user exports to point the CLI at the emulator (as `mlship emulator` prints it). */
export const emulatorEnv = (emulator: Emulator, role: string): Record<string, string> => ({
  AWS_ENDPOINT_URL: emulator.endpoint,
  AWS_REGION: emulator.region,
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  MLSHIP_SAGEMAKER_ROLE: `arn:aws:iam::${emulator.accountId}:role/${role}`,
});
