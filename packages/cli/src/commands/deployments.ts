import { type Deployment, MlshipError } from "@mlship/core";
import type { CliContext } from "../context.js";
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

export const get: CommandRun = async (ctx, [name = ""], options) => {
  const d = await (await deployTarget(ctx, options)).get(name, { signal: ctx.signal, events: ctx.events });
  ctx.print(d, () => renderDeployment(d));
};

export const delete_: CommandRun = async (ctx, [name = ""], options) => {
  await (await deployTarget(ctx, options)).delete(name, { signal: ctx.signal, events: ctx.events });
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
