import { isPlainObject } from "./objects.js";
import { KubeStatusError } from "./status-error.js";
import type { KubeObject } from "./types.js";

interface Requirement {
  key: string;
  op: "in" | "notin" | "exists" | "!";
  values: string[];
}

/** Parses a label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k`); throws 400 on bad syntax. */
export function parseLabelSelector(selector: string): Requirement[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += ch;
  }
  terms.push(current);
  const requirements: Requirement[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    if (term === "") {
      if (selector.trim() === "") continue;
      throw new KubeStatusError(
        400,
        "BadRequest",
        `unable to parse requirement: found '', expected: identifier`,
      );
    }
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] ?? "")
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      requirements.push({ key: m[1] as string, op: m[2] as "in" | "notin", values });
      continue;
    }
    m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,=!]*)$/.exec(term);
    if (m) {
      requirements.push({ key: m[1] as string, op: m[2] === "!=" ? "notin" : "in", values: [m[3] ?? ""] });
      continue;
    }
    m = /^(!?)([^\s!=(),]+)$/.exec(term);
    if (m) {
      requirements.push({ key: m[2] as string, op: m[1] === "!" ? "!" : "exists", values: [] });
      continue;
    }
    throw new KubeStatusError(
      400,
      "BadRequest",
      `unable to parse requirement: invalid label selector "${term}"`,
    );
  }
  return requirements;
}

export function matchesLabels(
  requirements: Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case "in":
        return has && r.values.includes(l[r.key] as string);
      case "notin":
        return !has || !r.values.includes(l[r.key] as string);
      case "exists":
        return has;
      case "!":
        return !has;
    }
    return false;
  });
}

export function matchesFields(fieldSelector: string | undefined, object: KubeObject): boolean {
  if (!fieldSelector) return true;
  return fieldSelector.split(",").every((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw new KubeStatusError(400, "BadRequest", `invalid field selector: "${term}"`);
    const path = (m[1] as string).split(".");
    let value: unknown = object;
    for (const p of path) value = isPlainObject(value) ? value[p] : undefined;
    const equal = String(value ?? "") === m[3];
    return m[2] === "!=" ? !equal : equal;
  });
}
