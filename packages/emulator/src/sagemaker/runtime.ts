import type { ObjectStore, OperationContext } from "@mlship/core";
import { runTrainingJob, startModelServer } from "@mlship/target-local";

// The slice of @mlship/target-local the SageMaker service drives, as a port: the service is typed
// against exactly what it uses, and the binding below fails to compile if target-local drifts.

export interface TrainingRunOptions {
  jobName: string;
  workDir: string;
  entryPoint: string;
  sourceBundle?: string;
  channels?: Record<string, string>;
  hyperparameters?: Record<string, string>;
  environment?: Record<string, string>;
  runtime?: "python" | "node";
  python?: string;
  maxRuntimeSeconds?: number;
  instanceType?: string;
  instanceCount?: number;
  objectStore?: ObjectStore;
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  onSecondaryStatus?: (status: "Starting" | "Downloading" | "Training" | "Uploading") => void;
}

export interface TrainingRunResult {
  status: "Completed" | "Failed" | "Stopped";
  failureReason?: string;
  exitCode?: number | null;
  modelTarGz?: string;
  outputTarGz?: string;
  startedAt: Date;
  endedAt: Date;
}

export interface ModelServerStartOptions {
  workDir: string;
  modelData?: string;
  program?: string;
  submitDirectory?: string;
  runtime?: "python" | "node";
  python?: string;
  port?: number;
  host?: string;
  workers?: number;
  env?: Record<string, string>;
  objectStore?: ObjectStore;
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
}

export interface RunningModelServer {
  url: string;
  port: number;
  pids(): number[];
  ready(): Promise<void>;
  onCrash(listener: (info: { pid: number; code: number | null; signal: string | null }) => void): void;
  close(): Promise<void>;
}

export interface LocalRuntime {
  runTrainingJob(options: TrainingRunOptions, ctx?: OperationContext): Promise<TrainingRunResult>;
  startModelServer(options: ModelServerStartOptions, ctx?: OperationContext): Promise<RunningModelServer>;
}

const localRuntime: LocalRuntime = { runTrainingJob, startModelServer };

/** The port bound to @mlship/target-local. */
export function loadLocalRuntime(): Promise<LocalRuntime> {
  return Promise.resolve(localRuntime);
}
