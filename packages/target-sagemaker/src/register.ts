import {
  BatchTransformerToken,
  DeployTargetToken,
  type PluginOptionDescription,
  TrainTargetToken,
} from "@mlship/core";
import type { DependencyContainer } from "tsyringe";
import { createSageMakerTarget, type SageMakerTarget, type SageMakerTargetOptions } from "./target.js";

/** Registers the SageMaker training and deployment targets (name `sagemaker`) on `container`. */
export function registerSageMakerTarget(
  container: DependencyContainer,
  options: SageMakerTargetOptions = {},
): SageMakerTarget {
  const target = createSageMakerTarget(options);
  container.register(TrainTargetToken, { useValue: target.training });
  container.register(DeployTargetToken, { useValue: target.deployment });
  container.register(BatchTransformerToken, { useValue: target.transformer });
  return target;
}

export function describeSageMakerOptions(): PluginOptionDescription[] {
  return [
    {
      name: "region",
      type: "string",
      description: "AWS region (default: the SDK chain).",
      env: "AWS_REGION",
    },
    {
      name: "profile",
      type: "string",
      description: "Named AWS profile (~/.aws/config).",
      env: "AWS_PROFILE",
    },
    {
      name: "endpoint",
      type: "string",
      description: "One endpoint URL for every AWS service (emulator, compatible API).",
    },
    {
      name: "role",
      type: "string",
      description: "SageMaker execution role ARN.",
      env: "MLSHIP_SAGEMAKER_ROLE",
    },
    {
      name: "bucket",
      type: "string",
      description: "S3 bucket for code, artifacts and staged data (default sagemaker-<region>-<account>).",
    },
    {
      name: "prefix",
      type: "string",
      description: "Key prefix for staged training data (default mlship-data).",
    },
    {
      name: "maxAttempts",
      type: "number",
      description: "SDK retry attempts per call, first included (default 3).",
    },
    {
      name: "retryMode",
      type: "string",
      description: "SDK retry mode: standard or adaptive (default standard).",
    },
  ];
}
