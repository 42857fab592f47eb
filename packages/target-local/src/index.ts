export { default, localPluginOptions } from "./plugin.js";
export { findPython } from "./python.js";
export type { ModelServer, ModelServerOptions } from "./serving/model-server.js";
export { startModelServer } from "./serving/model-server.js";
export type { CrashInfo } from "./serving/server-process.js";
export type { LocalTargetOptions } from "./target/context.js";
export type { LocalTarget } from "./target/local-target.js";
export { createLocalTarget } from "./target/local-target.js";
export type { CheckpointSync } from "./training/checkpoints.js";
export type {
  LocalTrainingOptions,
  LocalTrainingResult,
  SecondaryStatus,
} from "./training/run-training-job.js";
export { runTrainingJob } from "./training/run-training-job.js";
