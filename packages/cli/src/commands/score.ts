import { writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { type EventSink, MlshipError } from "@mlship/core";
import {
  CAPTURE_COLUMNS,
  captureToDataset,
  createModelSource,
  renderScoreReport,
  type ScoreSummary,
  score,
  scoreByTransform,
} from "@mlship/scoring";
import type { CliContext } from "../context.js";
import { withDidYouMean } from "../did-you-mean.js";
import { inputDir, inputFile, outputFile } from "../files.js";
import { parseList } from "../parse.js";
import type { CommandRun } from "../program.js";
import { renderScoreSummary } from "../render/summary.js";
import { deployTargetFor, loadTargets, targetName } from "../targets.js";

interface ScoreFlags {
  target?: string;
  data: string;
  features?: string;
  label?: string;
  keep?: string;
  out?: string;
  batchSize?: number;
  concurrency?: number;
  resume?: boolean;
  restart?: boolean;
  encoding?: string;
  lenientQuotes?: boolean;
  report?: string;
  engine?: "client" | "transform";
  capture?: boolean;
}

/** `data/test.csv` -> `data/test.scores.csv`. */
const defaultOut = (data: string) => join(dirname(data), `${basename(data, extname(data))}.scores.csv`);

export const run: CommandRun = async (ctx, [name = ""], options) => {
  const o = options as unknown as ScoreFlags;
  // Every path is checked before the deployment is reached.
  const given = o.capture ? inputDir(ctx.io.cwd, o.data, "--data") : inputFile(ctx.io.cwd, o.data, "--data");
  const out = outputFile(ctx.io.cwd, o.out ?? defaultOut(given), "--out");
  const report = o.report ? outputFile(ctx.io.cwd, o.report, "--report") : undefined;
  const data = o.capture ? await capturedDataset(ctx, given, o) : given;
  const columns = {
    data,
    features: parseList("--features", o.features),
    label: o.label,
    keep:
      o.keep?.trim() === "all"
        ? ("all" as const)
        : (parseList("--keep", o.keep) ?? (o.capture ? [...CAPTURE_COLUMNS] : undefined)),
    out,
    encoding: o.encoding,
    lenientQuotes: o.lenientQuotes,
    signal: ctx.signal,
    events: ctx.events,
  };
  const { target, summary } =
    o.engine === "transform"
      ? await byTransform(ctx, name, o, options, columns)
      : await clientSide(ctx, name, o, options, columns);
  if (report)
    writeFileSync(
      report,
      renderScoreReport(summary, {
        title: `${name} — mlship score report`,
        subtitle: `${data} on ${target}${o.engine === "transform" ? " (batch transform)" : ""}`,
      }),
    );
  ctx.print({ ...summary, report }, () => renderScoreSummary(summary, report));
};

/**
 * `--capture`: the folder is SageMaker data capture (a copied capture prefix); its requests become a JSON Lines
 * dataset kept next to the folder, so --resume finds the same input again.
 */
async function capturedDataset(ctx: CliContext, dir: string, o: ScoreFlags): Promise<string> {
  const data = `${dir.replace(/\/+$/, "")}.captured.jsonl`;
  const made = await captureToDataset(dir, data, parseList("--features", o.features) ?? []);
  ctx.events({
    type: "log",
    level: "info",
    message: `${made.rows} captured rows from ${made.files} files in ${data}`,
  });
  return data;
}

/** What both engines read and write: the same columns, the same output file. */
interface Columns {
  data: string;
  features?: string[];
  label?: string;
  keep?: string[] | "all";
  out: string;
  encoding?: string;
  lenientQuotes?: boolean;
  signal: AbortSignal;
  events: EventSink;
}

/** The default engine: this process reads, batches and sends the rows to the deployment. */
async function clientSide(
  ctx: CliContext,
  name: string,
  o: ScoreFlags,
  options: Record<string, unknown>,
  columns: Columns,
): Promise<{ target: string; summary: ScoreSummary }> {
  const { name: target, target: deploy } = await deployTargetFor(ctx, options);
  const op = { signal: ctx.signal, events: ctx.events };
  const invoker = await withDidYouMean(
    name,
    () => deploy.list({}, op),
    () => deploy.invoker(name, op),
  );
  try {
    const model = createModelSource({ invoker, features: columns.features, events: ctx.events });
    const summary = await score({
      ...columns,
      model,
      batchSize: o.batchSize,
      concurrency: o.concurrency,
      resume: o.resume,
      restart: o.restart,
    });
    return { target, summary };
  } finally {
    await invoker.close?.();
  }
}

/** `--engine transform`: the target's batch-transform job scores; Ctrl-C stops the job. */
async function byTransform(
  ctx: CliContext,
  name: string,
  o: ScoreFlags,
  options: Record<string, unknown>,
  columns: Columns,
): Promise<{ target: string; summary: ScoreSummary }> {
  const clientOnly = (["batchSize", "concurrency", "resume", "restart"] as const).filter(
    (k) => o[k] !== undefined,
  );
  if (clientOnly.length > 0) {
    const flag = clientOnly[0]?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new MlshipError(
      "E_USAGE",
      `--${flag} applies to the client-side engine, not to --engine transform`,
      {
        where: `--${flag}`,
        hint: "A transform job batches and parallelises on its instances and scores the whole dataset in one run.",
      },
    );
  }
  const target = targetName(ctx, options.target as string | undefined);
  const transformer = (await loadTargets(ctx, [target])).transform(target);
  const summary = await scoreByTransform({ ...columns, transformer, model: { deployment: name } });
  return { target, summary };
}
