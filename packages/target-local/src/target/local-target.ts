import {
  type Deployment,
  type DeployTarget,
  type ListOptions,
  ObjectStoreToken,
  type OperationContext,
  type TrainingRun,
  type TrainTarget,
} from "@mlship/core";
import type { DependencyContainer } from "tsyringe";
import type { LocalTargetOptions } from "./context.js";
import { createLocalDeploy } from "./local-deploy.js";
import { createLocalTraining } from "./local-training.js";
import { defaultStateDir, StateStore } from "./state.js";

/**
 * TrainTarget and DeployTarget both declare `list` with different results, so one object cannot be
 * both (as in @mlship/target-sagemaker): `training` and `deployment` are the two contract views, the
 * combined object has everything else plus `listTrainingJobs` / `listDeployments`.
 */
export interface LocalTarget extends Omit<TrainTarget, "list">, Omit<DeployTarget, "list"> {
  readonly training: TrainTarget;
  readonly deployment: DeployTarget;
  listTrainingJobs(options?: ListOptions, ctx?: OperationContext): Promise<TrainingRun[]>;
  listDeployments(options?: ListOptions, ctx?: OperationContext): Promise<Deployment[]>;
  downloadArtifacts(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  /** The state directory in use. */
  readonly stateDir: string;
}

/**
 * The `local` target: training jobs and deployments on this machine, kept under a state dir so a
 * later process (another CLI call) finds them. `container` supplies an ObjectStore when the options do not.
 */
export function createLocalTarget(
  options: LocalTargetOptions = {},
  container?: DependencyContainer,
): LocalTarget {
  const state = new StateStore(options.stateDir ?? defaultStateDir());
  const objectStore = () =>
    options.objectStore ??
    (container?.isRegistered(ObjectStoreToken, true) ? container.resolve(ObjectStoreToken) : undefined);
  const context = { options, state, objectStore };
  const { list: listTrainingJobs, ...train } = createLocalTraining(context);
  const { list: listDeployments, ...deploy } = createLocalDeploy(context);
  const training: TrainTarget = { name: "local", list: listTrainingJobs, ...train };
  const deployment: DeployTarget = { name: "local", list: listDeployments, ...deploy };
  return {
    name: "local",
    stateDir: state.root,
    ...train,
    ...deploy,
    listTrainingJobs,
    listDeployments,
    training,
    deployment,
  };
}
