export type { SupportedContentType } from "./codecs/content-types.js";
export { CONTENT_TYPES, mediaType, negotiateAccept } from "./codecs/content-types.js";
export { decodeCsv, encodeCsv } from "./codecs/csv.js";
export type { EncodeJsonOptions } from "./codecs/json.js";
export { decodeJson, encodeJson } from "./codecs/json.js";
export type { EncodeNpyOptions, NdArray, NpyData, NpyDtype } from "./codecs/npy.js";
export { decodeNpy, encodeNpy, ndArrayToValues } from "./codecs/npy.js";
export { deserialize, serialize } from "./codecs/serialize.js";
export type { Cell, Values } from "./codecs/values.js";
export {
  createContainer,
  resolveBatchTransformer,
  resolveDeployTarget,
  resolveTrainTarget,
  resolveTuneTarget,
} from "./container.js";
export type { DataRef, DataSource, DataStager, ObjectStore, Row, StageFormat, StageOptions } from "./data.js";
export type { KnownErrorCode, MlshipErrorCode, MlshipErrorOptions } from "./errors.js";
export { abortError, isMlshipError, MlshipError } from "./errors.js";
export type { EventOf, EventSink, MlshipEvent, MlshipEventType, OperationContext } from "./events.js";
export { collectingSink, emit, noopSink } from "./events.js";
export { isNodeRuntimeImage, NODE_RUNTIME_IMAGE } from "./images.js";
export { backoffDelay, sleep, untilAborted } from "./invoke/backoff.js";
export type { HttpInvoker, HttpInvokerOptions } from "./invoke/http-invoker.js";
export { createHttpInvoker } from "./invoke/http-invoker.js";
export type { JsonObject, JsonPrimitive, JsonValue } from "./json.js";
export type { FileLock } from "./lock.js";
export { acquireFileLock } from "./lock.js";
export type { MetricDefinition, MetricParser, MetricValue } from "./metrics.js";
export {
  checkMetricDefinitions,
  createMetricParser,
  MAX_METRIC_DEFINITIONS,
  parseMetricDefinition,
  toFinalMetrics,
} from "./metrics.js";
export type { DeployPlan, PlannedAction, PlannedChange } from "./plan.js";
export type { CommandName, Provided, TargetFlag, TargetPlugin } from "./plugin.js";
export { defineTargetPlugin, TARGET_PLUGIN_API_VERSION } from "./plugin.js";
export type { FindTargetPluginOptions, FoundPlugin } from "./plugins/find-target-plugin.js";
export { findTargetPlugin, PLUGIN_CONDITION } from "./plugins/find-target-plugin.js";
export type { LoadedPlugin, LoadTargetPluginsOptions, PluginConfig } from "./plugins/load-target-plugins.js";
export { createTargetPlugin, loadTargetPlugins } from "./plugins/load-target-plugins.js";
export type { OptionLayers } from "./plugins/plugin-options.js";
export type { ModelResolver, TargetServices, TrainedModel } from "./services.js";
export { createTargetServices } from "./services.js";
export type {
  AsyncInvokeRequest,
  AsyncInvokeResult,
  CredentialsRefresh,
  Deployment,
  DeploymentLogLine,
  DeploymentLogOptions,
  DeploymentStatus,
  DeploySpec,
  DeployTarget,
  FinalMetric,
  Framework,
  InvokeRequest,
  InvokeResponse,
  Invoker,
  ListOptions,
  LogEvent,
  LogOptions,
  ModelSource,
  TrainingRun,
  TrainingStatus,
  TrainSpec,
  TrainTarget,
} from "./targets.js";
export {
  BatchTransformerToken,
  createToken,
  DeployTargetToken,
  EventSinkToken,
  ModelResolverToken,
  ObjectStoreToken,
  TrainTargetToken,
  TuneTargetToken,
} from "./tokens.js";
export type {
  BatchTransformer,
  BatchTransformRequest,
  BatchTransformResult,
  TransformJob,
} from "./transform.js";
export type {
  ParameterRangeSpec,
  ScalingType,
  TuneSpec,
  TuneTarget,
  TuningConfig,
  TuningRun,
  TuningStatus,
  TuningStrategy,
  TuningTrial,
} from "./tuning.js";
export { parseRange } from "./tuning.js";
export { userPathError } from "./user-path.js";
