export type { DeployConformanceOptions } from "./deploy-suite.js";
export { describeDeployTarget } from "./deploy-suite.js";
export { expectMlshipError } from "./errors.js";
export type { PluginConformanceOptions } from "./plugin-suite.js";
export { describeTargetPlugin, providedBy } from "./plugin-suite.js";
export type { TrainConformanceOptions } from "./train-suite.js";
export { describeTrainTarget } from "./train-suite.js";
