import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";

export interface AwsClientOptions {
  /** Default: the SDK chain (`AWS_REGION`, the profile's region, ...). */
  region?: string;
  /** A named profile from `~/.aws/config` / `~/.aws/credentials`; default: the SDK chain (`AWS_PROFILE`). */
  profile?: string;
  /** Another S3-compatible endpoint (an emulator, MinIO...). Switches to path-style addressing. */
  endpoint?: string;
  /** Fixed credentials; default: the SDK's provider chain. */
  credentials?: AwsCredentialIdentity;
}

/**
 * An S3 client configured from the standard AWS chain, with explicit overrides. Path-style
 * addressing is used whenever an endpoint is given: S3-compatible servers rarely resolve
 * `<bucket>.<host>` names.
 */
export function createS3Client(options: AwsClientOptions = {}): S3Client {
  return new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
  });
}

/** An STS client that talks to the same place, with the same identity, as `s3`. */
export function stsClientLike(s3: S3Client): STSClient {
  const config = s3.config;
  return new STSClient({
    region: config.region,
    credentials: config.credentials,
    ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint } : {}),
  });
}
