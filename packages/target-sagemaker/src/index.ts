import { defineTargetPlugin } from "@mlship/core";
import { describeSageMakerOptions, registerSageMakerTarget } from "./register.js";
import type { SageMakerTargetOptions } from "./target.js";

export type { LogsApi, RetryListener, RuntimeApi, SageMakerApi, StsApi } from "./api.js";
export { logsApi, runtimeApi, sageMakerApi, stsApi } from "./api.js";
export type { AsyncInferenceInput, AsyncInvokeOptions, AsyncInvokeResult } from "./async-inference.js";
export { buildAsyncInferenceConfig } from "./async-inference.js";
export type { AutoscalingInput, AutoscalingState } from "./autoscaling.js";
export type { AsyncRuntimeApi, AutoScalingApi } from "./autoscaling-api.js";
export { asyncRuntimeApi, autoScalingApi } from "./autoscaling-api.js";
export type { AwsClients, AwsConnectionOptions } from "./clients.js";
export { createAwsClients } from "./clients.js";
export type { SageMakerDeploySpec } from "./deploy.js";
export { isNotFound, wrapAwsError } from "./errors.js";
export type { DataCaptureInput, EndpointConfigRequestInput, ModelRequestInput } from "./hosting-requests.js";
export {
  buildCreateEndpointConfigRequest,
  buildCreateEndpointRequest,
  buildCreateModelRequest,
  DEFAULT_INFERENCE_INSTANCE_TYPE,
  DEFAULT_VARIANT_NAME,
} from "./hosting-requests.js";
export type { FrameworkHyperparameters } from "./hyperparameters.js";
export { CONTAINER_LOG_LEVEL, decodeHyperparameters, encodeHyperparameters } from "./hyperparameters.js";
export type { SklearnImageOptions, SklearnImageScope } from "./images.js";
export {
  DEFAULT_SKLEARN_VERSION,
  resolveSklearnVersion,
  SKLEARN_REGISTRIES,
  SKLEARN_SCOPE_VERSIONS,
  SKLEARN_VERSION_ALIASES,
  SKLEARN_VERSIONS,
  sklearnImageUri,
  sklearnVersionFromImage,
} from "./images.js";
export type { PredictOptions, SageMakerInvoker } from "./invoker.js";
export { createSageMakerInvoker, MAX_INVOKE_BYTES } from "./invoker.js";
export { LogTail, TRAINING_LOG_GROUP } from "./logs.js";
export { baseNameFromEntryPoint, baseNameFromImage, nameFromBase, sagemakerTimestamp } from "./naming.js";
export { describeSageMakerOptions, registerSageMakerTarget } from "./register.js";
export type { SageMakerTarget, SageMakerTargetOptions } from "./target.js";
export { createSageMakerTarget } from "./target.js";
export type { SageMakerTrainSpec } from "./training.js";
export type { TrainingJobModel } from "./training-job.js";
export { lookupTrainingJob, trainingRunFromDescription } from "./training-job.js";
export type { TrainingChannel, TrainingJobRequestInput, VpcConfig } from "./training-request.js";
export {
  buildCreateTrainingJobRequest,
  DEFAULT_MAX_RUNTIME_SECONDS,
  DEFAULT_TRAINING_INSTANCE_TYPE,
  DEFAULT_VOLUME_SIZE_GB,
  resolveRole,
} from "./training-request.js";
export { DEFAULT_TRANSFORM_INSTANCE_TYPE, runBatchTransform, TRANSFORM_LOG_GROUP } from "./transform.js";
export { tuningJobName, tuningRunFromDescription } from "./tuning.js";
export type { TuningApi } from "./tuning-api.js";
export { tuningApi } from "./tuning-api.js";
export { buildCreateTuningJobRequest, checkTuningConfig, parseRange } from "./tuning-request.js";

export default defineTargetPlugin<SageMakerTargetOptions>({
  name: "sagemaker",
  apiVersion: 1,
  register: (container, options) => {
    registerSageMakerTarget(container, options ?? {});
  },
  describeOptions: describeSageMakerOptions,
});
