import { randomUUID } from "node:crypto";
import type { AutoScalingState } from "./api.js";
import {
  type ScalableTargetRecord,
  type ScalingPolicyRecord,
  targetKey,
  type VariantRef,
  variantRef,
} from "./records.js";

/** How fast CloudWatch and the target-tracking alarms run. AWS: 60 s datapoints, 3 to scale out, 15 to scale in. */
export interface TrackingTiming {
  periodSeconds: number;
  scaleOutDatapoints: number;
  scaleInDatapoints: number;
}

export const AWS_TIMING: TrackingTiming = { periodSeconds: 60, scaleOutDatapoints: 3, scaleInDatapoints: 15 };

interface TargetHistory {
  lastCount?: number;
  datapoints: number[];
  lastScaleOut?: number;
  lastScaleIn?: number;
  busy?: boolean;
}

/**
 * Target tracking as Application Auto Scaling runs it for SageMaker: every period, the Runtime's own
 * invocation count for the variant becomes one `SageMakerVariantInvocationsPerInstance` datapoint
 * (invocations per instance per minute). When the last `scaleOutDatapoints` are all above the target, the
 * variant grows to ceil(instances x metric / target); when the last `scaleInDatapoints` are all below 90 %
 * of it, it shrinks the same way; always within [MinCapacity, MaxCapacity], and not again within the
 * policy's ScaleOutCooldown / ScaleInCooldown. A period without invocations is a datapoint of 0 (AWS's
 * alarms would see missing data there; see the README).
 */
export function createTargetTracker(state: AutoScalingState, timing: TrackingTiming): { close(): void } {
  const history = new Map<string, TargetHistory>();
  const periodMs = timing.periodSeconds * 1000;
  const timer = setInterval(() => {
    for (const target of state.targets.all()) evaluate(target);
  }, periodMs);
  timer.unref();

  function evaluate(target: ScalableTargetRecord): void {
    const ref = variantRef(target.ResourceId);
    const key = targetKey(target);
    const h = history.get(key) ?? { datapoints: [] };
    history.set(key, h);
    const counts = ref && state.variants.counts(ref);
    if (!ref || !counts) {
      history.delete(key);
      return;
    }
    const total = state.variants.invocations(ref);
    const delta = h.lastCount === undefined ? 0 : total - h.lastCount;
    h.lastCount = total;
    h.datapoints.push((delta * (60_000 / periodMs)) / Math.max(1, counts.current));
    h.datapoints.splice(
      0,
      Math.max(0, h.datapoints.length - Math.max(timing.scaleInDatapoints, timing.scaleOutDatapoints)),
    );
    if (h.busy) return;
    const clamp = (n: number) => Math.min(target.MaxCapacity, Math.max(target.MinCapacity, n));
    if (clamp(counts.desired) !== counts.desired) {
      scale(
        target,
        ref,
        h,
        clamp(counts.desired),
        `the desired instance count was outside [${target.MinCapacity}, ${target.MaxCapacity}]`,
      );
      return;
    }
    const policy = state.policies.all().find((p) => targetKey(p) === key);
    if (!policy) return;
    const decision = decide(policy, h, counts.desired, Date.now(), timing);
    if (decision) scale(target, ref, h, clamp(decision.desired), decision.cause);
  }

  function scale(
    target: ScalableTargetRecord,
    ref: VariantRef,
    h: TargetHistory,
    desired: number,
    cause: string,
  ): void {
    const current = state.variants.counts(ref)?.desired;
    if (current === undefined || desired === current) return;
    const activity = {
      ActivityId: randomUUID(),
      ServiceNamespace: target.ServiceNamespace,
      ResourceId: target.ResourceId,
      ScalableDimension: target.ScalableDimension,
      Description: `Setting desired instance count to ${desired}.`,
      Cause: `At ${new Date().toISOString()} ${cause}; changing the desired capacity from ${current} to ${desired}.`,
      StartTime: Date.now(),
      StatusCode: "InProgress" as "InProgress" | "Successful" | "Failed",
      StatusMessage: undefined as string | undefined,
      EndTime: undefined as number | undefined,
    };
    state.activities.push(activity);
    if (state.activities.length > 1000) state.activities.shift();
    if (desired > current) h.lastScaleOut = Date.now();
    else h.lastScaleIn = Date.now();
    h.busy = true;
    void state.variants
      .setDesired(ref, desired)
      .then(
        (done) => {
          activity.StatusCode = done ? "Successful" : "Failed";
          if (!done)
            activity.StatusMessage =
              "The endpoint was busy (being updated or deleted) or an instance failed to start.";
        },
        (error: unknown) => {
          activity.StatusCode = "Failed";
          activity.StatusMessage = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        activity.EndTime = Date.now();
        h.busy = false;
      });
  }

  return { close: () => clearInterval(timer) };
}

/** The target-tracking decision for one evaluation, or undefined to stay. Pure: tested on its own. */
export function decide(
  policy: ScalingPolicyRecord,
  h: { datapoints: readonly number[]; lastScaleOut?: number; lastScaleIn?: number },
  instances: number,
  now: number,
  timing: TrackingTiming,
): { desired: number; cause: string } | undefined {
  const config = policy.TargetTrackingScalingPolicyConfiguration;
  const target = config.TargetValue;
  const recent = (n: number) => (h.datapoints.length >= n ? h.datapoints.slice(-n) : undefined);
  const average = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const alarm = (kind: string, xs: readonly number[]) =>
    `monitor alarm ${policy.Alarms.find((a) => a.AlarmName.includes(kind))?.AlarmName ?? kind} in state ALARM triggered policy ${policy.PolicyName} (average ${average(xs).toFixed(1)} invocations per instance per minute, target ${target})`;
  const high = recent(timing.scaleOutDatapoints);
  if (high?.every((x) => x > target)) {
    const coolingOut =
      h.lastScaleOut !== undefined && now - h.lastScaleOut < (config.ScaleOutCooldown ?? 300) * 1000;
    const desired = Math.ceil((instances * average(high)) / target);
    if (!coolingOut && desired > instances) return { desired, cause: alarm("AlarmHigh", high) };
    return undefined;
  }
  const low = recent(timing.scaleInDatapoints);
  if (config.DisableScaleIn || !low?.every((x) => x < 0.9 * target)) return undefined;
  const coolingIn =
    h.lastScaleIn !== undefined && now - h.lastScaleIn < (config.ScaleInCooldown ?? 300) * 1000;
  const desired = Math.max(1, Math.ceil((instances * average(low)) / target));
  if (coolingIn || desired >= instances) return undefined;
  return { desired, cause: alarm("AlarmLow", low) };
}
