import { defineTargetPlugin } from "@mlship/core/plugin";
import { z } from "zod";

/** What `mlship.config.json` may set for the `local` target (programmatic users pass LocalTargetOptions). */
export const localPluginOptions = z
  .object({
    stateDir: z
      .string()
      .min(1)
      .optional()
      .describe("Where local jobs and deployments are kept (default ~/.mlship/local)"),
    python: z.string().min(1).optional().describe("Python interpreter with scikit-learn (default: detected)"),
    workers: z.coerce
      .number()
      .int()
      .positive()
      .optional()
      .describe("Worker processes per deployment (default: CPU count)"),
    host: z.string().min(1).optional().describe("Address deployments listen on (default 127.0.0.1)"),
  })
  .strict();

/** The `local` target as a plugin. The implementation is imported by `create`, so reading the flags stays cheap. */
export default defineTargetPlugin({
  name: "local",
  apiVersion: 2,
  options: localPluginOptions,
  env: { stateDir: "MLSHIP_LOCAL_STATE_DIR", python: "MLSHIP_PYTHON" },
  flags: [
    {
      name: "--python <path>",
      option: "python",
      description: "Python interpreter with scikit-learn (or MLSHIP_PYTHON)",
      commands: ["train", "deploy"],
    },
  ],
  async create(options, services) {
    const { createLocalTarget } = await import("./target/local-target.js");
    const objectStore = services.objectStore;
    const target = createLocalTarget({ ...options, ...(objectStore ? { objectStore } : {}) });
    return { train: target.training, deploy: target.deployment };
  },
});
