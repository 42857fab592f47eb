import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";

/** How every AWS client of one target connects; shared by the AWS-backed targets. */
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
  /** Keep-alive sockets per host; default 50. */
  connections?: number;
}

/** The configuration to construct any AWS SDK v3 client with; connections are kept alive and reused. */
export function awsClientConfig(options: AwsConnectionOptions = {}) {
  const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 50 };
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: options.retryMode ?? "standard",
    requestHandler: { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) },
  };
}
