import {
  MlshipError,
  type ParameterRangeSpec,
  parseRange,
  type TuneSpec,
  type TuningRun,
  type TuningStrategy,
} from "@mlship/core";
import type { CliContext } from "../context.js";
import type { CommandRun } from "../program.js";
import { renderRecord, renderTable } from "../render/table.js";
import { cleanupHint, recordingStagedData } from "../staged-data.js";
import { loadTargets, targetName } from "../targets.js";
import { type TrainFlags, trainSpecFromFlags } from "./train.js";

interface TuneFlags extends TrainFlags {
  name?: string;
  range?: string[];
  objective: string;
  objectiveType: "Maximize" | "Minimize";
  strategy: TuningStrategy;
  maxJobs?: number;
  maxParallel?: number;
  earlyStopping: "Off" | "Auto";
  hyperbandMinResource?: number;
  hyperbandMaxResource?: number;
  warmStart?: string[];
  warmStartType?: "IdenticalDataAndAlgorithm" | "TransferLearning";
  randomSeed?: number;
}

async function tuneTarget(ctx: CliContext, options: Record<string, unknown>) {
  const name = targetName(ctx, options.target as string | undefined);
  return (await loadTargets(ctx, [name])).tune(name);
}

const best = (run: TuningRun) =>
  run.best
    ? `${run.best.jobName} (${run.objective?.metric ?? "objective"} ${run.best.objective})`
    : undefined;

export const renderTuning = (run: TuningRun) =>
  renderRecord({
    name: run.name,
    target: run.target,
    status: run.status,
    strategy: run.strategy,
    objective: run.objective ? `${run.objective.type} ${run.objective.metric}` : undefined,
    jobs: run.counters
      ? Object.entries(run.counters)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")
      : undefined,
    best: best(run),
    failureReason: run.failureReason,
    created: run.createdAt,
    ended: run.endedAt,
  }) +
  (run.trials?.length
    ? `\n${renderTable(
        ["TRAINING JOB", "STATUS", "OBJECTIVE", "HYPERPARAMETERS"],
        run.trials.map((t) => [
          t.jobName,
          t.status,
          t.objective === undefined ? "-" : String(t.objective),
          Object.entries(t.hyperparameters)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
        ]),
      )}`
    : "");

export const run: CommandRun = async (ctx, _args, options) => {
  const o = options as unknown as TuneFlags;
  const training = trainSpecFromFlags(ctx, o);
  const ranges: Record<string, ParameterRangeSpec> = {};
  for (const text of o.range ?? []) {
    const [name, range] = parseRange(text);
    ranges[name] = range;
  }
  if (!Object.keys(ranges).length) {
    throw new MlshipError("E_USAGE", "mlship tune needs at least one --range", {
      where: "--range",
      hint: "Example: --range C=continuous:0.001:100:log --range max_iter=integer:50:500",
    });
  }
  const spec: TuneSpec = {
    training: { ...training, wait: true },
    name: o.name,
    ranges,
    objective: { metric: o.objective, type: o.objectiveType },
    strategy: o.strategy,
    maxJobs: o.maxJobs,
    maxParallelJobs: o.maxParallel,
    earlyStopping: o.earlyStopping,
    ...(o.hyperbandMinResource !== undefined || o.hyperbandMaxResource !== undefined
      ? { hyperband: { minResource: o.hyperbandMinResource, maxResource: o.hyperbandMaxResource } }
      : {}),
    ...(o.warmStart?.length ? { warmStart: { parents: o.warmStart, type: o.warmStartType } } : {}),
    randomSeed: o.randomSeed,
    wait: o.wait,
  };
  const target = await tuneTarget(ctx, options);
  const { sink: events, recorded } = recordingStagedData(
    ctx,
    targetName(ctx, options.target as string | undefined),
    "tuning",
    ctx.events,
  );
  const result = await target.tune(spec, { signal: ctx.signal, events });
  ctx.print(result, () => renderTuning(result) + cleanupHint(recorded));
};

export const describe: CommandRun = async (ctx, [name = ""], options) => {
  const result = await (await tuneTarget(ctx, options)).describe(name, {
    signal: ctx.signal,
    events: ctx.events,
  });
  ctx.print(result, () => renderTuning(result));
};

export const list: CommandRun = async (ctx, _args, options) => {
  const runs = await (await tuneTarget(ctx, options)).list({}, { signal: ctx.signal, events: ctx.events });
  ctx.print(runs, () =>
    renderTable(
      ["TUNING JOB", "STATUS", "STRATEGY", "BEST", "CREATED"],
      runs.map((r) => [r.name, r.status, r.strategy ?? "-", best(r) ?? "-", r.createdAt ?? "-"]),
    ),
  );
};

export const stop: CommandRun = async (ctx, [name = ""], options) => {
  const target = await tuneTarget(ctx, options);
  const op = { signal: ctx.signal, events: ctx.events };
  const current = await target.describe(name, op);
  if (current.status !== "InProgress") {
    ctx.print(
      { name, stopRequested: false, status: current.status },
      () => `${name} is ${current.status}; nothing to stop.\n`,
    );
    return;
  }
  await target.stop(name, op);
  ctx.print({ name, stopRequested: true }, () => `Stop requested for ${name}.\n`);
};
