export type { CheckpointState, Reason } from "./checkpoint.js";
export { checkpointPaths } from "./checkpoint.js";
export type { BodyRows } from "./fast-path/body-rows.js";
export type { PlainAnswer } from "./fast-path/plain-answer.js";
export type { CaptureDataset } from "./input/capture.js";
export { CAPTURE_COLUMNS, captureToDataset } from "./input/capture.js";
export type {
  BinaryMetrics,
  ConfusionMatrix2,
  CurvePoint,
  LatencySummary,
  MulticlassMetrics,
} from "./metrics.js";
export {
  binaryMetrics,
  latencySummary,
  MulticlassAccumulator,
  multiclassMetrics,
  percentile,
} from "./metrics.js";
export type {
  ModelSource,
  ModelSourceOptions,
  OutputOptions,
  Row,
  ScoreUnitsOptions,
} from "./model-source.js";
export { createModelSource } from "./model-source.js";
export type { OutputFormat } from "./output.js";
export type { OutputParser, RowResult, Task } from "./parse-scores.js";
export type { ReportOptions } from "./report-html.js";
export { latencyText, renderScoreReport } from "./report-html.js";
export type { RimeExportOptions } from "./rime-export.js";
export { exportRimeModelFile } from "./rime-export.js";
export type { RowCodec, Unit } from "./row-codec.js";
export type { BatchModel, InputFormat, ScoreOptions, ScoreSummary } from "./score.js";
export { score } from "./score.js";
export type { TransformScoreOptions, TransformScoreSummary } from "./transform-engine.js";
export { scoreByTransform } from "./transform-engine.js";
