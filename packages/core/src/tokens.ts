import type { InjectionToken } from "tsyringe";
import type { ObjectStore } from "./data.js";
import type { EventSink } from "./events.js";
import type { Provided } from "./plugin.js";
import type { ModelResolver } from "./services.js";
import type { DeployTarget, TrainTarget } from "./targets.js";
import type { BatchTransformer } from "./transform.js";
import type { TuneTarget } from "./tuning.js";

/** `Symbol.for` keeps tokens equal even when two copies of core are installed. */
export const createToken = <T>(id: string): InjectionToken<T> => Symbol.for(`@mlship/core:${id}`);

/** Multi-binding: every registered training target. */
export const TrainTargetToken = createToken<TrainTarget>("TrainTarget");
/** Multi-binding: every registered deployment target. */
export const DeployTargetToken = createToken<DeployTarget>("DeployTarget");
/** Multi-binding: every plugin's model resolver (training job -> artifact, code, image). */
export const ModelResolverToken = createToken<ModelResolver>("ModelResolver");
/** The host's object store (optional): handed to plugins as `services.objectStore`. */
export const ObjectStoreToken = createToken<ObjectStore>("ObjectStore");
/** The host's event sink (optional, default: none): handed to plugins as `services.events`. */
export const EventSinkToken = createToken<EventSink>("EventSink");
/** Batch-transform engines (multi-binding, picked by `name`). */
export const BatchTransformerToken = createToken<BatchTransformer>("BatchTransformer");

/** Multi-binding: every registered hyperparameter tuning target. */
export const TuneTargetToken = createToken<TuneTarget>("TuneTarget");

/** Where the loader registers each capability a plugin's `create` returns. */
export const PROVIDED_TOKENS: {
  readonly [K in keyof Required<Provided>]: InjectionToken<NonNullable<Provided[K]>>;
} = {
  train: TrainTargetToken,
  deploy: DeployTargetToken,
  modelResolver: ModelResolverToken,
  transform: BatchTransformerToken,
  tune: TuneTargetToken,
};
