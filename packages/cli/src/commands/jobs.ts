import type { TrainingRun, TrainingStatus } from "@mlship/core";
import type { CliContext } from "../context.js";
import type { CommandRun } from "../program.js";
import { renderRecord, renderTable } from "../render/table.js";
import { loadTargets, targetName } from "../targets.js";

async function trainTarget(ctx: CliContext, options: Record<string, unknown>) {
  const name = targetName(ctx, options.target as string | undefined);
  return (await loadTargets(ctx, [name])).train(name);
}

export const renderRun = (run: TrainingRun) =>
  renderRecord({
    job: run.jobName,
    target: run.target,
    status: run.status,
    secondaryStatus: run.secondaryStatus,
    failureReason: run.failureReason,
    model: run.modelArtifact,
    output: run.outputArtifact,
    created: run.createdAt,
    started: run.startedAt,
    ended: run.endedAt,
    billableSeconds: run.billableSeconds,
    metrics: run.finalMetrics?.map((m) => `${m.name}=${m.value}`).join(", "),
  });

export const list: CommandRun = async (ctx, _args, options) => {
  const runs = await (await trainTarget(ctx, options)).list({}, { signal: ctx.signal, events: ctx.events });
  ctx.print(runs, () =>
    renderTable(
      ["JOB", "STATUS", "CREATED", "ENDED"],
      runs.map((r) => [r.jobName, r.status, r.createdAt, r.endedAt]),
    ),
  );
};

export const describe: CommandRun = async (ctx, [job = ""], options) => {
  const run = await (await trainTarget(ctx, options)).describe(job, {
    signal: ctx.signal,
    events: ctx.events,
  });
  ctx.print(run, () => renderRun(run));
};

export const logs: CommandRun = async (ctx, [job = ""], options) => {
  const target = await trainTarget(ctx, options);
  const lines = [];
  for await (const event of target.logs(job, { follow: Boolean(options.follow), signal: ctx.signal })) {
    if (ctx.opts.json) lines.push(event);
    else ctx.io.stdout.write(`${event.message}\n`);
  }
  if (ctx.opts.json) ctx.print(lines, () => "");
};

const FINISHED = new Set<TrainingStatus>(["Completed", "Failed", "Stopped"]);

export const stop: CommandRun = async (ctx, [job = ""], options) => {
  const target = await trainTarget(ctx, options);
  const op = { signal: ctx.signal, events: ctx.events };
  const run = await target.describe(job, op);
  if (FINISHED.has(run.status)) {
    ctx.print(
      { job, stopRequested: false, status: run.status },
      () => `${job} has already finished (${run.status}); nothing to stop.\n`,
    );
    return;
  }
  await target.stop(job, op);
  ctx.print({ job, stopRequested: true }, () => `Stop requested for ${job}.\n`);
};
