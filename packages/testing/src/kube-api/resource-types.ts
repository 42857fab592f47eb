import { validateHorizontalPodAutoscaler } from "./hpa-validation.js";
import type { KubeResourceType } from "./types.js";
import { validateApiRuleV2, validateDeployment, validateSecret, validateService } from "./validation.js";

const CORE: Omit<KubeResourceType, "resource" | "kind" | "namespaced"> = { group: "", version: "v1" };

export const DEFAULT_KUBE_RESOURCE_TYPES: readonly KubeResourceType[] = [
  { ...CORE, resource: "namespaces", kind: "Namespace", namespaced: false, status: true, shortNames: ["ns"] },
  { ...CORE, resource: "secrets", kind: "Secret", namespaced: true, validate: validateSecret },
  { ...CORE, resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { ...CORE, resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"] },
  {
    ...CORE,
    resource: "services",
    kind: "Service",
    namespaced: true,
    status: true,
    shortNames: ["svc"],
    validate: validateService,
  },
  { ...CORE, resource: "pods", kind: "Pod", namespaced: true, status: true, shortNames: ["po"] },
  { ...CORE, resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  {
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    namespaced: true,
    status: true,
    shortNames: ["deploy"],
    validate: validateDeployment,
  },
  {
    group: "apps",
    version: "v1",
    resource: "replicasets",
    kind: "ReplicaSet",
    namespaced: true,
    status: true,
  },
  {
    group: "autoscaling",
    version: "v2",
    resource: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    status: true,
    shortNames: ["hpa"],
    validate: (o) => validateHorizontalPodAutoscaler(o),
  },
  {
    group: "gateway.kyma-project.io",
    version: "v2",
    resource: "apirules",
    kind: "APIRule",
    namespaced: true,
    status: true,
    validate: (o) => validateApiRuleV2(o),
  },
  { group: "networking.istio.io", version: "v1", resource: "gateways", kind: "Gateway", namespaced: true },
  {
    group: "networking.istio.io",
    version: "v1",
    resource: "virtualservices",
    kind: "VirtualService",
    namespaced: true,
  },
];
