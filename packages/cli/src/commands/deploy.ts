import { type DeploySpec, MlshipError, type ModelSource } from "@mlship/core";
import { inputDir, inputFile } from "../files.js";
import { parsePairs } from "../parse.js";
import type { CommandRun } from "../program.js";
import { renderPlan } from "../render/plan.js";
import { deployTargetFor } from "../targets.js";
import { renderDeployment } from "./deployments.js";

interface DeployFlags {
  target?: string;
  model: string;
  name: string;
  entryPoint?: string;
  sourceDir?: string;
  frameworkVersion?: string;
  image?: string;
  instanceType?: string;
  instanceCount?: number;
  env?: string[];
  wait: boolean;
  dryRun?: boolean;
}

/** A URI or a `.tar.gz` path is an artifact; anything else names a training job. */
function modelSource(o: DeployFlags, cwd: string): ModelSource {
  const isArtifact = /^[a-z0-9]+:\/\//i.test(o.model) || o.model.endsWith(".tar.gz");
  return {
    ...(isArtifact
      ? { modelData: o.model.includes("://") ? o.model : inputFile(cwd, o.model, "--model") }
      : { trainingJob: o.model }),
    sourceDir:
      o.sourceDir && !o.sourceDir.startsWith("s3://")
        ? inputDir(cwd, o.sourceDir, "--source-dir")
        : o.sourceDir,
    entryPoint: o.entryPoint,
  };
}

export const run: CommandRun = async (ctx, _args, options) => {
  const o = options as unknown as DeployFlags;
  const spec: DeploySpec = {
    name: o.name,
    model: modelSource(o, ctx.io.cwd),
    frameworkVersion: o.frameworkVersion,
    image: o.image,
    instanceType: o.instanceType,
    instanceCount: o.instanceCount,
    environment: parsePairs("--env", o.env),
    wait: o.wait,
  };
  // A training job is resolved by the plugin that trained it (core's model resolver service).
  const { target } = await deployTargetFor(ctx, options, { modelResolvers: Boolean(spec.model.trainingJob) });
  if (o.dryRun) {
    if (!target.plan) {
      throw new MlshipError(
        "E_USAGE",
        `The ${target.name} target cannot plan a deploy, so --dry-run cannot show one`,
        {
          where: "--dry-run",
          hint: "Targets that plan: sagemaker, kyma. Without --dry-run the deploy runs.",
        },
      );
    }
    const plan = await target.plan(spec, { signal: ctx.signal, events: ctx.events });
    ctx.print(plan, () => renderPlan(plan));
    return;
  }
  const deployment = await target.deploy(spec, { signal: ctx.signal, events: ctx.events });
  ctx.print(deployment, () => renderDeployment(deployment));
};
