/** The region/account pair every ARN and log link of the emulator is built from. */
export interface AccountScope {
  region: string;
  accountId: string;
}

export type SageMakerResourceKind =
  | "training-job"
  | "transform-job"
  | "model"
  | "endpoint-config"
  | "endpoint"
  | "hyper-parameter-tuning-job";

/** `arn:aws:sagemaker:<region>:<account>:<kind>/<name>`; SageMaker lower-cases the name in ARNs. */
export function sageMakerArn(scope: AccountScope, kind: SageMakerResourceKind, name: string): string {
  return `arn:aws:sagemaker:${scope.region}:${scope.accountId}:${kind}/${name.toLowerCase()}`;
}

/** ARN of a CloudWatch Logs group, as InvokeEndpoint's ModelError reports it. */
export function logGroupArn(scope: AccountScope, group: string): string {
  return `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:${group}`;
}

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";
export const TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs";

export function endpointLogGroup(endpointName: string): string {
  return `/aws/sagemaker/Endpoints/${endpointName}`;
}
