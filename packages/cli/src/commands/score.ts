import { writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { createModelSource, renderScoreReport, score } from "@mlship/scoring";
import { withDidYouMean } from "../did-you-mean.js";
import { existingPath } from "../files.js";
import { parseList } from "../parse.js";
import type { CommandRun } from "../program.js";
import { renderScoreSummary } from "../render/summary.js";
import { deployTargetFor } from "../targets.js";

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
  token?: string;
}

/** `data/test.csv` -> `data/test.scores.csv`. */
const defaultOut = (data: string) => join(dirname(data), `${basename(data, extname(data))}.scores.csv`);

export const run: CommandRun = async (ctx, [name = ""], options) => {
  const o = options as unknown as ScoreFlags;
  const data = existingPath(ctx.io.cwd, o.data, "--data");
  const features = parseList("--features", o.features);
  const keep = o.keep?.trim() === "all" ? "all" : parseList("--keep", o.keep);
  const out = o.out ? resolve(ctx.io.cwd, o.out) : defaultOut(data);
  const { name: target, target: deploy } = await deployTargetFor(ctx, options, { token: o.token });
  const op = { signal: ctx.signal, events: ctx.events };
  const invoker = await withDidYouMean(
    name,
    () => deploy.list({}, op),
    () => deploy.invoker(name, op),
  );
  try {
    const model = createModelSource({ invoker, features, events: ctx.events });
    const summary = await score({
      model,
      data,
      features,
      label: o.label,
      keep,
      out,
      batchSize: o.batchSize,
      concurrency: o.concurrency,
      resume: o.resume,
      restart: o.restart,
      encoding: o.encoding,
      lenientQuotes: o.lenientQuotes,
      signal: ctx.signal,
      events: ctx.events,
    });
    const report = o.report ? resolve(ctx.io.cwd, o.report) : undefined;
    if (report)
      writeFileSync(
        report,
        renderScoreReport(summary, {
          title: `${name} — mlship score report`,
          subtitle: `${data} on ${target}`,
        }),
      );
    ctx.print({ ...summary, report }, () => renderScoreSummary(summary, report));
  } finally {
    await invoker.close?.();
  }
};
