import type { AwsApiError } from "../aws-error.js";
import { type AccountScope, sageMakerArn } from "./arn.js";
import { validateEndpointFeatures } from "./endpoint-features.js";
import { type ModelRecord, modelNotFound, requiredName } from "./models.js";
import { listPage } from "./paging.js";
import type { RecordStore } from "./store.js";
import { toEpochSeconds } from "./time.js";
import { createValidator, NAME_PATTERN, resourceName, validateTags, validationError } from "./validation.js";

export interface ServerlessConfig {
  MemorySizeInMB: number;
  MaxConcurrency: number;
  ProvisionedConcurrency?: number;
}

export interface ProductionVariant {
  VariantName: string;
  ModelName: string;
  InitialInstanceCount?: number;
  InstanceType?: string;
  InitialVariantWeight?: number;
  ServerlessConfig?: ServerlessConfig;
  [member: string]: unknown;
}

export interface EndpointConfigRecord {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  /** Epoch ms. */
  CreationTime: number;
  ProductionVariants: ProductionVariant[];
  DataCaptureConfig?: unknown;
  KmsKeyId?: string;
  AsyncInferenceConfig?: unknown;
  Tags?: unknown[];
}

export function endpointConfigNotFound(scope: AccountScope, name: string): AwsApiError {
  return validationError(
    `Could not find endpoint configuration "${sageMakerArn(scope, "endpoint-config", name)}".`,
  );
}

export interface EndpointConfigOperations {
  CreateEndpointConfig(input: Record<string, unknown>): { EndpointConfigArn: string };
  DescribeEndpointConfig(input: Record<string, unknown>): Record<string, unknown>;
  ListEndpointConfigs(input: Record<string, unknown>): Record<string, unknown>;
  DeleteEndpointConfig(input: Record<string, unknown>): Record<string, never>;
}

export function createEndpointConfigOperations(
  scope: AccountScope,
  configs: RecordStore<EndpointConfigRecord>,
  models: RecordStore<ModelRecord>,
): EndpointConfigOperations {
  return {
    CreateEndpointConfig(input) {
      const v = createValidator();
      const name = resourceName(v, input.EndpointConfigName, "endpointConfigName");
      const variants =
        v.list(input.ProductionVariants, "productionVariants", { required: true, min: 1, max: 10 }) ?? [];
      variants.forEach((raw, i) => {
        const path = `productionVariants.${i + 1}.member`;
        const pv = v.object(raw, path, true);
        if (!pv) return;
        v.string(pv.VariantName, `${path}.variantName`, {
          required: true,
          maxLength: 63,
          pattern: NAME_PATTERN,
        });
        v.string(pv.ModelName, `${path}.modelName`, { required: true, maxLength: 63, pattern: NAME_PATTERN });
        v.number(pv.InitialInstanceCount, `${path}.initialInstanceCount`, { min: 1 });
        v.number(pv.InitialVariantWeight, `${path}.initialVariantWeight`, { min: 0 });
        v.string(pv.InstanceType, `${path}.instanceType`, { pattern: "ml\\.[a-z0-9]+\\.[a-z0-9]+" });
        const serverless = v.object(pv.ServerlessConfig, `${path}.serverlessConfig`);
        if (serverless) {
          v.number(serverless.MemorySizeInMB, `${path}.serverlessConfig.memorySizeInMB`, {
            required: true,
            min: 1024,
            max: 6144,
          });
          v.number(serverless.MaxConcurrency, `${path}.serverlessConfig.maxConcurrency`, {
            required: true,
            min: 1,
            max: 200,
          });
        }
      });
      validateEndpointFeatures(v, input);
      validateTags(v, input.Tags, "tags");
      v.done();
      const typed = variants as ProductionVariant[];
      const seen = new Set<string>();
      for (const pv of typed) {
        const key = pv.VariantName.toLowerCase();
        if (seen.has(key)) throw validationError(`Variant name '${pv.VariantName}' is used more than once.`);
        seen.add(key);
        if (
          !pv.ServerlessConfig &&
          (pv.InstanceType === undefined || pv.InitialInstanceCount === undefined)
        ) {
          throw validationError(
            `Production variant '${pv.VariantName}' must specify either ServerlessConfig or both InstanceType and InitialInstanceCount.`,
          );
        }
        if (pv.ServerlessConfig && pv.InstanceType !== undefined) {
          throw validationError(
            `Production variant '${pv.VariantName}' cannot specify both ServerlessConfig and InstanceType.`,
          );
        }
        if (!models.has(pv.ModelName)) throw modelNotFound(scope, pv.ModelName);
      }
      const arn = sageMakerArn(scope, "endpoint-config", name);
      if (configs.has(name))
        throw validationError(`Cannot create already existing endpoint configuration "${arn}".`);
      configs.put({
        EndpointConfigName: name,
        EndpointConfigArn: arn,
        CreationTime: Date.now(),
        ProductionVariants: typed.map((pv) => ({
          ...pv,
          // AWS fills in the weight (1.0) when the caller leaves it out.
          InitialVariantWeight: pv.InitialVariantWeight ?? 1,
        })),
        DataCaptureConfig: input.DataCaptureConfig,
        KmsKeyId: input.KmsKeyId as string | undefined,
        AsyncInferenceConfig: input.AsyncInferenceConfig,
        Tags: input.Tags as unknown[] | undefined,
      });
      return { EndpointConfigArn: arn };
    },
    DescribeEndpointConfig(input) {
      const name = requiredName(input.EndpointConfigName, "endpointConfigName");
      const config = configs.get(name);
      if (!config) throw endpointConfigNotFound(scope, name);
      return {
        EndpointConfigName: config.EndpointConfigName,
        EndpointConfigArn: config.EndpointConfigArn,
        ProductionVariants: config.ProductionVariants,
        DataCaptureConfig: config.DataCaptureConfig,
        KmsKeyId: config.KmsKeyId,
        CreationTime: toEpochSeconds(config.CreationTime),
        AsyncInferenceConfig: config.AsyncInferenceConfig,
      };
    },
    ListEndpointConfigs(input) {
      const { page, nextToken } = listPage(configs.all(), input, {
        sortKeys: ["Name", "CreationTime"],
        name: (c) => c.EndpointConfigName,
        created: (c) => c.CreationTime,
      });
      return {
        EndpointConfigs: page.map((c) => ({
          EndpointConfigName: c.EndpointConfigName,
          EndpointConfigArn: c.EndpointConfigArn,
          CreationTime: toEpochSeconds(c.CreationTime),
        })),
        NextToken: nextToken,
      };
    },
    DeleteEndpointConfig(input) {
      const name = requiredName(input.EndpointConfigName, "endpointConfigName");
      if (!configs.has(name)) throw endpointConfigNotFound(scope, name);
      // As on AWS, deleting a config an endpoint runs is allowed; the endpoint keeps serving.
      configs.delete(name);
      return {};
    },
  };
}
