import type {
  Deployment,
  DeploymentLogLine,
  DeploymentLogOptions,
  DeployTarget,
  ListOptions,
  OperationContext,
  TrainingRun,
  TrainTarget,
} from "@mlship/core";
import type { LocalTargetOptions } from "./context.js";
import { createLocalDeploy } from "./local-deploy.js";
import { createLocalTraining } from "./local-training.js";
import { defaultStateDir, StateStore } from "./state.js";

/**
 * TrainTarget and DeployTarget both declare `list` with different results, so one object cannot be
 * both (as in @mlship/target-sagemaker): `training` and `deployment` are the two contract views, the
 * combined object has everything else plus `listTrainingJobs` / `listDeployments`.
 */
export interface LocalTarget extends Omit<TrainTarget, "list">, Omit<DeployTarget, "list" | "logs"> {
  readonly training: TrainTarget;
  readonly deployment: DeployTarget;
  listTrainingJobs(options?: ListOptions, ctx?: OperationContext): Promise<TrainingRun[]>;
  listDeployments(options?: ListOptions, ctx?: OperationContext): Promise<Deployment[]>;
  /** A deployment's server log (the deployment view's `logs`; `logs` itself reads a training job's). */
  deploymentLogs(
    name: string,
    options?: DeploymentLogOptions,
    ctx?: OperationContext,
  ): AsyncIterable<DeploymentLogLine>;
  downloadArtifacts(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
  /** Removes a finished job's state; E_CONFLICT while it runs or a deployment serves it, E_NOT_FOUND if unknown. */
  deleteJob(jobName: string, ctx?: OperationContext): Promise<void>;
  /** The state directory in use. */
  readonly stateDir: string;
}

/**
 * The `local` target: training jobs and deployments on this machine, kept under a state dir so a
 * later process (another CLI call) finds them.
 */
export function createLocalTarget(options: LocalTargetOptions = {}): LocalTarget {
  const state = new StateStore(options.stateDir ?? defaultStateDir());
  const context = { options, state };
  const { list: listTrainingJobs, ...train } = createLocalTraining(context);
  const { list: listDeployments, logs: deploymentLogs, ...deploy } = createLocalDeploy(context);
  const training: TrainTarget = { name: "local", list: listTrainingJobs, ...train };
  const deployment: DeployTarget = {
    name: "local",
    list: listDeployments,
    logs: deploymentLogs,
    ...deploy,
  };
  return {
    name: "local",
    stateDir: state.root,
    ...train,
    ...deploy,
    listTrainingJobs,
    listDeployments,
    deploymentLogs,
    training,
    deployment,
  };
}
