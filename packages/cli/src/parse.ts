import { MlshipError } from "@mlship/core";

/** `key=value` pairs from a repeatable flag; the value may itself contain `=`. */
export function parsePairs(flag: string, values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const at = item.indexOf("=");
    if (at <= 0) {
      throw new MlshipError("E_USAGE", `${flag} expects key=value, got "${item}"`, {
        where: flag,
        hint: `Example: ${flag} train=data/train.csv`,
      });
    }
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** Hyperparameter values: JSON when they parse (`5`, `true`, `[1,2]`, `"x"`), the raw string otherwise. */
export function parseHyperparameters(
  values: readonly string[] | undefined,
): Record<string, string | number | boolean | null | unknown[]> {
  return Object.fromEntries(
    Object.entries(parsePairs("--hp", values)).map(([k, v]) => {
      try {
        return [k, JSON.parse(v)];
      } catch {
        return [k, v];
      }
    }),
  );
}

/** `a,b,c` -> ["a","b","c"], trimmed, empty names rejected. */
export function parseList(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === ""))
    throw new MlshipError("E_USAGE", `${flag} has an empty name in "${value}"`, {
      where: flag,
      hint: `Example: ${flag} a,b,c`,
    });
  return items;
}
