import {
  checkMetricDefinitions,
  type Framework,
  MlshipError,
  parseMetricDefinition,
  type TrainSpec,
} from "@mlship/core";
import type { CliContext } from "../context.js";
import { existingPath, inputDir, inputFile, outputDir } from "../files.js";
import { parseHyperparameters, parsePairs } from "../parse.js";
import type { CommandRun } from "../program.js";
import { cleanupHint, recordingStagedData } from "../staged-data.js";
import { loadTargets, targetName } from "../targets.js";
import { renderRun } from "./jobs.js";

export interface TrainFlags {
  target?: string;
  entryPoint: string;
  sourceDir?: string;
  data?: string[];
  contentType?: string;
  hp?: string[];
  metric?: string[];
  framework?: Framework;
  frameworkVersion?: string;
  image?: string;
  instanceType?: string;
  instanceCount?: number;
  baseJobName?: string;
  maxRuntime?: number;
  wait: boolean;
  logs: "all" | "none";
  downloadOutput?: string;
}

/** The training job the flags describe (train, and each trial of tune); paths are checked here, before anything starts. */
export function trainSpecFromFlags(ctx: CliContext, o: TrainFlags): TrainSpec {
  const cwd = ctx.io.cwd;
  // Everything the user named must exist before anything is uploaded or started.
  // Without --source-dir the script alone is the code (as the SageMaker SDK does), never its whole folder.
  const sourceDir = o.sourceDir ? inputDir(cwd, o.sourceDir, "--source-dir") : undefined;
  const entryPoint = sourceDir ? o.entryPoint : inputFile(cwd, o.entryPoint, "--entry-point");
  if (sourceDir) inputFile(sourceDir, entryPoint, "--entry-point", `--source-dir (${o.sourceDir})`);
  const channels = Object.fromEntries(
    Object.entries(parsePairs("--data", o.data)).map(([channel, source]) => [
      channel,
      source.startsWith("s3://") ? source : existingPath(cwd, source, `--data ${channel}=`),
    ]),
  );
  const hyperparameters = parseHyperparameters(o.hp);
  const metricDefinitions = (o.metric ?? []).map((m) => parseMetricDefinition(m));
  checkMetricDefinitions(metricDefinitions, "--metric");

  return {
    entryPoint,
    sourceDir,
    channels,
    hyperparameters: hyperparameters as TrainSpec["hyperparameters"],
    framework: o.framework,
    frameworkVersion: o.frameworkVersion,
    image: o.image,
    instanceType: o.instanceType,
    instanceCount: o.instanceCount,
    baseJobName: o.baseJobName,
    maxRuntimeSeconds: o.maxRuntime,
    wait: o.wait,
    contentType: o.contentType,
    ...(metricDefinitions.length ? { metricDefinitions } : {}),
  };
}

export const run: CommandRun = async (ctx, _args, options) => {
  const o = options as unknown as TrainFlags;
  const spec = trainSpecFromFlags(ctx, o);
  const downloadOutput = o.downloadOutput
    ? outputDir(ctx.io.cwd, o.downloadOutput, "--download-output")
    : undefined;
  const name = targetName(ctx, o.target);
  const targets = await loadTargets(ctx, [name]);
  const target = targets.train(name);
  if (o.downloadOutput && !target.downloadArtifacts) {
    throw new MlshipError("E_USAGE", `The ${name} target cannot download artifacts`, {
      where: "--download-output",
      hint: "Drop --download-output for this target.",
    });
  }
  const shown =
    o.logs === "none"
      ? (e: Parameters<typeof ctx.events>[0]) => e.type !== "training.log" && ctx.events(e)
      : ctx.events;
  const { sink: events, recorded } = recordingStagedData(ctx, name, "training", shown);
  const result = await target.train(spec, { signal: ctx.signal, events });
  let downloaded: string[] | undefined;
  if (o.downloadOutput && target.downloadArtifacts) {
    downloaded = await target.downloadArtifacts(result.jobName, downloadOutput as string, {
      signal: ctx.signal,
      events: ctx.events,
    });
  }
  ctx.print(
    downloaded ? { ...result, downloaded } : result,
    () =>
      renderRun(result) +
      (downloaded ? `downloaded: ${downloaded.length} files to ${o.downloadOutput}\n` : "") +
      cleanupHint(recorded),
  );
};
