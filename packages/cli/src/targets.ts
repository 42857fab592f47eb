import {
  type BatchTransformer,
  createContainer,
  createTargetPlugin,
  type DeployTarget,
  EventSinkToken,
  isMlshipError,
  type LoadedPlugin,
  ModelResolverToken,
  type OptionLayers,
  resolveBatchTransformer,
  resolveDeployTarget,
  resolveTrainTarget,
  resolveTuneTarget,
  type TargetPlugin,
  type TrainTarget,
  type TuneTarget,
} from "@mlship/core";
import type { MlshipConfig } from "./config.js";
import type { CliContext } from "./context.js";
import { candidateNames, FIRST_PARTY, findPlugin } from "./plugin-discovery.js";

/** `--target`, else the config's `defaultTarget`, else `MLSHIP_TARGET`, else sagemaker (what the seed targets). */
export function targetName(ctx: CliContext, flag: string | undefined): string {
  return flag ?? ctx.config.config.defaultTarget ?? ctx.io.env.MLSHIP_TARGET ?? "sagemaker";
}

/** The config file's `region`, `profile` and `endpointUrl`, for the options a plugin binds to the generic flags. */
function genericConfig(plugin: TargetPlugin, config: MlshipConfig): Record<string, unknown> {
  const byFlag: Record<string, unknown> = {
    "--region": config.region,
    "--profile": config.profile,
    "--endpoint-url": config.endpointUrl,
  };
  const values: Record<string, unknown> = {};
  for (const flag of plugin.flags ?? []) {
    const value = byFlag[flag.name.split(" ")[0] as string];
    if (value !== undefined) values[flag.option] = value;
  }
  return values;
}

export interface LoadTargetsOptions {
  /** Options set by the command itself (the demo's emulator): above everything else. */
  overrides?: Record<string, unknown>;
  /** Ignore the user's config file and environment (the demo never touches the user's AWS account). */
  isolated?: boolean;
  /** Also load the other configured and first-party plugins when these provide no model resolver. */
  modelResolvers?: boolean;
}

export interface LoadedTargets {
  plugins: LoadedPlugin[];
  train(name: string): TrainTarget;
  deploy(name: string): DeployTarget;
  /** The target's batch-transform engine (`score --engine transform`, `transforms`). */
  transform(name: string): BatchTransformer;
  /** The target's hyperparameter tuning (`tune`). */
  tune(name: string): TuneTarget;
}

/**
 * Loads the named targets through core: options from the config entry (and the config's generic AWS
 * settings), then the environment (each plugin's `env`), then the command's flags; later wins.
 */
export async function loadTargets(
  ctx: CliContext,
  names: string[],
  options: LoadTargetsOptions = {},
): Promise<LoadedTargets> {
  const container = createContainer();
  container.register(EventSinkToken, { useValue: ctx.events });
  const entries = new Map(
    ctx.config.config.targets.map((t): [string, Record<string, unknown>] =>
      typeof t === "string" ? [t, {}] : t,
    ),
  );
  const load = async (name: string) => {
    const found = await findPlugin(name, ctx.config.dir);
    const layers: OptionLayers = options.isolated
      ? { flags: options.overrides ?? {} }
      : {
          config: { ...genericConfig(found.plugin, ctx.config.config), ...entries.get(name) },
          env: ctx.io.env,
          flags: { ...ctx.targetFlags(found.plugin), ...options.overrides },
          ...(ctx.config.file ? { configFile: ctx.config.file } : {}),
        };
    return createTargetPlugin(found, layers, container);
  };
  const plugins: LoadedPlugin[] = [];
  for (const name of names) plugins.push(await load(name));
  if (options.modelResolvers && !container.isRegistered(ModelResolverToken, true)) {
    plugins.push(...(await loadResolvers(ctx, names, load)));
  }
  const pluginName = (requested: string) => plugins.find((p) => p.specifier === requested)?.name ?? requested;
  return {
    plugins,
    train: (name) => resolveTrainTarget(container, pluginName(name)),
    deploy: (name) => resolveDeployTarget(container, pluginName(name)),
    transform: (name) => resolveBatchTransformer(container, pluginName(name)),
    tune: (name) => resolveTuneTarget(container, pluginName(name)),
  };
}

/** The other configured and installed first-party plugins (a training job's target resolves its models). */
async function loadResolvers(
  ctx: CliContext,
  loaded: string[],
  load: (name: string) => Promise<LoadedPlugin>,
): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  for (const name of candidateNames(ctx.config.config).filter((n) => !loaded.includes(n))) {
    try {
      out.push(await load(name));
    } catch (error) {
      if (!isMlshipError(error) || error.code !== "E_PLUGIN_NOT_FOUND" || !FIRST_PARTY.includes(name))
        throw error;
    }
  }
  return out;
}

/** The deploy target `--target` names (or the default). */
export async function deployTargetFor(
  ctx: CliContext,
  flags: Record<string, unknown>,
  options: LoadTargetsOptions = {},
): Promise<{ name: string; target: DeployTarget }> {
  const name = targetName(ctx, flags.target as string | undefined);
  const targets = await loadTargets(ctx, [name], options);
  return { name, target: targets.deploy(name) };
}
