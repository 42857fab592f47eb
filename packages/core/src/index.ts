export type { DataRef, DataSource, DataStager, ObjectStore, Row, StageFormat, StageOptions } from "./data.js";
export type { JsonObject, JsonPrimitive, JsonValue } from "./json.js";
export type {
  Deployment,
  DeploymentStatus,
  DeploySpec,
  DeployTarget,
  Framework,
  Invoker,
  InvokeRequest,
  InvokeResponse,
  ListOptions,
  LogEvent,
  LogOptions,
  ModelSource,
  TrainingRun,
  TrainingStatus,
  TrainSpec,
  TrainTarget,
} from "./targets.js";
export type { EventOf, EventSink, MlshipEvent, MlshipEventType, OperationContext } from "./events.js";
export { collectingSink, emit, noopSink } from "./events.js";
export type { KnownErrorCode, MlshipErrorCode, MlshipErrorOptions } from "./errors.js";
export { abortError, isMlshipError, MlshipError } from "./errors.js";
export {
  createToken,
  DataStagerToken,
  DeployTargetToken,
  EventSinkToken,
  ObjectStoreToken,
  TrainTargetToken,
} from "./tokens.js";
export type { PluginOptionDescription, TargetPlugin } from "./plugin.js";
export { defineTargetPlugin, TARGET_PLUGIN_API_VERSION } from "./plugin.js";
export { createContainer, resolveDeployTarget, resolveTrainTarget } from "./container.js";
export { isNodeRuntimeImage, NODE_RUNTIME_IMAGE } from "./images.js";
