import type { ScalableDimension, ServiceNamespace } from "@aws-sdk/client-application-auto-scaling";
import { type JsonValue, MlshipError } from "@mlship/core";
import { wrapAwsError } from "@mlship/data-s3";
import type { AutoScalingApi } from "./autoscaling-api.js";
import { DEFAULT_VARIANT_NAME } from "./hosting-requests.js";

/** Target tracking on invocations per instance per minute, as the SageMaker docs recommend. */
export interface AutoscalingInput {
  minInstances: number;
  maxInstances: number;
  /** SageMakerVariantInvocationsPerInstance: invocations per instance per minute to hold. */
  targetInvocations: number;
  /** Seconds after a scale-in before another (Application Auto Scaling's default: 300). */
  scaleInCooldown?: number;
  /** Seconds after a scale-out before another (default 300). */
  scaleOutCooldown?: number;
}

/** What `deployments get` shows: the registered limits and the policy. */
export interface AutoscalingState {
  minInstances: number;
  maxInstances: number;
  policy?: { name: string; targetInvocations: number; scaleInCooldown?: number; scaleOutCooldown?: number };
}

export const POLICY_NAME = "mlship-invocations-per-instance";
const NAMESPACE: ServiceNamespace = "sagemaker";
const DIMENSION: ScalableDimension = "sagemaker:variant:DesiredInstanceCount";

const resource = (endpoint: string) => ({
  ServiceNamespace: NAMESPACE,
  ResourceId: `endpoint/${endpoint}/variant/${DEFAULT_VARIANT_NAME}`,
  ScalableDimension: DIMENSION,
});

/** Checks the limits before anything is created: E_INVALID_INPUT naming the field and the fix. */
export function validateAutoscaling(input: AutoscalingInput, serverless: boolean): void {
  const bad = (where: string, message: string, hint: string) =>
    new MlshipError("E_INVALID_INPUT", message, { where, hint });
  if (serverless) {
    throw bad(
      "autoscaling",
      "Autoscaling needs instances; a serverless endpoint scales by itself",
      "Drop --serverless or the scaling options.",
    );
  }
  const {
    minInstances: min,
    maxInstances: max,
    targetInvocations,
    scaleInCooldown,
    scaleOutCooldown,
  } = input;
  if (!Number.isInteger(min) || min < 1) {
    throw bad(
      "autoscaling.minInstances",
      `minInstances must be an integer >= 1 (got ${min})`,
      "SageMaker keeps at least one instance behind a real-time endpoint.",
    );
  }
  if (!Number.isInteger(max) || max < min) {
    throw bad(
      "autoscaling.maxInstances",
      `maxInstances must be an integer >= minInstances (${min}); got ${max}`,
      "Raise --max-instances or lower --min-instances.",
    );
  }
  if (
    !(typeof targetInvocations === "number" && Number.isFinite(targetInvocations) && targetInvocations > 0)
  ) {
    throw bad(
      "autoscaling.targetInvocations",
      `targetInvocations must be a number > 0 (got ${targetInvocations})`,
      "It is invocations per instance per minute, e.g. 70.",
    );
  }
  for (const [name, value] of [
    ["scaleInCooldown", scaleInCooldown],
    ["scaleOutCooldown", scaleOutCooldown],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw bad(
        `autoscaling.${name}`,
        `${name} must be a whole number of seconds >= 0 (got ${value})`,
        "Cooldowns are in seconds.",
      );
    }
  }
}

function requireApi(api: AutoScalingApi | undefined): AutoScalingApi {
  if (!api) {
    throw new MlshipError("E_CONFIG", "This SageMaker target has no Application Auto Scaling client", {
      hint: "Create the target from connection options, or pass `autoscaling` (an AutoScalingApi) with the other ports.",
    });
  }
  return api;
}

/** Registers the variant as a scalable target and puts (or replaces) the target-tracking policy. */
export async function applyAutoscaling(
  api: AutoScalingApi | undefined,
  endpoint: string,
  input: AutoscalingInput,
): Promise<void> {
  const scaling = requireApi(api);
  const id = resource(endpoint);
  try {
    await scaling.registerScalableTarget({
      ...id,
      MinCapacity: input.minInstances,
      MaxCapacity: input.maxInstances,
    });
    await scaling.putScalingPolicy({
      ...id,
      PolicyName: POLICY_NAME,
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: input.targetInvocations,
        PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        ...(input.scaleInCooldown !== undefined ? { ScaleInCooldown: input.scaleInCooldown } : {}),
        ...(input.scaleOutCooldown !== undefined ? { ScaleOutCooldown: input.scaleOutCooldown } : {}),
      },
    });
  } catch (e) {
    throw wrapAwsError(e, `Configuring autoscaling of ${endpoint}`, {
      code: "E_DEPLOY_FAILED",
      where: endpoint,
    });
  }
}

/** Deregisters the variant (its policies go with it); true when there was something to remove. */
export async function removeAutoscaling(api: AutoScalingApi | undefined, endpoint: string): Promise<boolean> {
  if (!api) return false;
  try {
    await api.deregisterScalableTarget(resource(endpoint));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === "ObjectNotFoundException") return false;
    throw wrapAwsError(e, `Removing autoscaling of ${endpoint}`, { where: endpoint });
  }
}

/** The registered limits and policy, or undefined when the endpoint does not autoscale. */
export async function describeAutoscaling(
  api: AutoScalingApi | undefined,
  endpoint: string,
): Promise<AutoscalingState | undefined> {
  if (!api) return undefined;
  const id = resource(endpoint);
  try {
    const targets = await api.describeScalableTargets({
      ServiceNamespace: NAMESPACE,
      ResourceIds: [id.ResourceId],
      ScalableDimension: DIMENSION,
    });
    const target = targets.ScalableTargets?.[0];
    if (!target) return undefined;
    const policies = await api.describeScalingPolicies({ ...id });
    const policy = policies.ScalingPolicies?.find((p) => p.PolicyType === "TargetTrackingScaling");
    const config = policy?.TargetTrackingScalingPolicyConfiguration;
    return {
      minInstances: target.MinCapacity ?? 0,
      maxInstances: target.MaxCapacity ?? 0,
      ...(policy && config
        ? {
            policy: {
              name: policy.PolicyName ?? "",
              targetInvocations: config.TargetValue ?? 0,
              ...(config.ScaleInCooldown !== undefined ? { scaleInCooldown: config.ScaleInCooldown } : {}),
              ...(config.ScaleOutCooldown !== undefined ? { scaleOutCooldown: config.ScaleOutCooldown } : {}),
            },
          }
        : {}),
    };
  } catch (e) {
    throw wrapAwsError(e, `Describing autoscaling of ${endpoint}`, { where: endpoint });
  }
}

/** Autoscaling needs instances and a serving endpoint to register: checked before anything is created. */
export function validateScaledDeploy(
  scaling: AutoscalingInput,
  spec: { serverless?: unknown; wait?: boolean },
): void {
  validateAutoscaling(scaling, Boolean(spec.serverless));
  if (spec.wait === false) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      "Autoscaling is configured once the endpoint serves, so it needs wait",
      {
        where: "wait",
        hint: "Drop --no-wait, or deploy first and add the scaling options on a later deploy.",
      },
    );
  }
}

/** The instances an autoscaled variant starts with: the requested count brought inside [min, max]. */
export function initialScaledCount(scaling: AutoscalingInput, requested: number | undefined): number {
  return Math.min(scaling.maxInstances, Math.max(scaling.minInstances, requested ?? scaling.minInstances));
}

/** The input that re-creates a described state (to restore it after a failed update). */
export const scalingInput = (state: AutoscalingState): AutoscalingInput => ({
  minInstances: state.minInstances,
  maxInstances: state.maxInstances,
  targetInvocations: state.policy?.targetInvocations ?? 0,
  scaleInCooldown: state.policy?.scaleInCooldown,
  scaleOutCooldown: state.policy?.scaleOutCooldown,
});

/** The Application Auto Scaling resource id of a deployment's variant (for plans and messages). */
export const scalableResourceId = (endpoint: string) => resource(endpoint).ResourceId;

/** The state as JSON for Deployment.details. */
export const autoscalingDetails = (state: AutoscalingState | undefined): JsonValue =>
  state ? (JSON.parse(JSON.stringify(state)) as JsonValue) : null;
