import { abortError, type TransformJob } from "@mlship/core";
import type { CliContext } from "../context.js";
import type { CommandRun } from "../program.js";
import { renderRecord, renderTable } from "../render/table.js";
import { loadTargets, targetName } from "../targets.js";

async function transformer(ctx: CliContext, options: Record<string, unknown>) {
  const name = targetName(ctx, options.target as string | undefined);
  return (await loadTargets(ctx, [name])).transform(name);
}

const renderJob = (job: TransformJob) =>
  renderRecord({
    job: job.job,
    status: job.status,
    failureReason: job.failureReason,
    model: job.model,
    instances: job.instanceCount,
    instanceType: job.instanceType,
    input: job.input,
    output: job.output,
    created: job.createdAt,
    started: job.startedAt,
    ended: job.endedAt,
  });

export const list: CommandRun = async (ctx, _args, options) => {
  const jobs = await (await transformer(ctx, options)).list({}, { signal: ctx.signal, events: ctx.events });
  ctx.print(jobs, () =>
    renderTable(
      ["JOB", "STATUS", "CREATED", "ENDED"],
      jobs.map((j) => [j.job, j.status, j.createdAt, j.endedAt]),
    ),
  );
};

export const describe: CommandRun = async (ctx, [job = ""], options) => {
  const found = await (await transformer(ctx, options)).describe(job, {
    signal: ctx.signal,
    events: ctx.events,
  });
  ctx.print(found, () => renderJob(found));
};

export const logs: CommandRun = async (ctx, [job = ""], options) => {
  const target = await transformer(ctx, options);
  // --follow --json prints JSON lines as they come (the job may run for hours, and Ctrl-C ends a follow), as
  // deployments logs does; without --follow the finished log is one JSON array.
  const jsonLine = options.follow ? ctx.jsonLines() : undefined;
  const lines = [];
  for await (const event of target.logs(job, { follow: Boolean(options.follow), signal: ctx.signal })) {
    if (!ctx.opts.json) ctx.io.stdout.write(`${event.stream ? `[${event.stream}] ` : ""}${event.message}\n`);
    else if (jsonLine) jsonLine(event);
    else lines.push(event);
  }
  // A target may end the iteration quietly on abort: a follow ended by Ctrl-C is E_ABORTED (exit 130) all the same.
  if (ctx.signal.aborted) throw abortError(ctx.signal, `Following the logs of ${job}`);
  if (ctx.opts.json && !jsonLine) ctx.print(lines, () => "");
};

const FINISHED = new Set(["Completed", "Failed", "Stopped"]);

export const stop: CommandRun = async (ctx, [job = ""], options) => {
  const target = await transformer(ctx, options);
  const op = { signal: ctx.signal, events: ctx.events };
  const found = await target.describe(job, op);
  if (FINISHED.has(found.status)) {
    ctx.print(
      { job, stopRequested: false, status: found.status },
      () => `${job} has already finished (${found.status}); nothing to stop.\n`,
    );
    return;
  }
  await target.stop(job, op);
  ctx.print({ job, stopRequested: true }, () => `Stop requested for ${job}.\n`);
};
