import { fileURLToPath } from "node:url";
import {
  type BatchTransformer,
  createContainer,
  type DeployTarget,
  isMlshipError,
  type LoadedPlugin,
  loadTargetPlugins,
  resolveBatchTransformer,
  resolveDeployTarget,
  resolveTrainTarget,
  type TrainTarget,
} from "@mlship/core";
import type { CliContext } from "./context.js";
import { inputFile } from "./files.js";

/** `--target`, else the config's `defaultTarget`, else `MLSHIP_TARGET`, else sagemaker (what the seed targets). */
export function targetName(ctx: CliContext, flag: string | undefined): string {
  return flag ?? ctx.config.config.defaultTarget ?? ctx.io.env.MLSHIP_TARGET ?? "sagemaker";
}

/**
 * The deploy target `--target` names (or the default), told where Kyma deployments live; `extra` adds
 * command-specific target options.
 */
export async function deployTargetFor(
  ctx: CliContext,
  flags: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<{ name: string; target: DeployTarget }> {
  const name = targetName(ctx, flags.target as string | undefined);
  const targets = await loadTargets(ctx, [name], { ...clusterOptions(ctx, flags), ...extra });
  return { name, target: targets.deploy(name) };
}

/** `--namespace`, `--kubeconfig` (checked to exist) and `--context`, as target options. */
function clusterOptions(ctx: CliContext, flags: Record<string, unknown>): Record<string, unknown> {
  const kubeconfig = flags.kubeconfig as string | undefined;
  return {
    namespace: flags.namespace,
    kubeconfig: kubeconfig === undefined ? undefined : inputFile(ctx.io.cwd, kubeconfig, "--kubeconfig"),
    context: flags.context,
  };
}

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** This package's folder: first-party targets installed next to a global CLI resolve from here. */
const cliDir = fileURLToPath(new URL("..", import.meta.url));

export interface LoadedTargets {
  plugins: LoadedPlugin[];
  train(name: string): TrainTarget;
  deploy(name: string): DeployTarget;
  /** The target's batch-transform engine (`score --engine transform`, `transforms`). */
  transform(name: string): BatchTransformer;
}

/**
 * Loads the named targets through core's plugin loader, from the user's project first, then from the CLI's
 * own install. Options: config entry, then AWS settings, then the command's flags (later wins).
 */
export async function loadTargets(
  ctx: CliContext,
  names: string[],
  flagOptions: Record<string, unknown> = {},
  { awsSettings = true }: { awsSettings?: boolean } = {},
): Promise<LoadedTargets> {
  const container = createContainer();
  const fromConfig = new Map(
    ctx.config.config.targets.map(
      (t) => (typeof t === "string" ? [t, {}] : [t[0], t[1]]) as [string, Record<string, unknown>],
    ),
  );
  const plugins: LoadedPlugin[] = [];
  for (const name of names) {
    const aws = awsSettings ? defined(ctx.aws()) : {};
    const options = { ...aws, ...(fromConfig.get(name) ?? {}), ...defined(flagOptions) };
    plugins.push(...(await loadOne(name, options, ctx.config.dir, container)));
  }
  return {
    plugins,
    train: (name) => resolveTrainTarget(container, pluginTargetName(plugins, name)),
    deploy: (name) => resolveDeployTarget(container, pluginTargetName(plugins, name)),
    transform: (name) => resolveBatchTransformer(container, pluginTargetName(plugins, name)),
  };
}

async function loadOne(
  name: string,
  options: Record<string, unknown>,
  cwd: string,
  container: ReturnType<typeof createContainer>,
) {
  const config = { targets: [[name, options]] as Array<[string, Record<string, unknown>]> };
  try {
    return await loadTargetPlugins(config, { cwd, container });
  } catch (error) {
    const firstParty = !name.startsWith(".") && !name.includes("/");
    if (!firstParty || !isMlshipError(error) || error.code !== "E_PLUGIN_NOT_FOUND") throw error;
    return await loadTargetPlugins(config, { cwd: cliDir, container }).catch(() => {
      throw error; // the project-relative error carries the right install hint
    });
  }
}

/** `--target @corp/mlship-target-x` registers a target named by the plugin, e.g. "x". */
function pluginTargetName(plugins: LoadedPlugin[], requested: string): string {
  return plugins.find((p) => p.specifier === requested)?.name ?? requested;
}
