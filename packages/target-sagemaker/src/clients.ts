import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { createS3Client } from "@mlship/data-s3";

export interface AwsConnectionOptions {
  /** Default: the SDK chain (AWS_REGION, the profile's region...). */
  region?: string;
  /** Named profile from ~/.aws/config and ~/.aws/credentials (SSO profiles included). */
  profile?: string;
  /** One endpoint for every service (emulator, VPC endpoint, compatible API); S3 then uses path-style. */
  endpoint?: string;
  /** Fixed credentials or a provider; default: the SDK's default chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SDK retry attempts (first try included) for every call; default 3. */
  maxAttempts?: number;
  /** SDK retry mode; `adaptive` also rate-limits the client after throttling. Default `standard`. */
  retryMode?: "standard" | "adaptive";
  /** Keep-alive sockets per host for InvokeEndpoint; default 50. */
  connections?: number;
}

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
  const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 50 };
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: options.retryMode ?? "standard",
    requestHandler: { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) },
  };
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
