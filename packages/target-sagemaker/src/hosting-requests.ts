import type {
  AsyncInferenceConfig,
  CreateEndpointCommandInput,
  CreateEndpointConfigCommandInput,
  CreateModelCommandInput,
  DataCaptureConfig,
  ProductionVariant,
} from "@aws-sdk/client-sagemaker";
import { MlshipError } from "@mlship/core";
import { CONTAINER_LOG_LEVEL } from "./hyperparameters.js";
import { toTags, type VpcConfig } from "./training-request.js";

export const DEFAULT_VARIANT_NAME = "AllTraffic";
export const DEFAULT_INFERENCE_INSTANCE_TYPE = "ml.m5.large";

export interface ModelRequestInput {
  modelName: string;
  image: string;
  role: string;
  region: string;
  /** `s3://.../model.tar.gz`. */
  modelDataUrl: string;
  /** Inference script file name (`SAGEMAKER_PROGRAM`). */
  program?: string;
  /** `s3://.../sourcedir.tar.gz` (`SAGEMAKER_SUBMIT_DIRECTORY`). */
  submitDirectory?: string;
  environment?: Record<string, string>;
  vpc?: VpcConfig;
  tags?: Record<string, string>;
}

/** CreateModel as the SDK's `SKLearnModel.prepare_container_def` fills it. User env wins over ours. */
export function buildCreateModelRequest(input: ModelRequestInput): CreateModelCommandInput {
  const env: Record<string, string> = {
    ...(input.program ? { SAGEMAKER_PROGRAM: input.program } : {}),
    ...(input.submitDirectory ? { SAGEMAKER_SUBMIT_DIRECTORY: input.submitDirectory } : {}),
    SAGEMAKER_CONTAINER_LOG_LEVEL: String(CONTAINER_LOG_LEVEL),
    SAGEMAKER_REGION: input.region,
    ...(input.environment ?? {}),
  };
  return {
    ModelName: input.modelName,
    ExecutionRoleArn: input.role,
    PrimaryContainer: { Image: input.image, ModelDataUrl: input.modelDataUrl, Environment: env },
    ...(input.vpc
      ? { VpcConfig: { Subnets: input.vpc.subnets, SecurityGroupIds: input.vpc.securityGroupIds } }
      : {}),
    Tags: toTags(input.tags),
  };
}

export interface DataCaptureInput {
  destinationS3Uri: string;
  /** 0-100, default 100. */
  samplingPercentage?: number;
  /** What to record; default both, as the SageMaker SDK does. */
  captureModes?: Array<"Input" | "Output">;
  /** Content types recorded as text (`encoding` CSV / JSON); others are base64. Default text/csv, application/json. */
  csvContentTypes?: string[];
  jsonContentTypes?: string[];
}

export interface EndpointConfigRequestInput {
  configName: string;
  modelName: string;
  instanceType?: string;
  instanceCount?: number;
  /** Serverless instead of instances (the SDK's ServerlessInferenceConfig defaults: 2048 MB, concurrency 5). */
  serverless?: { memorySizeMb?: number; maxConcurrency?: number };
  dataCapture?: DataCaptureInput;
  /** Makes the endpoint asynchronous (see `buildAsyncInferenceConfig`). */
  asyncInference?: AsyncInferenceConfig;
  kmsKeyId?: string;
  tags?: Record<string, string>;
}

/** One `AllTraffic` production variant, as the SDK's `production_variant()` builds it. Pure. */
export function buildCreateEndpointConfigRequest(
  input: EndpointConfigRequestInput,
): CreateEndpointConfigCommandInput {
  let variant: ProductionVariant;
  if (input.serverless) {
    if (input.instanceType) {
      throw new MlshipError("E_INVALID_INPUT", "Choose either serverless or an instance type, not both", {
        where: "serverless",
      });
    }
    const memory = input.serverless.memorySizeMb ?? 2048;
    if (![1024, 2048, 3072, 4096, 5120, 6144].includes(memory)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Serverless memory must be 1024-6144 MB in 1 GB steps (got ${memory})`,
        {
          where: "serverless.memorySizeMb",
        },
      );
    }
    variant = {
      VariantName: DEFAULT_VARIANT_NAME,
      ModelName: input.modelName,
      ServerlessConfig: { MemorySizeInMB: memory, MaxConcurrency: input.serverless.maxConcurrency ?? 5 },
    };
  } else {
    const count = input.instanceCount ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new MlshipError("E_INVALID_INPUT", `instanceCount must be a positive integer (got ${count})`, {
        where: "instanceCount",
      });
    }
    variant = {
      VariantName: DEFAULT_VARIANT_NAME,
      ModelName: input.modelName,
      InitialInstanceCount: count,
      InstanceType: (input.instanceType ?? DEFAULT_INFERENCE_INSTANCE_TYPE) as never,
      InitialVariantWeight: 1,
    };
  }
  return {
    EndpointConfigName: input.configName,
    ProductionVariants: [variant],
    ...(input.dataCapture ? { DataCaptureConfig: dataCaptureConfig(input.dataCapture) } : {}),
    ...(input.asyncInference ? { AsyncInferenceConfig: input.asyncInference } : {}),
    ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
    Tags: toTags(input.tags),
  };
}

/** DataCaptureConfig as the SageMaker SDK's `DataCaptureConfig._to_request_dict` builds it; checked first. */
function dataCaptureConfig(input: DataCaptureInput): DataCaptureConfig {
  const percent = input.samplingPercentage ?? 100;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Capture percentage must be a whole number 0-100 (got ${percent})`,
      {
        where: "dataCapture.samplingPercentage",
        hint: "e.g. --capture 20 records one request in five.",
      },
    );
  }
  if (!/^s3:\/\/[^/]+/.test(input.destinationS3Uri)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Capture destination must be an s3:// URI (got ${input.destinationS3Uri})`,
      {
        where: "dataCapture.destinationS3Uri",
        hint: "e.g. --capture-destination s3://my-bucket/data-capture",
      },
    );
  }
  const modes = input.captureModes ?? ["Input", "Output"];
  if (modes.length === 0) {
    throw new MlshipError("E_INVALID_INPUT", "Capture needs at least one mode (Input, Output)", {
      where: "dataCapture.captureModes",
    });
  }
  return {
    EnableCapture: true,
    InitialSamplingPercentage: percent,
    DestinationS3Uri: input.destinationS3Uri,
    CaptureOptions: modes.map((CaptureMode) => ({ CaptureMode })),
    CaptureContentTypeHeader: {
      CsvContentTypes: input.csvContentTypes ?? ["text/csv"],
      JsonContentTypes: input.jsonContentTypes ?? ["application/json"],
    },
  };
}

export function buildCreateEndpointRequest(input: {
  endpointName: string;
  configName: string;
  tags?: Record<string, string>;
}): CreateEndpointCommandInput {
  return { EndpointName: input.endpointName, EndpointConfigName: input.configName, Tags: toTags(input.tags) };
}
