// Members SageMaker fills in when a request leaves them out, as its Describe* answers show them. Clients
// read some unconditionally: the SageMaker Python SDK's Estimator.attach reads OutputDataConfig.KmsKeyId.

/** OutputDataConfig: no key is `KmsKeyId: ""`; the documented default compression is GZIP. */
export function outputDataConfigDefaults<T extends Record<string, unknown>>(config: T): T {
  return { KmsKeyId: "", CompressionType: "GZIP", ...config };
}

/** A training channel: `CompressionType` and `RecordWrapperType` default to "None", S3 data is FullyReplicated. */
export function channelDefaults(channel: Record<string, unknown>): Record<string, unknown> {
  const source = channel.DataSource as { S3DataSource?: Record<string, unknown> } | undefined;
  return {
    CompressionType: "None",
    RecordWrapperType: "None",
    ...channel,
    ...(source?.S3DataSource
      ? {
          DataSource: {
            ...source,
            S3DataSource: { S3DataDistributionType: "FullyReplicated", ...source.S3DataSource },
          },
        }
      : {}),
  };
}

/** A model container: `Mode` defaults to SingleModel. */
export function containerDefaults<T extends Record<string, unknown>>(container: T): T {
  return { Mode: "SingleModel", ...container };
}
