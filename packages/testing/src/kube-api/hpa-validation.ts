import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import type { KubeFieldCause, KubeObject } from "./types.js";

interface AjvError {
  instancePath?: string;
  message?: string;
}

interface MetricSpec {
  type?: string;
  resource?: {
    name?: string;
    target?: { type?: string; averageUtilization?: number; averageValue?: unknown };
  };
}

/**
 * An autoscaling/v2 HorizontalPodAutoscaler as the API server checks it: the OpenAPI schema (kubernetes-models'
 * JSON schema, so a wrong type or a missing required field is caught) plus the semantic rules schema cannot
 * express (pkg/apis/autoscaling/validation): 1 <= minReplicas <= maxReplicas, a Resource metric names its
 * resource, and a Utilization target carries averageUtilization > 0.
 */
export function validateHorizontalPodAutoscaler(object: KubeObject): KubeFieldCause[] {
  const causes: KubeFieldCause[] = [];
  try {
    new HorizontalPodAutoscaler(object as never).validate();
  } catch (error) {
    for (const e of ((error as { errors?: AjvError[] }).errors ?? []) as AjvError[]) {
      causes.push({
        field: (e.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".") || "<root>",
        message: `Invalid value: ${e.message ?? "does not match the schema"}`,
        reason: "FieldValueInvalid",
      });
    }
    if (causes.length > 0) return causes;
  }
  const spec = (object.spec ?? {}) as { minReplicas?: number; maxReplicas?: number; metrics?: MetricSpec[] };
  const min = spec.minReplicas ?? 1;
  if (min < 1)
    causes.push({
      field: "spec.minReplicas",
      message: "Invalid value: must be greater than or equal to 1",
      reason: "FieldValueInvalid",
    });
  if (typeof spec.maxReplicas === "number" && spec.maxReplicas < min) {
    causes.push({
      field: "spec.maxReplicas",
      message: "Invalid value: must be greater than or equal to `minReplicas`",
      reason: "FieldValueInvalid",
    });
  }
  for (const [i, metric] of (spec.metrics ?? []).entries()) {
    const field = `spec.metrics[${i}]`;
    if (metric.type !== "Resource") continue;
    if (!metric.resource) {
      causes.push({
        field: `${field}.resource`,
        message: "Required value: must populate information for the given metric source",
        reason: "FieldValueRequired",
      });
      continue;
    }
    const target = metric.resource.target;
    if (
      target?.type === "Utilization" &&
      !(typeof target.averageUtilization === "number" && target.averageUtilization > 0)
    ) {
      causes.push({
        field: `${field}.resource.target.averageUtilization`,
        message: "Required value: must be set and greater than 0 for a Utilization target",
        reason: "FieldValueRequired",
      });
    }
  }
  return causes;
}
