import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { defineTargetPlugin } from "@mlship/core/plugin";
import { z } from "zod";
import { JsonState } from "./state.js";

/**
 * The options: validated by mlship's loader before `create` runs. `.strict()` makes a typo in
 * mlship.config.json an E_CONFIG naming the key; `z.coerce` turns a flag's or a variable's text into a number.
 */
const options = z
  .object({
    stateFile: z
      .string()
      .min(1)
      .default(join(homedir(), ".mlship", "http-target.json"))
      .describe("Where jobs and deployments are recorded"),
    probeTimeoutMs: z.coerce
      .number()
      .int()
      .positive()
      .default(5_000)
      .describe("How long deploy waits for GET /ping"),
  })
  .strict();

export default defineTargetPlugin({
  name: "http",
  apiVersion: 2,
  options,
  // Environment variables sit between the config file and the flags.
  env: { stateFile: "MLSHIP_HTTP_STATE_FILE" },
  // The CLI adds these to the commands listed, in a help group of their own.
  flags: [
    {
      name: "--probe-timeout <ms>",
      option: "probeTimeoutMs",
      description: "how long deploy waits for the model server's GET /ping",
      commands: ["deploy"],
    },
  ],
  // Heavy imports (an SDK) belong here, not at the top: `mlship --help` reads the flags above without them.
  async create({ stateFile, probeTimeoutMs }) {
    const [{ createHttpDeployTarget }, { createNodeTrainTarget }] = await Promise.all([
      import("./deploy-target.js"),
      import("./train-target.js"),
    ]);
    return {
      deploy: createHttpDeployTarget({
        deployments: new JsonState(stateFile, "deployments"),
        probeTimeoutMs,
      }),
      train: createNodeTrainTarget({
        jobs: new JsonState(stateFile, "jobs"),
        workDir: join(dirname(stateFile), "http-jobs"),
      }),
    };
  },
});
