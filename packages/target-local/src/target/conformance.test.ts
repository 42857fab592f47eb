// The local target passes the conformance kit target authors run (@mlship/testing/conformance).
import { join } from "node:path";
import { describeDeployTarget, describeTrainTarget } from "@mlship/testing/conformance";
import { createLocalTarget, type LocalTarget } from "../index.js";
import { nodeExample, SAMPLE_ROW, tempDir, trainCsv } from "../test-support/fixtures.js";

const tmp = await tempDir("mlship-local-conformance-");
let local: LocalTarget | undefined;
let jobName = "";

const trainSpec = () => ({ entryPoint: "train.mjs", sourceDir: nodeExample, channels: { train: trainCsv } });

async function target(): Promise<LocalTarget> {
  local ??= createLocalTarget({ stateDir: join(tmp.dir, "state"), workers: 1 });
  return local;
}

describeTrainTarget("local", {
  target: async () => (await target()).training,
  spec: trainSpec,
});

describeDeployTarget("local", {
  async target() {
    const t = await target();
    jobName ||= (await t.train(trainSpec())).jobName;
    return t.deployment;
  },
  spec: (name) => ({ name, model: { trainingJob: jobName, entryPoint: "inference.mjs" } }),
  request: { body: SAMPLE_ROW.join(","), contentType: "text/csv" },
  checkAnswer: (response) => {
    const [p] = JSON.parse(new TextDecoder().decode(response.body)) as number[];
    if (!(typeof p === "number" && p >= 0 && p <= 1)) throw new Error(`not a probability: ${p}`);
  },
  cleanup: () => tmp.cleanup(),
});
