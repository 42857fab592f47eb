import { isMlshipError, MlshipError } from "@mlship/core";
import { checkConfirmable, confirmOrYes } from "../confirm.js";
import type { CliContext } from "../context.js";
import { similarNames } from "../did-you-mean.js";
import type { CommandRun } from "../program.js";
import { formatBytes } from "../render/format.js";
import { renderTable } from "../render/table.js";
import { endpointOrigin, type StagingRecord, StagingRecords } from "../staged-data.js";
import { type LoadedTargets, loadTargets } from "../targets.js";

const objectsOf = (r: StagingRecord) => r.refs.flatMap((ref) => ref.objects);
const bytesOf = (r: StagingRecord) => r.refs.reduce((n, ref) => n + ref.bytes, 0);

export const list: CommandRun = async (ctx) => {
  const records = new StagingRecords(ctx.io.env).list();
  ctx.print(records, () =>
    renderTable(
      ["JOB", "TARGET", "CHANNELS", "OBJECTS", "SIZE", "STAGED", "CLEANED UP"],
      records.map((r) => [
        r.job,
        r.target,
        r.refs.map((ref) => ref.channel).join(","),
        String(objectsOf(r).length),
        formatBytes(bytesOf(r)),
        r.stagedAt,
        r.cleanedAt ?? "-",
      ]),
    ),
  );
};

/** The records the command names (or every one not yet cleaned up, with --all); unknown names are E_NOT_FOUND. */
function selectRecords(records: StagingRecords, jobs: string[], all: boolean): StagingRecord[] {
  if (all && jobs.length > 0)
    throw new MlshipError("E_USAGE", "Name jobs or pass --all, not both", { where: "--all" });
  if (all) return records.list().filter((r) => !r.cleanedAt);
  if (jobs.length === 0) {
    throw new MlshipError("E_USAGE", "Name the job whose staged data to delete, or pass --all", {
      where: "<job>",
      hint: "`mlship data list` shows the jobs whose data mlship staged.",
    });
  }
  return jobs.map((job) => {
    const record = records.read(job);
    if (record) return record;
    const similar = similarNames(
      job,
      records.list().map((r) => r.job),
    );
    throw new MlshipError("E_NOT_FOUND", `mlship has no record of data staged for ${job}`, {
      where: job,
      hint: similar.length
        ? `Did you mean ${similar.map((n) => `"${n}"`).join(" or ")}?`
        : `Only data mlship staged from local files is recorded (in ${records.dir}); a job given s3:// channels staged nothing. \`mlship data list\` shows what is recorded.`,
      ...(similar.length ? { details: { suggestions: similar } } : {}),
    });
  });
}

/** Refuses before deleting anything: data recorded through another endpoint, or read by a job still running. */
async function checkSafeToDelete(ctx: CliContext, record: StagingRecord, targets: LoadedTargets) {
  const endpoint = endpointOrigin(ctx.aws().endpoint);
  if (record.endpoint !== endpoint) {
    throw new MlshipError(
      "E_CONFIG",
      `The data of ${record.job} was staged through ${record.endpoint ?? "the default AWS endpoints"}, and this run points at ${endpoint ?? "the default AWS endpoints"}`,
      {
        where: "--endpoint-url",
        hint: record.endpoint
          ? `Run it again with --endpoint-url ${record.endpoint} (or AWS_ENDPOINT_URL).`
          : "Run it again without --endpoint-url (and without AWS_ENDPOINT_URL).",
      },
    );
  }
  const op = { signal: ctx.signal, events: ctx.events };
  const name = record.target;
  try {
    const { status } =
      record.kind === "tuning"
        ? await targets.tune(name).describe(record.job, op)
        : await targets.train(name).describe(record.job, op);
    if (status === "InProgress" || status === "Stopping") {
      const command = record.kind === "tuning" ? "tune stop" : "jobs stop";
      throw new MlshipError("E_CONFLICT", `${record.job} is still running (${status}) and reads this data`, {
        where: record.job,
        hint: `Wait for it to end, or stop it first: mlship ${command} ${record.job}`,
      });
    }
  } catch (error) {
    // A job that was never created (or is gone) reads nothing: its data is just left over.
    if (!(isMlshipError(error) && error.code === "E_NOT_FOUND")) throw error;
  }
}

const planLines = (records: StagingRecord[], prefix: string) =>
  records.flatMap((r) => objectsOf(r).map((o) => `${prefix}${o}\n`)).join("");

/**
 * Deletes the objects mlship staged for the named jobs (DataRef.objects, never a prefix), as `aws s3 rm`
 * prints them. Asks first on a terminal; needs --yes otherwise.
 */
export const cleanup: CommandRun = async (ctx, jobs, options) => {
  const records = new StagingRecords(ctx.io.env);
  const selected = selectRecords(records, jobs, Boolean(options.all));
  const pending = selected.filter((r) => !r.cleanedAt && objectsOf(r).length > 0);
  const dryRun = Boolean(options.dryRun);
  const result = (outcome: (r: StagingRecord) => string) => ({
    dryRun,
    jobs: selected.map((r) => ({
      job: r.job,
      target: r.target,
      objects: objectsOf(r),
      result: r.cleanedAt ? "already-cleaned-up" : outcome(r),
      ...(r.cleanedAt ? { cleanedAt: r.cleanedAt } : {}),
    })),
  });
  const done = selected
    .filter((r) => r.cleanedAt)
    .map((r) => `${r.job}: already cleaned up (${r.cleanedAt}); nothing to delete.\n`)
    .join("");
  if (pending.length === 0) {
    ctx.print(
      result(() => "nothing-staged"),
      () => done || "Nothing to delete.\n",
    );
    return;
  }
  const count = pending.reduce((n, r) => n + objectsOf(r).length, 0);
  const size = formatBytes(pending.reduce((n, r) => n + bytesOf(r), 0));
  const action = `Deleting ${count} staged object(s) (${size}) of ${pending.map((r) => r.job).join(", ")}`;
  if (!dryRun) checkConfirmable(ctx, options.yes, action);
  const targets = await loadTargets(ctx, [...new Set(pending.map((r) => r.target))]);
  for (const record of pending) {
    await checkSafeToDelete(ctx, record, targets);
    if (!targets.train(record.target).cleanupStagedData) {
      throw new MlshipError("E_USAGE", `The ${record.target} target cannot remove data it staged`, {
        where: record.job,
        hint: "Delete the objects listed by `mlship data list --json` yourself.",
      });
    }
  }
  if (dryRun) {
    ctx.print(
      result(() => "would-delete"),
      () => done + planLines(pending, "(dryrun) delete: "),
    );
    return;
  }
  if (!options.yes) ctx.io.stderr.write(planLines(pending, "delete: "));
  await confirmOrYes(ctx, options.yes, action, `Delete these ${count} object(s) (${size})?`);
  for (const record of pending) {
    const target = targets.train(record.target);
    await target.cleanupStagedData?.(record.refs, { signal: ctx.signal, events: ctx.events });
    records.write({ ...record, cleanedAt: new Date().toISOString() });
  }
  ctx.print(
    result(() => "deleted"),
    () => done + planLines(pending, "delete: "),
  );
};
