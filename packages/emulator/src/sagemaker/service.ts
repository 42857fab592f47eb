import { join } from "node:path";
import type { ObjectStore } from "@mlship/core";
import type { ScalableVariants } from "../autoscaling/records.js";
import { AwsApiError } from "../aws-error.js";
import type { LogStore } from "../logs/log-store.js";
import { type AccountScope, endpointLogGroup } from "./arn.js";
import { type AsyncInvokeRequest, type AsyncInvokeResponse, createAsyncInvocations } from "./async-invoke.js";
import { createDataCapture } from "./data-capture.js";
import { createEndpointConfigOperations, type EndpointConfigRecord } from "./endpoint-configs.js";
import { createEndpoints, type EndpointRecord, SERVING_STATUSES } from "./endpoints.js";
import { type InvokeRequest, type InvokeResponse, invokeEndpoint } from "./invoke.js";
import { createModelOperations, type ModelRecord, requiredName } from "./models.js";
import { listMonitoringSchedules } from "./monitoring.js";
import { type LocalRuntime, loadLocalRuntime } from "./runtime.js";
import { createRecordStore } from "./store.js";
import { createTagOperations } from "./tags.js";
import { createTrainingJobs, type TrainingJobRecord } from "./training-jobs.js";
import { createTransformJobs, type TransformJobRecord } from "./transform-jobs.js";
import type { TuningJobRecord } from "./tuning/records.js";
import { createTuningJobs } from "./tuning-jobs.js";
import { validationError } from "./validation.js";

export interface SageMakerServiceDeps {
  region: string;
  accountId: string;
  /** State lives under `<dataDir>/sagemaker/`. */
  dataDir: string;
  objectStore: ObjectStore;
  logs: LogStore;
  /** Python with scikit-learn for the sklearn images (else target-local's detection). */
  python?: string;
  /** How often buffered data-capture records are written to S3; default 2 s. */
  captureFlushSeconds?: number;
}

export interface SageMakerService {
  /** Runs an awsJson1_1 operation (`CreateTrainingJob`...); resolves to its JSON output (timestamps as epoch seconds). */
  handle(operation: string, input: Record<string, unknown>): Promise<unknown>;
  /** SageMaker Runtime InvokeEndpoint. */
  invokeEndpoint(req: InvokeRequest): Promise<InvokeResponse>;
  /** SageMaker Runtime InvokeEndpointAsync: queues the request, answers where its output will be. */
  invokeEndpointAsync(req: AsyncInvokeRequest): AsyncInvokeResponse;
  /** What Application Auto Scaling drives: variant instance counts and invocation counts. */
  scalableVariants: ScalableVariants;
  /**
   * Fault injection. `crash-endpoint` {EndpointName, VariantName?, ReplaceAfterSeconds?}: kills the serving
   * process(es); invocations answer ModelError until UpdateEndpoint (or, with ReplaceAfterSeconds, the
   * emulator itself after that delay) replaces them. `fail-training-job`
   * {TrainingJobName, reason?}: the running job ends Failed with `reason` as FailureReason.
   */
  fault(action: string, params: Record<string, unknown>): Promise<unknown>;
  /** Reloads persisted resources; InService endpoints are started again, interrupted jobs become Failed. */
  restore(): Promise<void>;
  /** Stops running jobs and serving processes. */
  close(): Promise<void>;
  /** Process ids serving an endpoint (diagnostics and tests: a deleted endpoint has none). */
  processes(endpointName: string): number[];
  /** Resolves when background work on a resource has finished (tests). */
  settled(kind: "training-job" | "transform-job" | "tuning-job" | "endpoint", name: string): Promise<void>;
}

export const SAGEMAKER_OPERATIONS = [
  "CreateTrainingJob",
  "DescribeTrainingJob",
  "ListTrainingJobs",
  "StopTrainingJob",
  "CreateTransformJob",
  "DescribeTransformJob",
  "ListTransformJobs",
  "StopTransformJob",
  "CreateHyperParameterTuningJob",
  "DescribeHyperParameterTuningJob",
  "ListHyperParameterTuningJobs",
  "StopHyperParameterTuningJob",
  "ListTrainingJobsForHyperParameterTuningJob",
  "CreateModel",
  "DescribeModel",
  "ListModels",
  "DeleteModel",
  "CreateEndpointConfig",
  "DescribeEndpointConfig",
  "ListEndpointConfigs",
  "DeleteEndpointConfig",
  "CreateEndpoint",
  "DescribeEndpoint",
  "ListEndpoints",
  "UpdateEndpoint",
  "DeleteEndpoint",
  "ListMonitoringSchedules",
  "AddTags",
  "ListTags",
  "DeleteTags",
] as const;

export function createSageMakerService(
  deps: SageMakerServiceDeps,
  runtime: () => Promise<LocalRuntime> = loadLocalRuntime,
): SageMakerService {
  const scope: AccountScope = { region: deps.region, accountId: deps.accountId };
  const root = join(deps.dataDir, "sagemaker");
  const jobStore = createRecordStore<TrainingJobRecord>(
    join(root, "training-jobs"),
    (r) => r.TrainingJobName,
  );
  const modelStore = createRecordStore<ModelRecord>(join(root, "models"), (r) => r.ModelName);
  const configStore = createRecordStore<EndpointConfigRecord>(
    join(root, "endpoint-configs"),
    (r) => r.EndpointConfigName,
  );
  const endpointStore = createRecordStore<EndpointRecord>(join(root, "endpoints"), (r) => r.EndpointName);

  const trainingJobs = createTrainingJobs({
    scope,
    jobs: jobStore,
    objectStore: deps.objectStore,
    logs: deps.logs,
    runtime,
    workRoot: join(root, "work", "training-jobs"),
    python: deps.python,
  });
  const transformStore = createRecordStore<TransformJobRecord>(
    join(root, "transform-jobs"),
    (r) => r.TransformJobName,
  );
  const tuningStore = createRecordStore<TuningJobRecord>(
    join(root, "tuning-jobs"),
    (r) => r.HyperParameterTuningJobName,
  );
  const transformJobs = createTransformJobs({
    scope,
    jobs: transformStore,
    models: modelStore,
    objectStore: deps.objectStore,
    logs: deps.logs,
    runtime,
    workRoot: join(root, "work", "transform-jobs"),
    python: deps.python,
  });
  const tuningJobs = createTuningJobs(scope, tuningStore, trainingJobs);
  const tags = createTagOperations(scope, {
    "training-job": jobStore,
    "transform-job": transformStore,
    "hyper-parameter-tuning-job": tuningStore,
    model: modelStore,
    "endpoint-config": configStore,
    endpoint: endpointStore,
  });
  const models = createModelOperations(scope, modelStore);
  const endpointConfigs = createEndpointConfigOperations(scope, configStore, modelStore);
  const endpoints = createEndpoints(scope, endpointStore, configStore, {
    models: modelStore,
    objectStore: deps.objectStore,
    logs: deps.logs,
    runtime,
    workRoot: join(root, "work", "endpoints"),
    python: deps.python,
  });

  const replacements = new Set<ReturnType<typeof setTimeout>>();
  const invocations = new Map<string, number>();
  const variantKey = (endpoint: string, variant: string) => `${endpoint.toLowerCase()}/${variant}`;
  const count = (endpoint: string, variant: string) =>
    invocations.set(variantKey(endpoint, variant), (invocations.get(variantKey(endpoint, variant)) ?? 0) + 1);
  const capture = createDataCapture(
    deps.objectStore,
    join(root, "work", "data-capture"),
    (deps.captureFlushSeconds ?? 2) * 1000,
  );
  const invoke = async (req: InvokeRequest): Promise<InvokeResponse> => {
    const out = await invokeEndpoint(scope, endpoints, req, count);
    const record = endpoints.lookup(req.endpointName)?.record;
    capture.record({
      endpointName: record?.EndpointName ?? req.endpointName,
      variantName: out.invokedVariant,
      config: record?.DataCaptureConfig,
      input: { body: req.body, contentType: req.contentType ?? "application/octet-stream" },
      output: { body: out.body, contentType: out.contentType },
      inferenceId: req.inferenceId,
      time: new Date(),
    });
    return out;
  };
  const asyncInvocations = createAsyncInvocations({
    scope,
    objectStore: deps.objectStore,
    workDir: join(root, "work", "async"),
    invoke,
    endpoint(name) {
      const found = endpoints.lookup(name);
      if (!found) return undefined;
      return {
        name: found.record.EndpointName,
        config: found.record.AsyncInferenceConfig,
        instances: found.variants.length,
      };
    },
    dataLog(name, variantName, message) {
      const found = endpoints.lookup(name);
      const live = found?.variants.find((v) => v.variantName === variantName) ?? found?.variants[0];
      if (!found || !live) return;
      const group = endpointLogGroup(found.record.EndpointName);
      const stream = `${live.variantName}/${live.instanceId}/data-log`;
      deps.logs.ensureStream(group, stream);
      deps.logs.append(group, stream, [{ timestamp: Date.now(), message }]);
    },
  });
  const scalableVariants: ScalableVariants = {
    counts({ endpoint, variant }) {
      const record = endpoints.lookup(endpoint)?.record;
      const deployed = record?.Deployed?.find((d) => d.VariantName === variant);
      if (!record || !deployed || !SERVING_STATUSES.has(record.EndpointStatus)) return undefined;
      return {
        current: deployed.InstanceCount,
        desired: deployed.DesiredInstanceCount ?? deployed.InstanceCount,
      };
    },
    setDesired: ({ endpoint, variant }, desired) => endpoints.setInstanceCount(endpoint, variant, desired),
    invocations: ({ endpoint, variant }) => invocations.get(variantKey(endpoint, variant)) ?? 0,
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateTrainingJob: trainingJobs.CreateTrainingJob,
    DescribeTrainingJob: trainingJobs.DescribeTrainingJob,
    ListTrainingJobs: trainingJobs.ListTrainingJobs,
    StopTrainingJob: trainingJobs.StopTrainingJob,
    CreateTransformJob: transformJobs.CreateTransformJob,
    DescribeTransformJob: transformJobs.DescribeTransformJob,
    ListTransformJobs: transformJobs.ListTransformJobs,
    StopTransformJob: transformJobs.StopTransformJob,
    CreateHyperParameterTuningJob: tuningJobs.CreateHyperParameterTuningJob,
    DescribeHyperParameterTuningJob: tuningJobs.DescribeHyperParameterTuningJob,
    ListHyperParameterTuningJobs: tuningJobs.ListHyperParameterTuningJobs,
    StopHyperParameterTuningJob: tuningJobs.StopHyperParameterTuningJob,
    ListTrainingJobsForHyperParameterTuningJob: tuningJobs.ListTrainingJobsForHyperParameterTuningJob,
    ...models,
    ...endpointConfigs,
    CreateEndpoint: endpoints.CreateEndpoint,
    DescribeEndpoint: endpoints.DescribeEndpoint,
    ListEndpoints: endpoints.ListEndpoints,
    UpdateEndpoint: endpoints.UpdateEndpoint,
    DeleteEndpoint: endpoints.DeleteEndpoint,
    ListMonitoringSchedules: listMonitoringSchedules,
    ...tags,
  };

  return {
    async handle(operation, input) {
      const run = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (!run) {
        throw new AwsApiError(
          "UnknownOperationException",
          `The SageMaker operation ${operation} is not supported by the mlship emulator. Supported: ${SAGEMAKER_OPERATIONS.join(", ")}.`,
        );
      }
      return dropUndefined(run(input));
    },
    invokeEndpoint: invoke,
    invokeEndpointAsync: (req) => asyncInvocations.invokeEndpointAsync(req),
    scalableVariants,
    async fault(action, params) {
      if (action === "fail-training-job") {
        const name = requiredName(params.TrainingJobName, "trainingJobName");
        const reason =
          typeof params.reason === "string"
            ? params.reason
            : "AlgorithmError: failure injected by the emulator";
        trainingJobs.failJob(name, reason);
        await trainingJobs.settled(name);
        return { TrainingJobName: name, FailureReason: reason };
      }
      if (action === "crash-endpoint") {
        const name = requiredName(params.EndpointName, "endpointName");
        const found = endpoints.lookup(name);
        if (!found) throw validationError(`Could not find endpoint "${name}".`);
        const target = typeof params.VariantName === "string" ? params.VariantName : undefined;
        const victims = found.variants.filter((v) => target === undefined || v.variantName === target);
        if (victims.length === 0)
          throw validationError(
            `Endpoint ${found.record.EndpointName} has no running variant${target ? ` named ${target}` : ""}.`,
          );
        const killed: number[] = [];
        for (const variant of victims) {
          variant.crashed = `The model server process was killed (fault injected by the emulator).`;
          for (const pid of variant.server.pids()) {
            try {
              process.kill(pid, "SIGKILL");
              killed.push(pid);
            } catch {
              // already gone
            }
          }
        }
        // SageMaker replaces a dead instance; the fault can ask for that after a delay (default: never).
        const delay = typeof params.ReplaceAfterSeconds === "number" ? params.ReplaceAfterSeconds : undefined;
        if (delay !== undefined) {
          const timer = setTimeout(() => {
            replacements.delete(timer);
            void endpoints.replaceVariants(
              found.record.EndpointName,
              victims.map((v) => v.variantName),
            );
          }, delay * 1000);
          replacements.add(timer);
        }
        return {
          EndpointName: found.record.EndpointName,
          Variants: victims.map((v) => v.variantName),
          KilledPids: killed,
        };
      }
      throw validationError(
        `Unknown SageMaker fault '${action}'. Supported: crash-endpoint, fail-training-job.`,
      );
    },
    async restore() {
      modelStore.load();
      configStore.load();
      trainingJobs.restore();
      transformJobs.restore();
      tuningJobs.restore();
      await endpoints.restore();
    },
    async close() {
      for (const timer of replacements) clearTimeout(timer);
      replacements.clear();
      await asyncInvocations.close();
      await Promise.all([trainingJobs.close(), transformJobs.close(), tuningJobs.close(), endpoints.close()]);
      await capture.close();
    },
    processes: (name) => endpoints.lookup(name)?.variants.flatMap((v) => v.server.pids()) ?? [],
    settled: (kind, name) =>
      kind === "training-job"
        ? trainingJobs.settled(name)
        : kind === "transform-job"
          ? transformJobs.settled(name)
          : kind === "tuning-job"
            ? tuningJobs.settled(name)
            : endpoints.settled(name),
  };
}

/** Drops undefined members so responses carry only what AWS would send. */
function dropUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? {}));
}
