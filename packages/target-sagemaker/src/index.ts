import { defineTargetPlugin } from "@mlship/core";
import { describeSageMakerOptions, registerSageMakerTarget } from "./register.js";
import type { SageMakerTargetOptions } from "./target.js";

// The public surface: the target (createSageMakerTarget, the plugin), the ports it can be given and their
// adapters over the AWS SDK clients, its spec and option types, and what target-kyma still imports (the AWS
// clients, errors, training-job lookup and image helpers) until those move behind core's ports.
export type { LogsApi, RetryListener, RuntimeApi, SageMakerApi, StsApi } from "./api.js";
export { logsApi, runtimeApi, sageMakerApi, stsApi } from "./api.js";
export type { AsyncInferenceInput, AsyncInvokeOptions, AsyncInvokeResult } from "./async-inference.js";
export type { AutoscalingInput, AutoscalingState } from "./autoscaling.js";
export type { AsyncRuntimeApi, AutoScalingApi } from "./autoscaling-api.js";
export { asyncRuntimeApi, autoScalingApi } from "./autoscaling-api.js";
export type { AwsClients, AwsConnectionOptions } from "./clients.js";
export { createAwsClients } from "./clients.js";
export type { SageMakerDeploySpec } from "./deploy.js";
export { wrapAwsError } from "./errors.js";
export type { DataCaptureInput } from "./hosting-requests.js";
export type { SklearnImageOptions, SklearnImageScope } from "./images.js";
export { SKLEARN_VERSIONS, sklearnImageUri, sklearnVersionFromImage } from "./images.js";
export type { PredictOptions, SageMakerInvoker } from "./invoker.js";
export { describeSageMakerOptions, registerSageMakerTarget } from "./register.js";
export type { SageMakerTarget, SageMakerTargetOptions } from "./target.js";
export { createSageMakerTarget } from "./target.js";
export type { SageMakerTrainSpec } from "./training.js";
export type { TrainingJobModel } from "./training-job.js";
export { lookupTrainingJob } from "./training-job.js";
export type { TrainingChannel, VpcConfig } from "./training-request.js";
export type { TuningApi } from "./tuning-api.js";
export { tuningApi } from "./tuning-api.js";

export default defineTargetPlugin<SageMakerTargetOptions>({
  name: "sagemaker",
  apiVersion: 1,
  register: (container, options) => {
    registerSageMakerTarget(container, options ?? {});
  },
  describeOptions: describeSageMakerOptions,
});
