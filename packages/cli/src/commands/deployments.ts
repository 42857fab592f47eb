import {
  type Deployment,
  type DeploymentLogLine,
  type DeployTarget,
  isMlshipError,
  MlshipError,
} from "@mlship/core";
import type { CliContext } from "../context.js";
import { withDidYouMean } from "../did-you-mean.js";
import type { CommandRun } from "../program.js";
import { renderRecord, renderTable } from "../render/table.js";
import { deployTargetFor } from "../targets.js";

async function deployTarget(ctx: CliContext, options: Record<string, unknown>) {
  return (await deployTargetFor(ctx, options)).target;
}

export const renderDeployment = (d: Deployment) =>
  renderRecord({
    name: d.name,
    target: d.target,
    status: d.status,
    url: d.url,
    model: d.model,
    failureReason: d.failureReason,
    instanceType: d.instanceType,
    instanceCount: d.instanceCount,
    created: d.createdAt,
    updated: d.updatedAt,
    ...(d.details ?? {}),
  });

export const list: CommandRun = async (ctx, _args, options) => {
  const all = await (await deployTarget(ctx, options)).list({}, { signal: ctx.signal, events: ctx.events });
  ctx.print(all, () =>
    renderTable(
      ["NAME", "STATUS", "URL", "UPDATED"],
      all.map((d) => [d.name, d.status, d.url, d.updatedAt ?? d.createdAt]),
    ),
  );
};

/** `target.get(name)`; an unknown name is E_NOT_FOUND with "did you mean" from the target's own list. */
export function getDeployment(ctx: CliContext, target: DeployTarget, name: string): Promise<Deployment> {
  const op = { signal: ctx.signal, events: ctx.events };
  return withDidYouMean(
    name,
    () => target.list({}, op),
    () => target.get(name, op),
  );
}

export const get: CommandRun = async (ctx, [name = ""], options) => {
  const d = await getDeployment(ctx, await deployTarget(ctx, options), name);
  ctx.print(d, () => renderDeployment(d));
};

/** Like kubectl: deleting a name that does not exist is an error unless --ignore-not-found. */
export const delete_: CommandRun = async (ctx, [name = ""], options) => {
  const target = await deployTarget(ctx, options);
  try {
    await getDeployment(ctx, target, name);
  } catch (error) {
    if (!(options.ignoreNotFound && isMlshipError(error) && error.code === "E_NOT_FOUND")) throw error;
    ctx.print({ name, deleted: false, found: false }, () => `${name} does not exist; nothing to delete.\n`);
    return;
  }
  await target.delete(name, { signal: ctx.signal, events: ctx.events });
  ctx.print({ name, deleted: true }, () => `Deleted ${name}.\n`);
};

export const refreshCredentials: CommandRun = async (ctx, [name = ""], options) => {
  const target = await deployTarget(ctx, options);
  if (!target.refreshCredentials) {
    throw new MlshipError("E_USAGE", `The ${target.name} target keeps no credentials that expire`, {
      where: "--target",
      hint: "Deployments on this target need no refresh; Kyma deployments do (--target kyma).",
    });
  }
  const result = await target.refreshCredentials(name, { signal: ctx.signal, events: ctx.events });
  ctx.print(result, () =>
    renderTable(
      ["RENEWED", "VALID UNTIL"],
      result.renewed.map((r) => [r.credential, r.expiresAt]),
    ),
  );
};

/**
 * Like `kubectl logs` / `aws logs tail`: the target's optional `logs` (core's contract), one line each as it
 * comes; `--json` prints one JSON object a line. An unknown name gets "did you mean" from the target's list.
 */
export const logs: CommandRun = async (ctx, [name = ""], options) => {
  const target = await deployTarget(ctx, options);
  if (!target.logs) {
    throw new MlshipError("E_USAGE", `The ${target.name} target cannot show deployment logs`, {
      where: "--target",
      hint: "Read them where that target keeps them; sagemaker, kyma and local deployments have logs here.",
    });
  }
  const op = { signal: ctx.signal, events: ctx.events };
  const lines = target
    .logs(name, { follow: Boolean(options.follow), since: options.since as number | undefined }, op)
    [Symbol.asyncIterator]();
  const jsonLine = ctx.jsonLines();
  const print = (line: DeploymentLogLine) =>
    ctx.opts.json ? jsonLine(line) : ctx.io.stdout.write(`${line.message}\n`);
  const first = await withDidYouMean(
    name,
    () => target.list({}, op),
    () => lines.next(),
  );
  if (first.done) return;
  print(first.value);
  for (let next = await lines.next(); !next.done; next = await lines.next()) print(next.value);
};
