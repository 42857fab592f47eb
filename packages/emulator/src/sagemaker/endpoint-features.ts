import type { Validator } from "./validation.js";

/** DataCaptureConfig as CreateEndpointConfig takes it. */
export interface DataCaptureConfig {
  EnableCapture?: boolean;
  InitialSamplingPercentage: number;
  DestinationS3Uri: string;
  KmsKeyId?: string;
  CaptureOptions: Array<{ CaptureMode: "Input" | "Output" | "InputAndOutput" }>;
  CaptureContentTypeHeader?: { CsvContentTypes?: string[]; JsonContentTypes?: string[] };
}

/** AsyncInferenceConfig as CreateEndpointConfig takes it. */
export interface AsyncInferenceConfig {
  ClientConfig?: { MaxConcurrentInvocationsPerInstance?: number };
  OutputConfig: {
    S3OutputPath?: string;
    S3FailurePath?: string;
    KmsKeyId?: string;
    NotificationConfig?: {
      SuccessTopic?: string;
      ErrorTopic?: string;
      IncludeInferenceResponseIn?: string[];
    };
  };
}

const S3_URI = "(https|s3)://([^/]+)/?(.*)";
const CONTENT_TYPE = "[a-zA-Z0-9](-*[a-zA-Z0-9])*\\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*";
const CAPTURE_MODES = ["Input", "Output", "InputAndOutput"];

/** Validates CreateEndpointConfig's DataCaptureConfig and AsyncInferenceConfig with the service model's constraints. */
export function validateEndpointFeatures(v: Validator, input: Record<string, unknown>): void {
  const capture = v.object(input.DataCaptureConfig, "dataCaptureConfig");
  if (capture) {
    v.number(capture.InitialSamplingPercentage, "dataCaptureConfig.initialSamplingPercentage", {
      required: true,
      min: 0,
      max: 100,
    });
    v.string(capture.DestinationS3Uri, "dataCaptureConfig.destinationS3Uri", {
      required: true,
      maxLength: 512,
      pattern: S3_URI,
    });
    const options =
      v.list(capture.CaptureOptions, "dataCaptureConfig.captureOptions", {
        required: true,
        min: 1,
        max: 32,
      }) ?? [];
    options.forEach((raw, i) => {
      const path = `dataCaptureConfig.captureOptions.${i + 1}.member`;
      const option = v.object(raw, path, true);
      v.string(option?.CaptureMode, `${path}.captureMode`, { required: true, oneOf: CAPTURE_MODES });
    });
    const header = v.object(capture.CaptureContentTypeHeader, "dataCaptureConfig.captureContentTypeHeader");
    for (const member of ["CsvContentTypes", "JsonContentTypes"] as const) {
      const path = `dataCaptureConfig.captureContentTypeHeader.${member[0]?.toLowerCase()}${member.slice(1)}`;
      const types = v.list(header?.[member], path, { min: 1, max: 10 }) ?? [];
      types.forEach((t, i) => {
        v.string(t, `${path}.${i + 1}.member`, { required: true, maxLength: 256, pattern: CONTENT_TYPE });
      });
    }
  }
  const async = v.object(input.AsyncInferenceConfig, "asyncInferenceConfig");
  if (async) {
    const client = v.object(async.ClientConfig, "asyncInferenceConfig.clientConfig");
    v.number(
      client?.MaxConcurrentInvocationsPerInstance,
      "asyncInferenceConfig.clientConfig.maxConcurrentInvocationsPerInstance",
      { min: 1, max: 1000 },
    );
    const output = v.object(async.OutputConfig, "asyncInferenceConfig.outputConfig", true);
    for (const member of ["S3OutputPath", "S3FailurePath"] as const) {
      v.string(
        output?.[member],
        `asyncInferenceConfig.outputConfig.${member[0]?.toLowerCase()}${member.slice(1)}`,
        {
          maxLength: 512,
          pattern: S3_URI,
        },
      );
    }
  }
}

/** The members an endpoint keeps from its config besides the variants. */
export function endpointFeatures(
  config: { DataCaptureConfig?: unknown; AsyncInferenceConfig?: unknown } | undefined,
): { DataCaptureConfig?: DataCaptureConfig; AsyncInferenceConfig?: AsyncInferenceConfig } {
  return {
    DataCaptureConfig: structuredClone(config?.DataCaptureConfig) as DataCaptureConfig | undefined,
    AsyncInferenceConfig: structuredClone(config?.AsyncInferenceConfig) as AsyncInferenceConfig | undefined,
  };
}

/** DescribeEndpoint's DataCaptureConfigSummary. */
export function dataCaptureSummary(
  config: DataCaptureConfig | undefined,
): Record<string, unknown> | undefined {
  if (!config) return undefined;
  const enabled = config.EnableCapture ?? true;
  return {
    EnableCapture: enabled,
    CaptureStatus: enabled ? "Started" : "Stopped",
    CurrentSamplingPercentage: config.InitialSamplingPercentage,
    DestinationS3Uri: config.DestinationS3Uri,
    KmsKeyId: config.KmsKeyId,
  };
}
