import type { DataRef } from "./data.js";
import type { OperationContext } from "./events.js";
import type { JsonValue } from "./json.js";
import type { MetricDefinition } from "./metrics.js";
import type { DeployPlan } from "./plan.js";

/** SageMaker's TrainingJobStatus values; every target maps onto these. */
export type TrainingStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

/** SageMaker's EndpointStatus values plus `NotFound`; every target maps onto these. */
export type DeploymentStatus =
  | "Creating"
  | "Updating"
  | "SystemUpdating"
  | "RollingBack"
  | "InService"
  | "OutOfService"
  | "Deleting"
  | "Failed"
  | "NotFound";

/** Built-in runtimes. `sklearn` = SageMaker scikit-learn container; `node` = a Node entry point (local/emulator). */
export type Framework = "sklearn" | "node";

export interface TrainSpec {
  /** Script to run, relative to `sourceDir` (`train.py`, `train.mjs`). */
  entryPoint: string;
  /**
   * Directory packed and shipped as the code. Without it only the entry point script is shipped (the
   * SageMaker SDK's rule); a target that runs the code in place (local) runs it from the script's folder.
   */
  sourceDir?: string;
  /** Channel name -> staged data (DataRef) or a URI/path (`s3://...`, a local file or directory). */
  channels?: Record<string, DataRef | string>;
  /** Content type of channels given as URIs or paths (SageMaker's channel ContentType, e.g. `text/csv`); default from staging. */
  contentType?: string;
  /** User hyperparameters; JSON-encoded on the wire as SageMaker does. */
  hyperparameters?: Record<string, JsonValue>;
  framework?: Framework;
  /** Framework version, e.g. sklearn `1.2-1`; validated against the target's image table. */
  frameworkVersion?: string;
  /** Explicit image (overrides framework/frameworkVersion). */
  image?: string;
  instanceType?: string;
  instanceCount?: number;
  /** Job name prefix; default from the entry point's name. */
  baseJobName?: string;
  /** Exact job name (otherwise `<base>-<timestamp>`). */
  jobName?: string;
  maxRuntimeSeconds?: number;
  environment?: Record<string, string>;
  tags?: Record<string, string>;
  /** Where artifacts go (`s3://bucket/prefix` or a local dir, per target). */
  outputPath?: string;
  /** Wait for the job to finish (default true), streaming status and logs as events. */
  wait?: boolean;
  /** Metrics read from the job's log (SageMaker's MetricDefinitions); checked before anything starts. */
  metricDefinitions?: MetricDefinition[];
}

/** A metric's last value (SageMaker's FinalMetricDataList entry). */
export interface FinalMetric {
  name: string;
  value: number;
  /** ISO 8601 time of the log line it came from. */
  timestamp?: string;
}

export interface TrainingRun {
  target: string;
  jobName: string;
  status: TrainingStatus;
  secondaryStatus?: string;
  failureReason?: string;
  /** URI of `model.tar.gz` once written (`s3://...` or `file://...`). */
  modelArtifact?: string;
  /** URI of `output.tar.gz` when the target writes one. */
  outputArtifact?: string;
  /** URI of the `sourcedir.tar.gz` the job ran. */
  sourceBundle?: string;
  entryPoint?: string;
  framework?: Framework;
  frameworkVersion?: string;
  image?: string;
  hyperparameters?: Record<string, string>;
  createdAt?: string;
  startedAt?: string;
  endedAt?: string;
  billableSeconds?: number;
  /** Last value of each defined metric (SageMaker's FinalMetricDataList). */
  finalMetrics?: FinalMetric[];
  /** Target-specific facts (ARNs, instance type...). JSON-safe. */
  details?: Record<string, JsonValue>;
}

export interface LogEvent {
  /** Epoch milliseconds. */
  timestamp: number;
  message: string;
  /** Log stream / host / container the line came from. */
  stream?: string;
}

export interface LogOptions {
  /** Keep following until the job ends. */
  follow?: boolean;
  signal?: AbortSignal;
}

export interface ListOptions {
  /** Only names containing this. */
  nameContains?: string;
  maxResults?: number;
}

export interface TrainTarget {
  /** Target name as used by `--target`. */
  readonly name: string;
  /** Starts a job; with `wait` (default) resolves when it ends and rejects with E_TRAINING_FAILED if it failed. */
  train(spec: TrainSpec, ctx?: OperationContext): Promise<TrainingRun>;
  /** Current state of a job. Rejects with E_NOT_FOUND for an unknown job. */
  describe(jobName: string, ctx?: OperationContext): Promise<TrainingRun>;
  /** Recent jobs, newest first. */
  list(options?: ListOptions, ctx?: OperationContext): Promise<TrainingRun[]>;
  /** Requests a stop; resolves once the request is accepted. */
  stop(jobName: string, ctx?: OperationContext): Promise<void>;
  /** The job's log lines, in time order across hosts. */
  logs(jobName: string, options?: LogOptions): AsyncIterable<LogEvent>;
  /** Downloads and safely extracts the job's model (and output) artifacts into `dir`; returns the files written. */
  downloadArtifacts?(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  /**
   * Optional: removes data that `train` staged (each DataRef's `objects`, nothing else: never a bucket or a
   * prefix). Objects already gone are not an error. `train` reports each staging as a `data.staged` event.
   */
  cleanupStagedData?(refs: readonly DataRef[], ctx?: OperationContext): Promise<void>;
  /**
   * Optional: deletes a finished job and everything the target keeps for it (a target that keeps job state
   * itself). E_NOT_FOUND for an unknown job; E_CONFLICT while it runs or while something still uses it.
   */
  deleteJob?(jobName: string, ctx?: OperationContext): Promise<void>;
}

/** Which model to deploy: a training job, or a model artifact plus the inference code. */
export interface ModelSource {
  trainingJob?: string;
  /** `model.tar.gz` URI (`s3://...`, or a local path for local targets). */
  modelData?: string;
  /** Inference code directory (packed and shipped) or an already-uploaded `sourcedir.tar.gz` URI. */
  sourceDir?: string;
  /** Inference script (`SAGEMAKER_PROGRAM`), relative to sourceDir. */
  entryPoint?: string;
}

export interface DeploySpec {
  /** Deployment (endpoint) name. */
  name: string;
  model: ModelSource;
  framework?: Framework;
  frameworkVersion?: string;
  image?: string;
  instanceType?: string;
  /** Instances / replicas (the seed's `initial_instance_count`). */
  instanceCount?: number;
  serverless?: { memorySizeMb: number; maxConcurrency?: number };
  environment?: Record<string, string>;
  tags?: Record<string, string>;
  /** Wait until the deployment serves (default true). */
  wait?: boolean;
}

export interface Deployment {
  target: string;
  name: string;
  status: DeploymentStatus;
  /** Where it answers, when it has a URL (Kyma host, local port). */
  url?: string;
  /** Human description of the model's source (training job or artifact URI). */
  model?: string;
  failureReason?: string;
  instanceType?: string;
  instanceCount?: number;
  createdAt?: string;
  updatedAt?: string;
  details?: Record<string, JsonValue>;
}

export interface DeployTarget {
  readonly name: string;
  /** Creates, or updates in place when the name exists. Rejects with E_DEPLOY_FAILED with the cause. */
  deploy(spec: DeploySpec, ctx?: OperationContext): Promise<Deployment>;
  /**
   * Optional: what `deploy(spec)` would create, update and delete, found with reads only (no side effects).
   * A target that plans deploys as `apply(await plan(spec))`. Bad input fails here, as it would in deploy.
   */
  plan?(spec: DeploySpec, ctx?: OperationContext): Promise<DeployPlan>;
  /** With `plan`: makes exactly the plan's changes, then waits as deploy does (unless the spec said wait: false). */
  apply?(plan: DeployPlan, ctx?: OperationContext): Promise<Deployment>;
  /** Rejects with E_NOT_FOUND for an unknown name. */
  get(name: string, ctx?: OperationContext): Promise<Deployment>;
  list(options?: ListOptions, ctx?: OperationContext): Promise<Deployment[]>;
  /** Updates an existing deployment in place; E_NOT_FOUND if it does not exist. */
  update(name: string, spec: Omit<DeploySpec, "name">, ctx?: OperationContext): Promise<Deployment>;
  /** Removes everything deploy created; idempotent (a missing deployment is not an error). */
  delete(name: string, ctx?: OperationContext): Promise<void>;
  /** An invoker bound to the deployment. */
  invoker(name: string, ctx?: OperationContext): Promise<Invoker>;
  /**
   * Optional: an asynchronous invocation (SageMaker InvokeEndpointAsync) of a deployment that writes its
   * answers to storage. Waits for the output (emitting `invoke.async` events) unless `wait` is false.
   */
  invokeAsync?(name: string, request: AsyncInvokeRequest, ctx?: OperationContext): Promise<AsyncInvokeResult>;
  /**
   * Optional: renews the short-lived credentials a running deployment depends on, for a target that keeps
   * some (Kyma: the ECR image pull secret, 12 h, and the model's presigned URLs, 7 days by default; a pod
   * that restarts after they expire cannot start). Run it on a schedule. E_NOT_FOUND for an unknown name.
   */
  refreshCredentials?(name: string, ctx?: OperationContext): Promise<CredentialsRefresh>;
  /**
   * Optional: what the deployment's serving processes wrote to stdout and stderr, oldest first (SageMaker:
   * its CloudWatch group; Kyma: its pods' logs). With `follow`, keeps yielding new lines until `ctx.signal`
   * aborts, then rejects with E_ABORTED. E_NOT_FOUND for an unknown name.
   */
  logs?(
    name: string,
    options?: DeploymentLogOptions,
    ctx?: OperationContext,
  ): AsyncIterable<DeploymentLogLine>;
}

export interface DeploymentLogOptions {
  /** Keep yielding new lines until the signal aborts (`aws logs tail --follow`, `kubectl logs -f`). */
  follow?: boolean;
  /** Only lines written at or after this time (epoch milliseconds). */
  since?: number;
}

/** One line a deployment's serving process wrote. */
export interface DeploymentLogLine {
  message: string;
  /** Epoch milliseconds, where the target records when the line was written. */
  timestamp?: number;
  /** Where it came from: `<variant>/<instance-id>` (SageMaker), `<pod>/<container>` (Kyma). */
  stream?: string;
}

export interface CredentialsRefresh {
  name: string;
  /** What was renewed, and until when (ISO 8601). */
  renewed: Array<{ credential: string; expiresAt: string }>;
}

export interface AsyncInvokeRequest {
  /** A local file to upload as the request, or `inputLocation` of an object already in storage. */
  file?: string;
  inputLocation?: string;
  contentType?: string;
  accept?: string;
  /** Wait for the output or error object (default true); false returns at once with the locations. */
  wait?: boolean;
  timeoutMs?: number;
}

export interface AsyncInvokeResult {
  inferenceId: string;
  inputLocation: string;
  outputLocation: string;
  failureLocation?: string;
  /** Queued when not waited for. */
  status: "Queued" | "Completed" | "Failed";
  /** The output object's bytes (Completed). */
  output?: Uint8Array;
  /** The error object's text (Failed). */
  error?: string;
}

export interface InvokeRequest {
  body: Uint8Array | string;
  /** `text/csv`, `application/json`, `application/x-npy`. */
  contentType: string;
  accept?: string;
  /** SageMaker's CustomAttributes header, passed through. */
  customAttributes?: string;
  /** SageMaker production variant. */
  targetVariant?: string;
  signal?: AbortSignal;
}

export interface InvokeResponse {
  body: Uint8Array;
  contentType: string;
  customAttributes?: string;
}

export interface Invoker {
  /** One request. Non-2xx model answers reject with E_MODEL_ERROR (details.status, body excerpt). */
  invoke(request: InvokeRequest): Promise<InvokeResponse>;
  /** Releases connections. Optional. */
  close?(): Promise<void>;
}
