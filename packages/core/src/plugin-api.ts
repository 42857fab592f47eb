// `@mlship/core/plugin`: what a plugin module and a host reading flags need, without the rest of core
// (its HTTP client, codecs and DI container), so importing a plugin to build `--help` stays cheap.
export type { CommandName, Provided, TargetFlag, TargetPlugin } from "./plugin.js";
export { defineTargetPlugin, TARGET_PLUGIN_API_VERSION } from "./plugin.js";
export type { FindTargetPluginOptions, FoundPlugin } from "./plugins/find-target-plugin.js";
export { findTargetPlugin, PLUGIN_CONDITION } from "./plugins/find-target-plugin.js";
export type { ModelResolver, TargetServices, TrainedModel } from "./services.js";
