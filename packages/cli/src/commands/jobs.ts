import { abortError, isMlshipError, MlshipError, type TrainingRun, type TrainingStatus } from "@mlship/core";
import { confirmOrYes } from "../confirm.js";
import type { CliContext } from "../context.js";
import { withDidYouMean } from "../did-you-mean.js";
import type { CommandRun } from "../program.js";
import { renderRecord, renderTable } from "../render/table.js";
import { loadTargets, targetName } from "../targets.js";

async function trainTarget(ctx: CliContext, options: Record<string, unknown>) {
  const name = targetName(ctx, options.target as string | undefined);
  return (await loadTargets(ctx, [name])).train(name);
}

/** A run as `key: value` lines; with `details`, the target's facts too (as `deployments get` shows them). */
export const renderRun = (run: TrainingRun, { details = false } = {}) =>
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
    ...(details ? run.details : {}),
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
  ctx.print(run, () => renderRun(run, { details: true }));
};

export const logs: CommandRun = async (ctx, [job = ""], options) => {
  const target = await trainTarget(ctx, options);
  // --follow --json prints JSON lines as they come (the job may run for hours, and Ctrl-C ends a follow), as
  // deployments logs does; without --follow the finished log is one JSON array.
  const jsonLine = options.follow ? ctx.jsonLines() : undefined;
  const lines = [];
  for await (const event of target.logs(job, { follow: Boolean(options.follow), signal: ctx.signal })) {
    if (!ctx.opts.json) ctx.io.stdout.write(`${event.message}\n`);
    else if (jsonLine) jsonLine(event);
    else lines.push(event);
  }
  // A target may end the iteration quietly on abort: a follow ended by Ctrl-C is E_ABORTED (exit 130) all the same.
  if (ctx.signal.aborted) throw abortError(ctx.signal, `Following the logs of ${job}`);
  if (ctx.opts.json && !jsonLine) ctx.print(lines, () => "");
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

/** Like kubectl delete: an unknown job is E_NOT_FOUND (with "did you mean") unless --ignore-not-found; asks first. */
export const delete_: CommandRun = async (ctx, [job = ""], options) => {
  const target = await trainTarget(ctx, options);
  if (!target.deleteJob) {
    throw new MlshipError("E_USAGE", `The ${target.name} target does not delete training jobs`, {
      where: "--target",
      hint: "`jobs delete` removes the job state a target keeps itself, e.g. --target local.",
    });
  }
  const op = { signal: ctx.signal, events: ctx.events };
  let run: TrainingRun;
  try {
    run = await withDidYouMean(
      job,
      async () => (await target.list({}, op)).map((r) => ({ name: r.jobName })),
      () => target.describe(job, op),
    );
  } catch (error) {
    if (!(options.ignoreNotFound && isMlshipError(error) && error.code === "E_NOT_FOUND")) throw error;
    ctx.print({ job, deleted: false, found: false }, () => `${job} does not exist; nothing to delete.\n`);
    return;
  }
  if (!FINISHED.has(run.status)) {
    throw new MlshipError("E_CONFLICT", `Training job ${job} is still running (${run.status})`, {
      where: job,
      hint: `Stop it first: mlship jobs stop ${job}`,
    });
  }
  await confirmOrYes(
    ctx,
    options.yes,
    `Deleting training job ${job}`,
    `Delete training job ${job} (${run.status}) and everything the ${target.name} target keeps for it?`,
  );
  await target.deleteJob(job, op);
  ctx.print({ job, deleted: true }, () => `Deleted ${job}.\n`);
};
