import type {
  CreateEndpointCommandInput,
  CreateEndpointConfigCommandInput,
  CreateModelCommandInput,
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
}

export interface EndpointConfigRequestInput {
  configName: string;
  modelName: string;
  instanceType?: string;
  instanceCount?: number;
  /** Serverless instead of instances (the SDK's ServerlessInferenceConfig defaults: 2048 MB, concurrency 5). */
  serverless?: { memorySizeMb?: number; maxConcurrency?: number };
  dataCapture?: DataCaptureInput;
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
    ...(input.dataCapture
      ? {
          DataCaptureConfig: {
            EnableCapture: true,
            InitialSamplingPercentage: input.dataCapture.samplingPercentage ?? 100,
            DestinationS3Uri: input.dataCapture.destinationS3Uri,
            CaptureOptions: [{ CaptureMode: "Input" }, { CaptureMode: "Output" }],
          },
        }
      : {}),
    ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
    Tags: toTags(input.tags),
  };
}

export function buildCreateEndpointRequest(input: {
  endpointName: string;
  configName: string;
  tags?: Record<string, string>;
}): CreateEndpointCommandInput {
  return { EndpointName: input.endpointName, EndpointConfigName: input.configName, Tags: toTags(input.tags) };
}
