import { type Deployment, type JsonValue, MlshipError } from "@mlship/core";
import type { KubeObject } from "./kube.js";
import { managedLabels, type Resources, TYPES } from "./manifests.js";

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) on CPU utilisation. CPU, because every Kyma cluster runs
 * metrics-server, which serves the resource metrics an HPA reads; a requests-per-second metric would need a
 * custom-metrics adapter (Prometheus Adapter, KEDA) that Kyma does not install. Utilisation is measured
 * against the model container's CPU request, which mlship always sets (default 250m).
 */
export interface KymaAutoscaling {
  minInstances: number;
  maxInstances: number;
  /** Average CPU utilisation to hold, in percent of the CPU request (default 70). */
  targetCpuUtilization?: number;
}

export const HPA_TYPE = TYPES.hpa;
export const DEFAULT_TARGET_CPU = 70;

/** Checked with the spec, before the cluster is read: E_INVALID_INPUT naming the field. */
export function checkAutoscaling(scaling: KymaAutoscaling, resources: Resources): Required<KymaAutoscaling> {
  const { minInstances: min, maxInstances: max } = scaling;
  const target = scaling.targetCpuUtilization ?? DEFAULT_TARGET_CPU;
  const bad = (where: string, message: string, hint: string) =>
    new MlshipError("E_INVALID_INPUT", message, { where, hint });
  if (!Number.isInteger(min) || min < 1) {
    throw bad(
      "autoscaling.minInstances",
      `minInstances must be a whole number >= 1 (got ${min})`,
      "An HPA keeps at least one replica.",
    );
  }
  if (!Number.isInteger(max) || max < min) {
    throw bad(
      "autoscaling.maxInstances",
      `maxInstances must be a whole number >= minInstances (${min}); got ${max}`,
      "Raise --max-instances or lower --min-instances.",
    );
  }
  if (!Number.isInteger(target) || target < 1) {
    throw bad(
      "autoscaling.targetCpuUtilization",
      `targetCpuUtilization must be a whole percentage >= 1 (got ${target})`,
      "E.g. 70: add replicas when pods average above 70 % of their CPU request.",
    );
  }
  if (!resources.requests?.cpu) {
    throw bad(
      "resources.requests.cpu",
      "CPU autoscaling needs a CPU request on the model container",
      "Set resources.requests.cpu (e.g. 250m): utilisation is measured against it.",
    );
  }
  return { minInstances: min, maxInstances: max, targetCpuUtilization: target };
}

/** The HPA scaling the deployment's Deployment, named and labelled like it. */
export function hpaManifest(name: string, namespace: string, scaling: Required<KymaAutoscaling>): KubeObject {
  return {
    ...HPA_TYPE,
    metadata: { name, namespace, labels: managedLabels(name) },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: scaling.minInstances,
      maxReplicas: scaling.maxInstances,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: scaling.targetCpuUtilization },
          },
        },
      ],
    },
  };
}

interface HpaView {
  spec?: {
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: Array<{ resource?: { name?: string; target?: { averageUtilization?: number } } }>;
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: Array<{ resource?: { name?: string; current?: { averageUtilization?: number } } }>;
  };
}

/** `get`'s view of the HPA: its limits and target, and what the controller last wrote in its status. */
export function autoscalingDetails(hpa: KubeObject | undefined): JsonValue {
  if (!hpa) return null;
  const { spec = {}, status = {} } = hpa as unknown as HpaView;
  const cpu = (spec.metrics ?? []).find((m) => m.resource?.name === "cpu");
  const current = (status.currentMetrics ?? []).find((m) => m.resource?.name === "cpu");
  return {
    minInstances: spec.minReplicas ?? 1,
    maxInstances: spec.maxReplicas ?? null,
    targetCpuUtilization: cpu?.resource?.target?.averageUtilization ?? null,
    currentReplicas: status.currentReplicas ?? null,
    desiredReplicas: status.desiredReplicas ?? null,
    currentCpuUtilization: current?.resource?.current?.averageUtilization ?? null,
  };
}

/** The deployment record with its autoscaler's state in `details.autoscaling`. */
export function withAutoscaler(deployment: Deployment, hpa: KubeObject | undefined): Deployment {
  if (!hpa) return deployment;
  return { ...deployment, details: { ...deployment.details, autoscaling: autoscalingDetails(hpa) } };
}
