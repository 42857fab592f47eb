import { join } from "node:path";
import { type JsonService, jsonService } from "../json-service.js";
import type { AccountScope } from "../sagemaker/arn.js";
import { createRecordStore } from "../sagemaker/store.js";
import { autoScalingOperations } from "./api.js";
import {
  policyKey,
  type ScalableTargetRecord,
  type ScalableVariants,
  type ScalingActivity,
  type ScalingPolicyRecord,
  targetKey,
} from "./records.js";
import { createTargetTracker, type TrackingTiming } from "./target-tracking.js";

/**
 * Application Auto Scaling on the emulator: the JSON API (targets and policies kept under `dir`, so a
 * restarted emulator scales as before) and the target tracker that enforces them.
 */
export function createAutoScaling(
  dir: string,
  deps: { scope: AccountScope; variants: ScalableVariants; timing: TrackingTiming },
): { service: JsonService; close(): void } {
  const targets = createRecordStore<ScalableTargetRecord>(join(dir, "scalable-targets"), targetKey);
  const policies = createRecordStore<ScalingPolicyRecord>(join(dir, "scaling-policies"), policyKey);
  targets.load();
  policies.load();
  const state = {
    scope: deps.scope,
    targets,
    policies,
    activities: [] as ScalingActivity[],
    variants: deps.variants,
  };
  const tracker = createTargetTracker(state, deps.timing);
  return {
    service: jsonService("application-autoscaling", "AnyScaleFrontendService", autoScalingOperations(state)),
    close: () => tracker.close(),
  };
}
