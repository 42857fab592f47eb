import type { CommandRun } from "../program.js";
import { renderTable } from "../render/table.js";
import { loadTargets } from "../targets.js";

const FIRST_PARTY = ["sagemaker", "kyma", "local"];

/** Loads every target named in the config plus the first-party ones that are installed, and says where each came from. */
export const run: CommandRun = async (ctx) => {
  const configured = ctx.config.config.targets.map((t) => (typeof t === "string" ? t : t[0]));
  const rows: Array<{ name: string; specifier: string; resolved?: string; status: string; error?: string }> =
    [];
  for (const name of [...new Set([...configured, ...FIRST_PARTY])]) {
    try {
      const { plugins } = await loadTargets(ctx, [name]);
      for (const p of plugins)
        rows.push({ name: p.name, specifier: p.specifier, resolved: p.resolved, status: "loaded" });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      rows.push({
        name,
        specifier: name,
        status: configured.includes(name) ? "error" : "not installed",
        error: message,
      });
    }
  }
  ctx.print({ configFile: ctx.config.file ?? null, targets: rows }, () =>
    renderTable(
      ["NAME", "STATUS", "FROM"],
      rows.map((r) => [r.name, r.status, r.resolved ?? r.error]),
    ),
  );
};
