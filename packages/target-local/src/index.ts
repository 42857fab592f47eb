export { findPython } from "./python.js";
export type { ModelServer, ModelServerOptions } from "./serving/model-server.js";
export { startModelServer } from "./serving/model-server.js";
export type { CrashInfo } from "./serving/server-process.js";
export type {
  LocalTrainingOptions,
  LocalTrainingResult,
  SecondaryStatus,
} from "./training/run-training-job.js";
export { runTrainingJob } from "./training/run-training-job.js";
