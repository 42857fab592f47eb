import type { S3Client } from "@aws-sdk/client-s3";
import type {
  BatchTransformer,
  DataRef,
  DataStager,
  Deployment,
  DeploymentLogLine,
  DeploymentLogOptions,
  DeployPlan,
  DeploySpec,
  DeployTarget,
  ListOptions,
  LogEvent,
  LogOptions,
  ModelResolver,
  OperationContext,
  TrainingRun,
  TrainSpec,
  TrainTarget,
  TuneTarget,
} from "@mlship/core";
import { MlshipError } from "@mlship/core";
import type { AwsConnectionOptions } from "@mlship/data-s3";
import {
  type LogsApi,
  logsApi,
  type RuntimeApi,
  runtimeApi,
  type SageMakerApi,
  type StsApi,
  sageMakerApi,
  stsApi,
} from "./api.js";
import { type AsyncInvokeOptions, type AsyncInvokeResult, invokeAsync } from "./async-inference.js";
import {
  type AsyncRuntimeApi,
  type AutoScalingApi,
  asyncRuntimeApi,
  autoScalingApi,
} from "./autoscaling-api.js";
import { createAwsClients } from "./clients.js";
import { deploy, type SageMakerDeploySpec, updateDeployment } from "./deploy.js";
import { applyPlan } from "./deploy-apply.js";
import { type DeployDefaults, withDeployDefaults } from "./deploy-flags.js";
import { planDeploy } from "./deploy-plan.js";
import { getDeployment, listDeployments } from "./deployment-view.js";
import { endpointLogs } from "./endpoint-logs.js";
import { deleteDeployment } from "./endpoints.js";
import { createSageMakerInvoker, type SageMakerInvoker } from "./invoker.js";
import { Session } from "./session.js";
import { type TrainDefaults, withTrainDefaults } from "./train-flags.js";
import {
  describeTraining,
  downloadArtifacts,
  downloadModel,
  downloadOutput,
  listTraining,
  type SageMakerTrainSpec,
  stopTraining,
  train,
  trainingLogs,
} from "./training.js";
import { lookupTrainingJob, TARGET_NAME } from "./training-job.js";
import { runBatchTransform } from "./transform.js";
import { describeTransform, listTransforms, stopTransform, transformLogs } from "./transform-jobs.js";
import { describeTuning, listTuning, resolveTrainingJobName, stopTuning, tune } from "./tuning.js";
import { type TuningApi, tuningApi } from "./tuning-api.js";
import type { PollOptions } from "./wait.js";

export interface SageMakerTargetOptions extends AwsConnectionOptions {
  /** Execution role ARN; default MLSHIP_SAGEMAKER_ROLE. */
  role?: string;
  /** Bucket for code, artifacts and staged data; default `sagemaker-<region>-<account>` (created if missing). */
  bucket?: string;
  /** Key prefix for staged training data; default data-s3's `mlship-data`. */
  prefix?: string;
  /** Batch transform instances when a request names none (default 1). */
  transformInstanceCount?: number;
  /** Batch transform instance type when a request names none (default ml.m5.large). */
  transformInstanceType?: string;
  /** Deploys that give no `serverless` settings of their own become serverless endpoints with this memory (MB). */
  serverlessMemoryMb?: number;
  /** Autoscaling, async inference, data capture and tags for deploys whose spec sets none (the plugin's deploy flags). */
  deployDefaults?: DeployDefaults;
  /** Spot, checkpoints and tags for training and tuning jobs whose spec sets none (the plugin's train flags). */
  trainDefaults?: TrainDefaults;
  /** Status polling backoff (ms). */
  poll?: Partial<PollOptions>;
  /** Injected ports (tests, custom transports); built from the connection options otherwise. */
  api?: SageMakerApi;
  tuningApi?: TuningApi;
  logs?: LogsApi;
  runtime?: RuntimeApi;
  sts?: StsApi;
  s3?: S3Client;
  stager?: DataStager;
  /** Application Auto Scaling and InvokeEndpointAsync ports; built from the connection options when the other ports are. */
  autoscaling?: AutoScalingApi;
  asyncRuntime?: AsyncRuntimeApi;
}

/**
 * The SageMaker target. TrainTarget and DeployTarget both declare `list` with different results, so one object
 * cannot be both: `training` and `deployment` are the two contract views (what the plugin
 * provides); the combined object offers everything else plus `listTrainingJobs` / `listDeployments`.
 */
export interface SageMakerTarget extends Omit<TrainTarget, "list">, Omit<DeployTarget, "list" | "logs"> {
  readonly training: TrainTarget;
  readonly deployment: DeployTarget;
  /** Batch Transform as a scoring engine (`scoreByTransform` in @mlship/scoring drives it). */
  readonly transformer: BatchTransformer;
  /** Hyperparameter tuning (CreateHyperParameterTuningJob and friends). */
  readonly tuning: TuneTarget;
  listTrainingJobs(options?: ListOptions, ctx?: OperationContext): Promise<TrainingRun[]>;
  listDeployments(options?: ListOptions, ctx?: OperationContext): Promise<Deployment[]>;
  /** The endpoint's CloudWatch log lines (`/aws/sagemaker/Endpoints/<name>`); the deployment view's `logs`. */
  endpointLogs(
    name: string,
    options?: DeploymentLogOptions,
    ctx?: OperationContext,
  ): AsyncIterable<DeploymentLogLine>;
  train(spec: SageMakerTrainSpec | TrainSpec, ctx?: OperationContext): Promise<TrainingRun>;
  deploy(spec: SageMakerDeploySpec | DeploySpec, ctx?: OperationContext): Promise<Deployment>;
  /** What deploy(spec) would create, update and delete (reads only); apply() makes exactly those changes. */
  plan(spec: SageMakerDeploySpec | DeploySpec, ctx?: OperationContext): Promise<DeployPlan>;
  apply(plan: DeployPlan, ctx?: OperationContext): Promise<Deployment>;
  downloadArtifacts(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  downloadModel(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  downloadOutput(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  invoker(name: string, ctx?: OperationContext): Promise<SageMakerInvoker>;
  /** InvokeEndpointAsync on an asynchronous endpoint; waits for the output (or error) object unless `wait: false`. */
  invokeAsync(name: string, options: AsyncInvokeOptions, ctx?: OperationContext): Promise<AsyncInvokeResult>;
  /** Removes staged training data (the DataRefs in `run.details.staged`); never called implicitly. */
  cleanupStagedData(refs: readonly DataRef[], ctx?: OperationContext): Promise<void>;
  /** Training job name -> model artifact, code and image: what other targets (Kyma) deploy. */
  readonly models: ModelResolver;
  /** The region in use (resolved from the SDK chain when not given). */
  region(): Promise<string>;
  /** Releases the SDK clients this target created. */
  close(): Promise<void>;
}

export function createSageMakerTarget(options: SageMakerTargetOptions = {}): SageMakerTarget {
  const needClients = !(options.api && options.logs && options.runtime && options.sts && options.s3);
  const clients = needClients ? createAwsClients(options) : undefined;
  const region =
    options.region ??
    (async () => {
      if (!clients) throw new MlshipError("E_CONFIG", "No AWS region configured", { hint: "Pass `region`." });
      try {
        return await clients.sagemaker.config.region();
      } catch (e) {
        throw new MlshipError("E_CONFIG", "No AWS region configured", {
          cause: e,
          hint: "Pass `region`, set AWS_REGION, or give the profile a region.",
        });
      }
    });
  const session = new Session({
    api: options.api ?? sageMakerApi((clients as NonNullable<typeof clients>).sagemaker),
    tuning: options.tuningApi ?? (clients ? tuningApi(clients.sagemaker) : undefined),
    logs: options.logs ?? logsApi((clients as NonNullable<typeof clients>).logs),
    runtime: options.runtime ?? runtimeApi((clients as NonNullable<typeof clients>).runtime),
    sts: options.sts ?? stsApi((clients as NonNullable<typeof clients>).sts),
    s3: options.s3 ?? (clients as NonNullable<typeof clients>).s3,
    autoscaling: options.autoscaling ?? (clients ? autoScalingApi(clients.autoscaling) : undefined),
    asyncRuntime: options.asyncRuntime ?? (clients ? asyncRuntimeApi(clients.runtime) : undefined),
    region,
    role: options.role,
    bucket: options.bucket,
    prefix: options.prefix,
    stager: options.stager,
    poll: options.poll,
    runtimeUrl: options.endpoint,
  });
  const memorySizeMb = options.serverlessMemoryMb;
  const trainDefaults = options.trainDefaults ?? {};
  const withDefaults = <S extends Pick<SageMakerDeploySpec, "serverless" | keyof DeployDefaults>>(
    spec: S,
  ): S => {
    const flagged = withDeployDefaults(spec, options.deployDefaults ?? {});
    return flagged.serverless || memorySizeMb === undefined
      ? flagged
      : { ...flagged, serverless: { memorySizeMb } };
  };

  const target: Omit<SageMakerTarget, "training" | "deployment" | "transformer" | "tuning"> = {
    name: TARGET_NAME,
    region: () => session.region(),
    train: (spec, ctx) => train(session, withTrainDefaults(spec, trainDefaults), ctx),
    describe: (jobName, ctx) => describeTraining(session, jobName, ctx),
    listTrainingJobs: (listOptions) => listTraining(session, listOptions),
    stop: (jobName) => stopTraining(session, jobName),
    logs: (jobName: string, logOptions?: LogOptions): AsyncIterable<LogEvent> =>
      trainingLogs(session, jobName, logOptions),
    downloadArtifacts: (jobName, dir, ctx) => downloadArtifacts(session, jobName, dir, ctx),
    downloadModel: (jobName, dir, ctx) => downloadModel(session, jobName, dir, ctx),
    downloadOutput: (jobName, dir, ctx) => downloadOutput(session, jobName, dir, ctx),
    deploy: (spec, ctx) => deploy(session, withDefaults(spec), ctx),
    plan: (spec, ctx) => planDeploy(session, withDefaults(spec), ctx),
    apply: (plan, ctx) => applyPlan(session, plan, ctx),
    get: (name, ctx) => getDeployment(session, name, ctx),
    listDeployments: (listOptions) => listDeployments(session, listOptions),
    update: (name, spec, ctx) => updateDeployment(session, name, withDefaults(spec), ctx),
    delete: (name, ctx) => deleteDeployment(session, name, ctx),
    async invoker(name, ctx) {
      await getDeployment(session, name, ctx);
      return createSageMakerInvoker(session.deps.runtime, name, { events: ctx?.events });
    },
    invokeAsync: (name, invokeOptions, ctx) => invokeAsync(session, name, invokeOptions, ctx),
    endpointLogs: (name, logOptions, ctx) => endpointLogs(session, name, logOptions, ctx),
    async cleanupStagedData(refs, ctx) {
      const stager = await session.stager();
      for (const ref of refs) await stager.cleanup(ref, ctx);
    },
    async close() {
      clients?.destroy();
    },
    // A tuning job's name stands for its best training job (Kyma deploys a tuned model this way too).
    models: {
      name: TARGET_NAME,
      resolve: async (jobName) =>
        lookupTrainingJob(session.deps.api, (await resolveTrainingJobName(session, jobName)).jobName),
    },
  };
  const training: TrainTarget = {
    name: TARGET_NAME,
    train: target.train,
    describe: target.describe,
    list: target.listTrainingJobs,
    stop: target.stop,
    logs: target.logs,
    downloadArtifacts: target.downloadArtifacts,
    cleanupStagedData: target.cleanupStagedData,
  };
  const deployment: DeployTarget = {
    name: TARGET_NAME,
    deploy: target.deploy,
    plan: target.plan,
    apply: target.apply,
    get: target.get,
    list: target.listDeployments,
    update: target.update,
    delete: target.delete,
    invoker: target.invoker,
    invokeAsync: target.invokeAsync,
    logs: target.endpointLogs,
  };
  const transformer: BatchTransformer = {
    name: TARGET_NAME,
    transform: (request, ctx) =>
      runBatchTransform(
        session,
        {
          ...request,
          instanceCount: request.instanceCount ?? options.transformInstanceCount,
          instanceType: request.instanceType ?? options.transformInstanceType,
        },
        ctx,
      ),
    list: (listOptions) => listTransforms(session, listOptions),
    describe: (job, ctx) => describeTransform(session, job, ctx),
    logs: (job, logOptions) => transformLogs(session, job, logOptions),
    stop: (job, ctx) => stopTransform(session, job, ctx),
  };
  const tuning: TuneTarget = {
    name: TARGET_NAME,
    tune: (spec, ctx) =>
      tune(session, { ...spec, training: withTrainDefaults(spec.training, trainDefaults) }, ctx),
    describe: (name, ctx) => describeTuning(session, name, ctx),
    list: (listOptions) => listTuning(session, listOptions),
    stop: (name) => stopTuning(session, name),
  };
  return { ...target, training, deployment, transformer, tuning };
}
