// The set-up the target's end-to-end tests share: the emulator, the target's production code path on it
// (real SDK clients over HTTP), and a SageMaker client to check what the target made.
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { type Emulator, type EmulatorOptions, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { createSageMakerTarget, type SageMakerTarget } from "../index.js";

export const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";

export interface TargetOnEmulator {
  emulator: Emulator;
  target: SageMakerTarget;
  sm: SageMakerClient;
}

/** Starts an emulator and creates the target on it, polling every 100 ms (backing off to `maxPollMs`). */
export async function startTargetOnEmulator(
  options: { emulator?: EmulatorOptions; maxPollMs?: number } = {},
): Promise<TargetOnEmulator> {
  const emulator = await startEmulator(options.emulator);
  const config = emulatorClientConfig(emulator);
  const target = createSageMakerTarget({
    endpoint: config.endpoint,
    region: config.region,
    credentials: config.credentials,
    role: ROLE,
    poll: { intervalMs: 100, maxIntervalMs: options.maxPollMs ?? 500 },
  });
  return { emulator, target, sm: new SageMakerClient(config) };
}

/** Closes what `startTargetOnEmulator` made (any part of it, should starting have failed half-way). */
export async function stopTargetOnEmulator(started: Partial<TargetOnEmulator>): Promise<void> {
  started.sm?.destroy();
  await started.target?.close();
  await started.emulator?.stop();
}
