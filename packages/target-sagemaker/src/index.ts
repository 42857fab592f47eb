// The public surface: the target (createSageMakerTarget, the plugin and its options schema), the ports it can
// be given and their adapters over the AWS SDK clients, and its spec and option types. The AWS plumbing other
// targets share (client config, errors, scikit-learn images) lives in @mlship/data-s3; training jobs reach
// other targets through core's model resolver (`target.models`).
export type { LogsApi, RetryListener, RuntimeApi, SageMakerApi, StsApi } from "./api.js";
export { logsApi, runtimeApi, sageMakerApi, stsApi } from "./api.js";
export type { AsyncInferenceInput, AsyncInvokeOptions, AsyncInvokeResult } from "./async-inference.js";
export type { AutoscalingInput, AutoscalingState } from "./autoscaling.js";
export type { AsyncRuntimeApi, AutoScalingApi } from "./autoscaling-api.js";
export { asyncRuntimeApi, autoScalingApi } from "./autoscaling-api.js";
export type { SageMakerDeploySpec } from "./deploy.js";
export type { DeployDefaults } from "./deploy-flags.js";
export type { DataCaptureInput } from "./hosting-requests.js";
export type { PredictOptions, SageMakerInvoker } from "./invoker.js";
export { default, sageMakerPluginOptions } from "./plugin.js";
export type { SageMakerTarget, SageMakerTargetOptions } from "./target.js";
export { createSageMakerTarget } from "./target.js";
export type { TrainDefaults } from "./train-flags.js";
export type { SageMakerTrainSpec } from "./training.js";
export type { TrainingJobModel } from "./training-job.js";
export type { TrainingChannel, VpcConfig } from "./training-request.js";
export type { TuningApi } from "./tuning-api.js";
export { tuningApi } from "./tuning-api.js";
