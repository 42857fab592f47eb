// A tiny Node model for tests of hosting features (autoscaling, async, capture): model.tar.gz with the
// inference script inside (`code/`), so an endpoint needs no training job. Kept free of test-runner imports.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { create as createTar } from "tar";

// Sums each row, logging how many it got; `fail` makes every prediction throw (a model that is broken at inference time);
// `delayMs` holds each request (to make instances busy).
const INFERENCE = `
export function modelFn() {
  return { fail: process.env.TINY_FAIL === "1", delayMs: Number(process.env.TINY_DELAY_MS ?? 0) };
}
export async function predictFn(input, model) {
  if (model.fail) throw new Error("tiny model: failing on purpose");
  if (model.delayMs > 0) await new Promise((r) => setTimeout(r, model.delayMs));
  const rows = input.length > 0 && !Array.isArray(input[0]) ? [input] : input;
  console.log(\`tiny model: predicting \${rows.length} row(s)\`);
  return rows.map((row) => row.reduce((a, b) => a + Number(b), 0));
}
`;

/** Writes model.tar.gz into `dir` and returns its path. */
export async function tinyModelTarball(dir: string): Promise<string> {
  mkdirSync(join(dir, "code"), { recursive: true });
  writeFileSync(join(dir, "code", "inference.mjs"), INFERENCE);
  const tarball = join(dir, "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: dir }, ["code"]);
  return tarball;
}

/** CreateModel input for the tiny model at `modelDataUrl`. */
export function tinyModel(name: string, modelDataUrl: string, env: Record<string, string> = {}) {
  return {
    ModelName: name,
    ExecutionRoleArn: "arn:aws:iam::000000000000:role/SageMakerRole",
    PrimaryContainer: {
      Image: NODE_RUNTIME_IMAGE,
      ModelDataUrl: modelDataUrl,
      Environment: {
        SAGEMAKER_PROGRAM: "inference.mjs",
        SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
        ...env,
      },
    },
  };
}
