export type { AwsToolEndpoint, AwsToolResult } from "./aws-tools.js";
export { awsCli, awsCliAt, awsCliJson, awsCliOk, boto3At, boto3Python, runAwsTool } from "./aws-tools.js";
export type {
  FakeDeployTarget,
  FakeDeployTargetOptions,
  FakeInvokeHandler,
  FakeInvoker,
  FakeTrainTarget,
  FakeTrainTargetOptions,
  TestContainerOptions,
} from "./fakes.js";
export {
  createTestContainer,
  fakeDeployTarget,
  fakeInvoker,
  fakeProbabilities,
  fakeTrainTarget,
} from "./fakes.js";
export type {
  KubeAccessRequest,
  KubeApiServer,
  KubeApiServerOptions,
  KubeConfigObject,
  KubeFieldCause,
  KubeObject,
  KubeObjectMeta,
  KubeRequestRecord,
  KubeResourceType,
  KubeTypeRef,
  KubeWriteEvent,
  SimulatedControllersOptions,
  SimulatedRollout,
} from "./kube-api-server.js";
export {
  DEFAULT_KUBE_RESOURCE_TYPES,
  simulateControllers,
  startKubeApiServer,
  validateApiRuleV2,
} from "./kube-api-server.js";
export { runReadmeExample } from "./readme-example.js";
export { mlshipRejection } from "./rejection.js";
export { tempDir } from "./temp.js";
