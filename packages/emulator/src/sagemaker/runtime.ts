import type { ObjectStore, OperationContext } from "@mlship/core";

// The slice of @mlship/target-local the SageMaker service drives. Declared here (not imported) so the
// service is typed against exactly what it uses; `loadLocalRuntime` binds it to the real package.

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

let loaded: Promise<LocalRuntime> | undefined;

/** Binds the port to @mlship/target-local (imported once, on first use). */
export function loadLocalRuntime(): Promise<LocalRuntime> {
  loaded ??= import("@mlship/target-local").then((m) => m as unknown as LocalRuntime);
  return loaded;
}
