import {
  DeployTargetToken,
  defineTargetPlugin,
  type PluginOptionDescription,
  TARGET_PLUGIN_API_VERSION,
  TrainTargetToken,
} from "@mlship/core";
import type { DependencyContainer } from "tsyringe";
import type { LocalTargetOptions } from "./target/context.js";
import { createLocalTarget } from "./target/local-target.js";

/** Registers the `local` target as a TrainTarget and a DeployTarget. */
export function registerLocalTarget(container: DependencyContainer, options: LocalTargetOptions = {}): void {
  const target = createLocalTarget(options, container);
  container.register(TrainTargetToken, { useValue: target.training });
  container.register(DeployTargetToken, { useValue: target.deployment });
}

const OPTIONS: PluginOptionDescription[] = [
  {
    name: "stateDir",
    description: "Where local jobs and deployments are kept (default ~/.mlship/local)",
    type: "string",
    env: "MLSHIP_LOCAL_STATE_DIR",
  },
  {
    name: "python",
    description: "Python interpreter with scikit-learn",
    type: "string",
    env: "MLSHIP_PYTHON",
  },
  { name: "workers", description: "Worker processes per deployment (default: CPU count)", type: "number" },
  { name: "host", description: "Address deployments listen on (default 127.0.0.1)", type: "string" },
];

export const localTargetPlugin = defineTargetPlugin<LocalTargetOptions>({
  name: "local",
  apiVersion: TARGET_PLUGIN_API_VERSION,
  register: registerLocalTarget,
  describeOptions: () => OPTIONS,
});
