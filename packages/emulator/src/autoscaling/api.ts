import { randomBytes, randomUUID } from "node:crypto";
import { AwsApiError } from "../aws-error.js";
import type { JsonOperations } from "../json-service.js";
import type { AccountScope } from "../sagemaker/arn.js";
import type { RecordStore } from "../sagemaker/store.js";
import {
  policyKey,
  SAGEMAKER_DIMENSION,
  type ScalableTargetRecord,
  type ScalableVariants,
  type ScalingActivity,
  type ScalingPolicyRecord,
  type TargetTrackingConfig,
  targetKey,
  variantRef,
} from "./records.js";

export interface AutoScalingState {
  scope: AccountScope;
  targets: RecordStore<ScalableTargetRecord>;
  policies: RecordStore<ScalingPolicyRecord>;
  activities: ScalingActivity[];
  variants: ScalableVariants;
}

const METRIC = "SageMakerVariantInvocationsPerInstance";

const invalid = (message: string) => new AwsApiError("ValidationException", message);
const notFound = (message: string) => new AwsApiError("ObjectNotFoundException", message);

/**
 * Application Auto Scaling (awsJson1_1, `AnyScaleFrontendService.*`) for SageMaker variants: scalable
 * targets on `sagemaker:variant:DesiredInstanceCount` and target-tracking policies on
 * `SageMakerVariantInvocationsPerInstance`, which `createTargetTracker` then enforces.
 */
export function autoScalingOperations(state: AutoScalingState): JsonOperations {
  const { scope, targets, policies } = state;
  const targetOf = (input: Record<string, unknown>) => {
    const id = dimensionOf(input);
    return { id, record: targets.get(targetKey(id)) };
  };
  return {
    RegisterScalableTarget(input) {
      const { id, record } = targetOf(input);
      const ref = variantRef(id.ResourceId);
      if (!ref || !state.variants.counts(ref)) {
        throw invalid(`The resource ${id.ResourceId} does not exist or is not in service.`);
      }
      const min = optionalInt(input.MinCapacity, "MinCapacity") ?? record?.MinCapacity;
      const max = optionalInt(input.MaxCapacity, "MaxCapacity") ?? record?.MaxCapacity;
      if (min === undefined || max === undefined) {
        throw invalid("MinCapacity and MaxCapacity are required to register a new scalable target.");
      }
      if (min < 1) throw invalid("The minimum capacity of a SageMaker variant must be at least 1.");
      if (min > max) throw invalid(`Minimum capacity ${min} cannot be greater than maximum capacity ${max}.`);
      const next: ScalableTargetRecord = {
        ...id,
        MinCapacity: min,
        MaxCapacity: max,
        RoleARN:
          (input.RoleARN as string | undefined) ??
          record?.RoleARN ??
          `arn:aws:iam::${scope.accountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
        ScalableTargetARN:
          record?.ScalableTargetARN ??
          `arn:aws:application-autoscaling:${scope.region}:${scope.accountId}:scalable-target/0${randomBytes(16).toString("hex")}`,
        SuspendedState:
          (input.SuspendedState as Record<string, boolean> | undefined) ?? record?.SuspendedState,
        CreationTime: record?.CreationTime ?? Date.now(),
      };
      targets.put(next);
      return { ScalableTargetARN: next.ScalableTargetARN };
    },
    DescribeScalableTargets(input) {
      const ns = namespaceOf(input);
      const ids = input.ResourceIds as string[] | undefined;
      const found = targets
        .all()
        .filter(
          (t) =>
            t.ServiceNamespace === ns &&
            (!ids?.length || ids.includes(t.ResourceId)) &&
            (input.ScalableDimension === undefined || t.ScalableDimension === input.ScalableDimension),
        )
        .map((t) => ({ ...t, CreationTime: t.CreationTime / 1000 }));
      return page(found, input, "ScalableTargets");
    },
    DeregisterScalableTarget(input) {
      const { id, record } = targetOf(input);
      if (!record) throw notFound(`No scalable target registered for ${describeId(id)}`);
      for (const policy of policies.all()) {
        if (targetKey(policy) === targetKey(id)) policies.delete(policyKey(policy));
      }
      targets.delete(targetKey(id));
      return {};
    },
    PutScalingPolicy(input) {
      const { id, record } = targetOf(input);
      const name = requiredString(input.PolicyName, "PolicyName");
      if (!record) throw notFound(`No scalable target registered for ${describeId(id)}`);
      const type = input.PolicyType ?? "StepScaling";
      if (type !== "TargetTrackingScaling") {
        throw invalid(
          `PolicyType ${String(type)} is not supported by the mlship emulator; use TargetTrackingScaling.`,
        );
      }
      const config = trackingConfig(input.TargetTrackingScalingPolicyConfiguration);
      const existing = policies.all().find((p) => targetKey(p) === targetKey(id) && p.PolicyName === name);
      const uuid = randomUUID();
      const alarm = (kind: string) => {
        const alarmName = `TargetTracking-${id.ResourceId}-${kind}-${randomUUID()}`;
        return {
          AlarmName: alarmName,
          AlarmARN: `arn:aws:cloudwatch:${scope.region}:${scope.accountId}:alarm:${alarmName}`,
        };
      };
      const policy: ScalingPolicyRecord = {
        ...id,
        PolicyName: name,
        PolicyARN:
          existing?.PolicyARN ??
          `arn:aws:autoscaling:${scope.region}:${scope.accountId}:scalingPolicy:${uuid}:resource/${id.ServiceNamespace}/${id.ResourceId}:policyName/${name}`,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: config,
        Alarms: existing?.Alarms ?? [alarm("AlarmHigh"), alarm("AlarmLow")],
        CreationTime: existing?.CreationTime ?? Date.now(),
      };
      policies.put(policy);
      return { PolicyARN: policy.PolicyARN, Alarms: policy.Alarms };
    },
    DescribeScalingPolicies(input) {
      const ns = namespaceOf(input);
      const names = input.PolicyNames as string[] | undefined;
      const found = policies
        .all()
        .filter(
          (p) =>
            p.ServiceNamespace === ns &&
            (input.ResourceId === undefined || p.ResourceId === input.ResourceId) &&
            (input.ScalableDimension === undefined || p.ScalableDimension === input.ScalableDimension) &&
            (!names?.length || names.includes(p.PolicyName)),
        )
        .map((p) => ({ ...p, CreationTime: p.CreationTime / 1000 }));
      return page(found, input, "ScalingPolicies");
    },
    DeleteScalingPolicy(input) {
      const id = dimensionOf(input);
      const name = requiredString(input.PolicyName, "PolicyName");
      const policy = policies.all().find((p) => targetKey(p) === targetKey(id) && p.PolicyName === name);
      if (!policy)
        throw notFound(
          `No scaling policy found for service namespace: ${id.ServiceNamespace}, resource ID: ${id.ResourceId}, scalable dimension: ${id.ScalableDimension}, policy name: ${name}`,
        );
      policies.delete(policyKey(policy));
      return {};
    },
    DescribeScalingActivities(input) {
      const ns = namespaceOf(input);
      const found = state.activities
        .filter(
          (a) =>
            a.ServiceNamespace === ns &&
            (input.ResourceId === undefined || a.ResourceId === input.ResourceId) &&
            (input.ScalableDimension === undefined || a.ScalableDimension === input.ScalableDimension),
        )
        .map((a) => ({ ...a, StartTime: a.StartTime / 1000, EndTime: a.EndTime && a.EndTime / 1000 }))
        .reverse();
      return page(found, input, "ScalingActivities");
    },
  };
}

function namespaceOf(input: Record<string, unknown>): string {
  const ns = requiredString(input.ServiceNamespace, "ServiceNamespace");
  if (ns !== "sagemaker") {
    throw invalid(
      `Service namespace ${ns} is not supported by the mlship emulator; it scales SageMaker variants only.`,
    );
  }
  return ns;
}

function dimensionOf(input: Record<string, unknown>) {
  const ServiceNamespace = namespaceOf(input);
  const ResourceId = requiredString(input.ResourceId, "ResourceId");
  const ScalableDimension = requiredString(input.ScalableDimension, "ScalableDimension");
  if (ScalableDimension !== SAGEMAKER_DIMENSION) {
    throw invalid(
      `Unsupported scalable dimension ${ScalableDimension} for service namespace sagemaker; use ${SAGEMAKER_DIMENSION}.`,
    );
  }
  if (!variantRef(ResourceId)) {
    throw invalid(
      `Unsupported resource ID ${ResourceId}; a SageMaker variant is endpoint/<endpoint-name>/variant/<variant-name>.`,
    );
  }
  return { ServiceNamespace, ResourceId, ScalableDimension };
}

function trackingConfig(raw: unknown): TargetTrackingConfig {
  if (typeof raw !== "object" || raw === null) {
    throw invalid("TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy.");
  }
  const c = raw as Record<string, unknown>;
  if (typeof c.TargetValue !== "number" || !(c.TargetValue > 0)) {
    throw invalid("TargetTrackingScalingPolicyConfiguration.TargetValue must be a number greater than 0.");
  }
  const metric = c.PredefinedMetricSpecification as TargetTrackingConfig["PredefinedMetricSpecification"];
  if (metric?.PredefinedMetricType !== METRIC) {
    throw invalid(
      `The mlship emulator tracks the predefined metric ${METRIC} only (a CustomizedMetricSpecification is not supported).`,
    );
  }
  return {
    TargetValue: c.TargetValue,
    PredefinedMetricSpecification: metric,
    ScaleOutCooldown: optionalInt(c.ScaleOutCooldown, "ScaleOutCooldown"),
    ScaleInCooldown: optionalInt(c.ScaleInCooldown, "ScaleInCooldown"),
    DisableScaleIn: c.DisableScaleIn === undefined ? undefined : Boolean(c.DisableScaleIn),
  };
}

function requiredString(value: unknown, member: string): string {
  if (typeof value !== "string" || value === "") throw invalid(`${member} is required.`);
  return value;
}

function optionalInt(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalid(`${member} must be a non-negative integer.`);
  }
  return value;
}

function describeId(id: { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }): string {
  return `service namespace: ${id.ServiceNamespace}, resource ID: ${id.ResourceId}, scalable dimension: ${id.ScalableDimension}`;
}

/** MaxResults (default 50) and an opaque NextToken (the offset). */
function page<T>(items: T[], input: Record<string, unknown>, member: string): Record<string, unknown> {
  const max = typeof input.MaxResults === "number" ? input.MaxResults : 50;
  const start =
    input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), "base64url").toString());
  if (!Number.isInteger(start) || start < 0)
    throw new AwsApiError("InvalidNextTokenException", "Invalid NextToken.");
  const end = start + max;
  return {
    [member]: items.slice(start, end),
    NextToken: end < items.length ? Buffer.from(String(end)).toString("base64url") : undefined,
  };
}
