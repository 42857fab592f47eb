import type { FaultRule, FaultRuleInput } from "./faults.js";

/**
 * Adds a fault rule through the control route (`POST /_mlship/faults`); works against an emulator in
 * this process or another one. Returns the rule with its id.
 */
export async function injectFault(emulator: { endpoint: string }, rule: FaultRuleInput): Promise<FaultRule> {
  const res = await fetch(`${emulator.endpoint}/_mlship/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  const body = (await res.json()) as { fault?: FaultRule; message?: string };
  if (!res.ok || !body.fault) throw new Error(`Could not add fault rule: ${body.message ?? res.status}`);
  return body.fault;
}

/** Removes one fault rule, or all of them when no id is given. */
export async function clearFaults(emulator: { endpoint: string }, id?: string): Promise<void> {
  const res = await fetch(`${emulator.endpoint}/_mlship/faults${id ? `/${encodeURIComponent(id)}` : ""}`, {
    method: "DELETE",
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`Could not remove fault rule ${id ?? "(all)"}: HTTP ${res.status}`);
}
