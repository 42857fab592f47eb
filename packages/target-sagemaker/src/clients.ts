import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { STSClient } from "@aws-sdk/client-sts";
import { type AwsConnectionOptions, awsClientConfig, createS3Client } from "@mlship/data-s3";

export interface AwsClients {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  logs: CloudWatchLogsClient;
  sts: STSClient;
  s3: S3Client;
  autoscaling: ApplicationAutoScalingClient;
  destroy(): void;
}

/** SDK clients sharing one configuration; connections are kept alive and reused. */
export function createAwsClients(options: AwsConnectionOptions = {}): AwsClients {
  const common = awsClientConfig(options);
  const sagemaker = new SageMakerClient(common);
  const runtime = new SageMakerRuntimeClient(common);
  const logs = new CloudWatchLogsClient(common);
  const sts = new STSClient(common);
  const autoscaling = new ApplicationAutoScalingClient(common);
  const s3 = createS3Client({
    region: options.region,
    profile: options.profile,
    endpoint: options.endpoint,
    ...(options.credentials && typeof options.credentials === "object"
      ? { credentials: options.credentials }
      : {}),
  });
  return {
    sagemaker,
    runtime,
    logs,
    sts,
    s3,
    autoscaling,
    destroy() {
      for (const c of [sagemaker, runtime, logs, sts, s3, autoscaling]) c.destroy();
    },
  };
}
