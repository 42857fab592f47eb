import { defineTargetPlugin } from "@mlship/core";
import type { KymaTargetOptions } from "./options.js";
import { describeKymaOptions, registerKymaTarget } from "./register.js";

export type { KymaAutoscaling } from "./autoscaler.js";
export { discoverDomain, domainFromGateway } from "./domain.js";
export type { KymaInvokeResult, KymaInvokerOptions, KymaPayloadInput } from "./invoker.js";
export { createKymaInvoker, invokeKymaEndpoint, payloadBody, TOKEN_ENV } from "./invoker.js";
export type { KubeApi, KubeConfigOptions, KubeObject, KubeType } from "./kube.js";
export { FIELD_MANAGER, kubeApi, loadKubeConfig } from "./kube.js";
export type { ApiAuth, DeploymentPlan, ResourceList, Resources } from "./manifests.js";
export {
  ANNOTATIONS,
  apiRuleManifest,
  DEFAULT_GATEWAY,
  DEFAULT_RESOURCES,
  deploymentManifest,
  LABELS,
  namespaceManifest,
  pullSecretManifest,
  serviceManifest,
  urlsSecretManifest,
} from "./manifests.js";
export type { KymaAuth, KymaDeploySpec, KymaExposureOptions, KymaTargetOptions } from "./options.js";
export type { EcrApi, PullSecretInfo } from "./pull-secret.js";
export { buildPullSecret, ecrApi, ecrRegistryOf } from "./pull-secret.js";
export { describeKymaOptions, registerKymaTarget } from "./register.js";
export type { KymaTarget } from "./target.js";
export { createKymaTarget } from "./target.js";

export default defineTargetPlugin<KymaTargetOptions>({
  name: "kyma",
  apiVersion: 1,
  register: (container, options) => {
    registerKymaTarget(container, options ?? {});
  },
  describeOptions: describeKymaOptions,
});
