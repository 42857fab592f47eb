import type { OperationContext } from "@mlship/core";
import type {
  LocalTrainingOptions,
  LocalTrainingResult,
  ModelServer,
  ModelServerOptions,
} from "@mlship/target-local";
import { runTrainingJob, startModelServer } from "@mlship/target-local";

// The slice of @mlship/target-local the SageMaker service drives, as a port: the service is typed against
// what it uses (tests substitute a runtime), and the types come from target-local so they cannot drift.
export type TrainingRunOptions = LocalTrainingOptions;
export type TrainingRunResult = LocalTrainingResult;
export type ModelServerStartOptions = ModelServerOptions;
export type RunningModelServer = Pick<ModelServer, "url" | "port" | "pids" | "ready" | "onCrash" | "close">;

export interface LocalRuntime {
  runTrainingJob(options: TrainingRunOptions, ctx?: OperationContext): Promise<TrainingRunResult>;
  startModelServer(options: ModelServerStartOptions, ctx?: OperationContext): Promise<RunningModelServer>;
}

const localRuntime: LocalRuntime = { runTrainingJob, startModelServer };

/** The port bound to @mlship/target-local. */
export function loadLocalRuntime(): Promise<LocalRuntime> {
  return Promise.resolve(localRuntime);
}
