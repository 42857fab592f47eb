import type { AwsApiError } from "../aws-error.js";
import { type AccountScope, sageMakerArn } from "./arn.js";
import { containerDefaults } from "./describe-defaults.js";
import { listPage } from "./paging.js";
import type { RecordStore } from "./store.js";
import { toEpochSeconds } from "./time.js";
import {
  createValidator,
  ROLE_ARN_PATTERN,
  resourceName,
  S3_URI_PATTERN,
  type Validator,
  validateTags,
  validationError,
} from "./validation.js";

export interface ContainerDefinition {
  ContainerHostname?: string;
  Image?: string;
  ModelDataUrl?: string;
  Environment?: Record<string, string>;
  Mode?: string;
  [member: string]: unknown;
}

export interface ModelRecord {
  ModelName: string;
  ModelArn: string;
  /** Epoch ms. */
  CreationTime: number;
  PrimaryContainer?: ContainerDefinition;
  Containers?: ContainerDefinition[];
  ExecutionRoleArn?: string;
  EnableNetworkIsolation?: boolean;
  VpcConfig?: unknown;
  InferenceExecutionConfig?: unknown;
  Tags?: unknown[];
}

/** The one container a model runs: PrimaryContainer, or the only entry of Containers. */
export function servingContainer(model: ModelRecord): ContainerDefinition | undefined {
  return model.PrimaryContainer ?? (model.Containers?.length === 1 ? model.Containers[0] : undefined);
}

export function modelNotFound(scope: AccountScope, name: string): AwsApiError {
  return validationError(`Could not find model "${sageMakerArn(scope, "model", name)}".`);
}

export interface ModelOperations {
  CreateModel(input: Record<string, unknown>): { ModelArn: string };
  DescribeModel(input: Record<string, unknown>): Record<string, unknown>;
  ListModels(input: Record<string, unknown>): Record<string, unknown>;
  DeleteModel(input: Record<string, unknown>): Record<string, never>;
}

export function createModelOperations(
  scope: AccountScope,
  models: RecordStore<ModelRecord>,
): ModelOperations {
  return {
    CreateModel(input) {
      const v = createValidator();
      const name = resourceName(v, input.ModelName, "modelName");
      const primary = v.object(input.PrimaryContainer, "primaryContainer");
      if (primary) validateContainer(v, primary, "primaryContainer");
      const containers = v.list(input.Containers, "containers", { max: 15 });
      containers?.forEach((c, i) => {
        const container = v.object(c, `containers.${i + 1}.member`);
        if (container) validateContainer(v, container, `containers.${i + 1}.member`);
      });
      v.string(input.ExecutionRoleArn, "executionRoleArn", {
        minLength: 20,
        maxLength: 2048,
        pattern: ROLE_ARN_PATTERN,
      });
      validateTags(v, input.Tags, "tags");
      v.done();
      if (!primary && !containers?.length) {
        throw validationError("Either PrimaryContainer or Containers must be provided.");
      }
      if (primary && containers?.length) {
        throw validationError("PrimaryContainer and Containers cannot both be provided.");
      }
      const arn = sageMakerArn(scope, "model", name);
      if (models.has(name)) throw validationError(`Cannot create already existing model "${arn}".`);
      models.put({
        ModelName: name,
        ModelArn: arn,
        CreationTime: Date.now(),
        PrimaryContainer: primary as ContainerDefinition | undefined,
        Containers: containers as ContainerDefinition[] | undefined,
        ExecutionRoleArn: input.ExecutionRoleArn as string | undefined,
        EnableNetworkIsolation: input.EnableNetworkIsolation as boolean | undefined,
        VpcConfig: input.VpcConfig,
        InferenceExecutionConfig: input.InferenceExecutionConfig,
        Tags: input.Tags as unknown[] | undefined,
      });
      return { ModelArn: arn };
    },
    DescribeModel(input) {
      const name = requiredName(input.ModelName, "modelName");
      const model = models.get(name);
      if (!model) throw modelNotFound(scope, name);
      return {
        ModelName: model.ModelName,
        PrimaryContainer: model.PrimaryContainer && containerDefaults(model.PrimaryContainer),
        Containers: model.Containers?.map(containerDefaults),
        InferenceExecutionConfig: model.InferenceExecutionConfig,
        ExecutionRoleArn: model.ExecutionRoleArn,
        VpcConfig: model.VpcConfig,
        CreationTime: toEpochSeconds(model.CreationTime),
        ModelArn: model.ModelArn,
        EnableNetworkIsolation: model.EnableNetworkIsolation ?? false,
      };
    },
    ListModels(input) {
      const { page, nextToken } = listPage(models.all(), input, {
        sortKeys: ["Name", "CreationTime"],
        name: (m) => m.ModelName,
        created: (m) => m.CreationTime,
      });
      return {
        Models: page.map((m) => ({
          ModelName: m.ModelName,
          ModelArn: m.ModelArn,
          CreationTime: toEpochSeconds(m.CreationTime),
        })),
        NextToken: nextToken,
      };
    },
    DeleteModel(input) {
      const name = requiredName(input.ModelName, "modelName");
      if (!models.has(name)) throw modelNotFound(scope, name);
      models.delete(name);
      return {};
    },
  };
}

function validateContainer(v: Validator, c: Record<string, unknown>, path: string): void {
  v.string(c.Image, `${path}.image`, { maxLength: 255, pattern: "[\\S]+" });
  v.string(c.ModelDataUrl, `${path}.modelDataUrl`, { maxLength: 1024, pattern: S3_URI_PATTERN });
  v.stringMap(c.Environment, `${path}.environment`, { maxEntries: 100, maxValueLength: 1024 });
  v.string(c.Mode, `${path}.mode`, { oneOf: ["SingleModel", "MultiModel"] });
}

/** Validates a lone name member of a Describe/Delete/Stop request. */
export function requiredName(value: unknown, path: string): string {
  const v = createValidator();
  const name = resourceName(v, value, path);
  v.done();
  return name;
}
