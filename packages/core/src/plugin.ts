import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ModelResolver, TargetServices } from "./services.js";
import type { DeployTarget, TrainTarget } from "./targets.js";
import type { BatchTransformer } from "./transform.js";
import type { TuneTarget } from "./tuning.js";

/** Bumped only on a breaking change of the core contracts (2: typed factories instead of `register`). */
export const TARGET_PLUGIN_API_VERSION = 2 as const;

/** The CLI commands a target flag can belong to; others may be added by newer CLIs. */
export type CommandName =
  | "train"
  | "deploy"
  | "invoke"
  | "score"
  | "deployments"
  | "jobs"
  | "transforms"
  | "rime"
  | (string & {});

/** One command-line flag a plugin adds; the CLI builds its target flags and help from these. */
export interface TargetFlag {
  /** `--namespace <ns>` takes a value (handed over as a string: the schema converts it); `--label-namespace` is a switch. */
  readonly name: `--${string}`;
  /** The option (a key of the plugin's schema) the flag sets. */
  readonly option: string;
  /** One line of help text. */
  readonly description: string;
  /** The commands that take the flag (`deployments` covers its subcommands). */
  readonly commands: readonly CommandName[];
  /** The value is the path of an existing file or folder: the CLI checks it up front and passes it absolute. */
  readonly path?: "file" | "folder";
  /**
   * The paths the target's errors name (`where`) for what this flag sets, when they are not `option` itself
   * (e.g. `async.outputPath` for `--async-output`): the CLI shows the flag instead.
   */
  readonly paths?: readonly string[];
  /**
   * The flag only means something when one of the command's own flags has this value (`score`'s
   * `--instance-count` with `--engine transform`): anywhere else the CLI refuses it rather than ignore it.
   */
  readonly when?: { readonly flag: `--${string}`; readonly value: string };
}

/**
 * What a plugin's `create` returns: the capabilities it provides, each optional. A new capability is one
 * more optional member here plus its token in `PROVIDED_TOKENS` (services.ts).
 */
export interface Provided {
  train?: TrainTarget;
  deploy?: DeployTarget;
  /** Training job name -> model artifact, inference code and image, for other targets' deploys. */
  modelResolver?: ModelResolver;
  /** Batch transform jobs (`mlship score --engine transform`). */
  transform?: BatchTransformer;
  /** Hyperparameter tuning jobs. */
  tune?: TuneTarget;
}

/** A target plugin: a typed factory. Authors never see the DI container. */
export interface TargetPlugin<S extends StandardSchemaV1 = StandardSchemaV1> {
  /** "sagemaker", "kyma", "my-corp-batch": what `--target` and `defaultTarget` name. */
  readonly name: string;
  /** `TARGET_PLUGIN_API_VERSION` of the core it was built for. */
  readonly apiVersion: typeof TARGET_PLUGIN_API_VERSION;
  /** The options (a Standard Schema: zod 4, valibot, arktype...): unknown keys and bad types are E_CONFIG. */
  readonly options: S;
  /** Flags the CLI adds for this target, each setting one option. */
  readonly flags?: readonly TargetFlag[];
  /** Environment variables that set options (option -> variable): above the config file, below flags. */
  readonly env?: Readonly<Record<string, string>>;
  /** Builds the targets from validated options and core's services. */
  create(options: StandardSchemaV1.InferOutput<S>, services: TargetServices): Provided | Promise<Provided>;
}

/** Identity, for type inference: `export default defineTargetPlugin({ ... })`. */
export const defineTargetPlugin = <S extends StandardSchemaV1>(plugin: TargetPlugin<S>): TargetPlugin<S> =>
  plugin;
