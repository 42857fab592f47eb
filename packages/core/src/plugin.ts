import type { DependencyContainer } from "tsyringe";

/** Bumped only on a breaking change of the core contracts. */
export const TARGET_PLUGIN_API_VERSION = 1 as const;

/** One option a plugin accepts, for `mlship targets` and docs. */
export interface PluginOptionDescription {
  name: string;
  description: string;
  type: "string" | "number" | "boolean" | "object";
  required?: boolean;
  env?: string;
}

export interface TargetPlugin<O = unknown> {
  /** "sagemaker", "kyma", "my-corp-batch". */
  readonly name: string;
  readonly apiVersion: typeof TARGET_PLUGIN_API_VERSION;
  /** Registers the target(s) under TrainTargetToken / DeployTargetToken. */
  register(container: DependencyContainer, options: O): void | Promise<void>;
  /** The options `register` understands. */
  describeOptions?(): PluginOptionDescription[];
}

/** Identity, for type inference: `export default defineTargetPlugin({ ... })`. */
export const defineTargetPlugin = <O>(plugin: TargetPlugin<O>): TargetPlugin<O> => plugin;
