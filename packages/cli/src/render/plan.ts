import type { DeployPlan, PlannedAction } from "@mlship/core";
import { renderTable } from "./table.js";

const MARKS: Record<PlannedAction, string> = { create: "+", update: "~", delete: "-", unchanged: "=" };

/** A deploy plan as a person reads it: one line per resource, in the order apply makes the changes. */
export function renderPlan(plan: DeployPlan): string {
  const rows = plan.changes.map((c) => [`${MARKS[c.action]} ${c.action}`, c.kind, c.name, c.reason ?? ""]);
  const notes = (plan.notes ?? []).map((n) => `note: ${n}\n`).join("");
  return (
    `Plan: ${plan.operation} ${plan.name} on ${plan.target}\n` +
    renderTable(["CHANGE", "KIND", "NAME", "WHY"], rows) +
    notes +
    "Dry run: nothing was changed.\n"
  );
}
