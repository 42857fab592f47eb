// The only module that loads reflect-metadata and tsyringe as values; everything else imports types only.
import "reflect-metadata";
import { type DependencyContainer, container as rootContainer } from "tsyringe";
import { MlshipError } from "./errors.js";
import type { DeployTarget, TrainTarget } from "./targets.js";
import { BatchTransformerToken, DeployTargetToken, TrainTargetToken, TuneTargetToken } from "./tokens.js";
import type { BatchTransformer } from "./transform.js";
import type { TuneTarget } from "./tuning.js";

/** A fresh child container: never register on the global one. */
export function createContainer(parent?: DependencyContainer): DependencyContainer {
  return (parent ?? rootContainer).createChildContainer();
}

function pick<T extends { name: string }>(all: T[], name: string, kind: string): T {
  const found = all.find((t) => t.name === name);
  if (found) return found;
  const names = all.map((t) => t.name);
  throw new MlshipError("E_TARGET_NOT_FOUND", `No ${kind} target named "${name}" is registered`, {
    hint: names.length
      ? `Registered ${kind} targets: ${names.join(", ")}.`
      : `No ${kind} targets are registered; install one, e.g. \`npm i @mlship/target-${name}\`.`,
    details: { target: name, registered: names },
  });
}

const all = <T>(c: DependencyContainer, token: symbol): T[] =>
  c.isRegistered(token, true) ? (c.resolveAll(token) as T[]) : [];

/** The training target registered under `name`, else E_TARGET_NOT_FOUND listing what is registered. */
export const resolveTrainTarget = (c: DependencyContainer, name: string): TrainTarget =>
  pick(all<TrainTarget>(c, TrainTargetToken as symbol), name, "training");

/** The deployment target registered under `name`, else E_TARGET_NOT_FOUND listing what is registered. */
export const resolveDeployTarget = (c: DependencyContainer, name: string): DeployTarget =>
  pick(all<DeployTarget>(c, DeployTargetToken as symbol), name, "deployment");

/** The tuning target registered under `name`, else E_TARGET_NOT_FOUND listing what is registered. */
export const resolveTuneTarget = (c: DependencyContainer, name: string): TuneTarget =>
  pick(all<TuneTarget>(c, TuneTargetToken as symbol), name, "tuning");

/** The batch-transform engine registered under `name`, else E_TARGET_NOT_FOUND listing what is registered. */
export const resolveBatchTransformer = (c: DependencyContainer, name: string): BatchTransformer =>
  pick(all<BatchTransformer>(c, BatchTransformerToken as symbol), name, "batch-transform");
