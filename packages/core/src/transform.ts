import type { OperationContext } from "./events.js";
import type { ListOptions, LogEvent, LogOptions } from "./targets.js";

/**
 * A batch-transform engine (SageMaker Batch Transform): scores a staged table on the target's own
 * instances instead of from this process. Scoring prepares the input and turns the result into its
 * output files and metrics; the target runs the job.
 */
export interface BatchTransformRequest {
  /**
   * The model that scores: a deployment's (its endpoint's model), or a completed training job's served by
   * `entryPoint` (the inference script in the job's code; default the training script).
   */
  model: { deployment: string } | { trainingJob: string; entryPoint?: string };
  /**
   * Local CSV without a header, one record per line: the `featureColumns` the model reads first, then
   * `extraColumns` (a row number first, then what the output keeps) that must come back beside the scores.
   */
  input: string;
  rows: number;
  featureColumns: number;
  extraColumns: number;
  /** Where the joined outputs are written (a folder the caller owns). */
  workDir: string;
  /** Default 1. */
  instanceCount?: number;
  /** Target-specific; SageMaker default ml.m5.large. */
  instanceType?: string;
  /** Largest request body in MB (SageMaker MaxPayloadInMB; default 6). */
  maxPayloadMB?: number;
  /** Requests in flight per instance (default 4). */
  maxConcurrentTransforms?: number;
}

export interface BatchTransformResult {
  /** Job name on the target (for `jobs describe/logs/stop`). */
  job: string;
  /**
   * Local files, in input order, each line `<extra columns>,<scores>`: the records' extra columns (row
   * number first) joined with the model's answer for that record, as CSV.
   */
  outputs: string[];
}

/** A transform job as the target reports it (JSON-safe, for `mlship transforms` and `--json`). */
export interface TransformJob {
  job: string;
  /** InProgress, Completed, Failed, Stopping, Stopped. */
  status: string;
  failureReason?: string;
  model?: string;
  instanceCount?: number;
  instanceType?: string;
  /** Where the job reads and writes (s3:// URIs on SageMaker). */
  input?: string;
  output?: string;
  /** ISO 8601. */
  createdAt?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface BatchTransformer {
  readonly name: string;
  /** Runs the job to its end; aborting `ctx.signal` stops the job on the target before rejecting. */
  transform(request: BatchTransformRequest, ctx?: OperationContext): Promise<BatchTransformResult>;
  /** Transform jobs, newest first. */
  list(options?: ListOptions, ctx?: OperationContext): Promise<TransformJob[]>;
  /** One job; E_NOT_FOUND when there is none of that name. */
  describe(job: string, ctx?: OperationContext): Promise<TransformJob>;
  /** The job's log events so far, or (`follow`) until it ends. */
  logs(job: string, options?: LogOptions): AsyncIterable<LogEvent>;
  /** Asks the target to stop the job (a job that has ended is left as it is). */
  stop(job: string, ctx?: OperationContext): Promise<void>;
}
