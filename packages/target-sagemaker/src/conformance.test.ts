// The SageMaker target passes the conformance kit target authors run (@mlship/testing/conformance), with the
// real AWS SDK against the emulator.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { describeDeployTarget, describeTrainTarget } from "@mlship/testing/conformance";
import { createSageMakerTarget, type SageMakerTarget } from "./index.js";

const NODE_EXAMPLE = resolve(fileURLToPath(new URL("../../../examples/node-breast-cancer", import.meta.url)));
const DATA = resolve(fileURLToPath(new URL("../../../examples/sklearn-breast-cancer/data", import.meta.url)));
const ROW = readFileSync(join(DATA, "test.csv"), "utf8").split("\n")[1]?.split(",").slice(1).join(",") ?? "";

let emulator: Emulator | undefined;
let sagemaker: SageMakerTarget | undefined;
let jobName = "";

async function target(): Promise<SageMakerTarget> {
  if (!sagemaker) {
    emulator = await startEmulator();
    const config = emulatorClientConfig(emulator);
    sagemaker = createSageMakerTarget({
      endpoint: config.endpoint,
      region: config.region,
      credentials: config.credentials,
      role: "arn:aws:iam::000000000000:role/SageMakerRole",
      poll: { intervalMs: 100, maxIntervalMs: 500 },
    });
  }
  return sagemaker;
}

const trainSpec = () => ({
  entryPoint: "train.mjs",
  sourceDir: NODE_EXAMPLE,
  channels: { train: join(DATA, "train.csv") },
});

describeTrainTarget("sagemaker (emulator)", {
  target: async () => (await target()).training,
  spec: trainSpec,
});

describeDeployTarget("sagemaker (emulator)", {
  async target() {
    const t = await target();
    jobName ||= (await t.train(trainSpec())).jobName;
    return t.deployment;
  },
  spec: (name) => ({ name, model: { trainingJob: jobName, entryPoint: "inference.mjs" } }),
  request: { body: ROW, contentType: "text/csv" },
  async cleanup() {
    await sagemaker?.close();
    await emulator?.stop();
  },
});
