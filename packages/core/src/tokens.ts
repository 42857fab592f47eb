import type { InjectionToken } from "tsyringe";
import type { DataStager, ObjectStore } from "./data.js";
import type { EventSink } from "./events.js";
import type { DeployTarget, TrainTarget } from "./targets.js";
import type { BatchTransformer } from "./transform.js";

/** `Symbol.for` keeps tokens equal even when two copies of core are installed. */
export const createToken = <T>(id: string): InjectionToken<T> => Symbol.for(`@mlship/core:${id}`);

/** Multi-binding: every registered training target. */
export const TrainTargetToken = createToken<TrainTarget>("TrainTarget");
/** Multi-binding: every registered deployment target. */
export const DeployTargetToken = createToken<DeployTarget>("DeployTarget");
export const DataStagerToken = createToken<DataStager>("DataStager");
export const ObjectStoreToken = createToken<ObjectStore>("ObjectStore");
export const EventSinkToken = createToken<EventSink>("EventSink");
/** Batch-transform engines (multi-binding, picked by `name`). */
export const BatchTransformerToken = createToken<BatchTransformer>("BatchTransformer");
