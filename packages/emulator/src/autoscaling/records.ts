/** The sagemaker variant a scalable target names: `endpoint/<endpoint>/variant/<variant>`. */
export interface VariantRef {
  endpoint: string;
  variant: string;
}

export interface ScalableTargetRecord {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  ScalableTargetARN: string;
  SuspendedState?: Record<string, boolean>;
  /** Epoch ms. */
  CreationTime: number;
}

export interface TargetTrackingConfig {
  TargetValue: number;
  PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
  ScaleOutCooldown?: number;
  ScaleInCooldown?: number;
  DisableScaleIn?: boolean;
}

export interface ScalingPolicyRecord {
  PolicyARN: string;
  PolicyName: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  PolicyType: "TargetTrackingScaling";
  TargetTrackingScalingPolicyConfiguration: TargetTrackingConfig;
  Alarms: Array<{ AlarmName: string; AlarmARN: string }>;
  /** Epoch ms. */
  CreationTime: number;
}

export interface ScalingActivity {
  ActivityId: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  Description: string;
  Cause: string;
  StartTime: number;
  EndTime?: number;
  StatusCode: "InProgress" | "Successful" | "Failed";
  StatusMessage?: string;
}

/** The SageMaker side autoscaling drives: instance counts and the Runtime's invocation counts. */
export interface ScalableVariants {
  /** Running and desired instances, or undefined when the endpoint (in service) or variant does not exist. */
  counts(ref: VariantRef): { current: number; desired: number } | undefined;
  /** Moves the variant to `desired` instances; resolves false when the endpoint was busy or is gone. */
  setDesired(ref: VariantRef, desired: number): Promise<boolean>;
  /** Invocations sent to the variant since the emulator started (only ever grows). */
  invocations(ref: VariantRef): number;
}

export const SAGEMAKER_DIMENSION = "sagemaker:variant:DesiredInstanceCount";

export function variantRef(resourceId: string): VariantRef | undefined {
  const m = /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(resourceId);
  return m ? { endpoint: m[1] as string, variant: m[2] as string } : undefined;
}

/** Record-store name of a target or policy: one file per key, so no `/` may remain. */
export const targetKey = (r: { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }) =>
  encodeURIComponent(`${r.ServiceNamespace}|${r.ResourceId}|${r.ScalableDimension}`);

export const policyKey = (r: ScalingPolicyRecord) =>
  `${targetKey(r)}${encodeURIComponent(`|${r.PolicyName}`)}`;
