// The public surface: the target (createKymaTarget, the plugin and its options schema), its invoker and the seed's invoke helper,
// the ports it can be given (KubeApi, EcrApi) with their adapters, and its option and spec types. Manifests,
// labels and the plan's internals are not API: they change with what the target writes.
export type { KymaAutoscaling } from "./autoscaler.js";
export type { KymaInvokeResult, KymaInvokerOptions, KymaPayloadInput } from "./invoker.js";
export { createKymaInvoker, invokeKymaEndpoint, payloadBody, TOKEN_ENV } from "./invoker.js";
export type { KubeApi, KubeConfigOptions, KubeObject, KubeType } from "./kube.js";
export { kubeApi, loadKubeConfig } from "./kube.js";
export type { ResourceList, Resources } from "./manifests.js";
export { DEFAULT_GATEWAY, DEFAULT_RESOURCES } from "./manifests.js";
export type { KymaAuth, KymaDeploySpec, KymaExposureOptions, KymaTargetOptions } from "./options.js";
export { default, kymaPluginOptions } from "./plugin.js";
export type { EcrApi, PullSecretInfo } from "./pull-secret.js";
export { ecrApi } from "./pull-secret.js";
export type { KymaTarget } from "./target.js";
export { createKymaTarget } from "./target.js";
