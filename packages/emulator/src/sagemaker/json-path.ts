/**
 * The JSONPath subset batch transform's DataProcessing filters accept (SageMaker documents it under
 * "Supported JSONPath Operators"): `$`, `.name`, `*`, `['a','b']`, `[1]`, `[1,3,5]`, `[-1]` and one
 * slice `[start:end]` per bracket, whose end is inclusive as the documentation states (`$[1:4]` is the
 * second through fifth column). CSV records are arrays of fields, so only index forms apply to them.
 */

type Step =
  | { kind: "name"; name: string }
  | { kind: "names"; names: string[] }
  | { kind: "wildcard" }
  | { kind: "indexes"; indexes: number[]; range?: { start?: number; end?: number } };

export interface JsonPath {
  readonly text: string;
  /** The selected part of `value`; throws when the path selects nothing (an index past the end, a missing key). */
  select(value: unknown): unknown;
}

/** Parses `text`; throws an Error saying what is wrong, as SageMaker's "Invalid JsonPath" does. */
export function parseJsonPath(text: string): JsonPath {
  const invalid = (why: string) => new Error(`Invalid JsonPath: ${text}: ${why}`);
  if (!text.startsWith("$")) throw invalid("a path starts with $");
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === ".") {
      if (text[i + 1] === "[") {
        i++;
        continue;
      }
      const match = /^\.(\*|[A-Za-z_][\w-]*)/.exec(text.slice(i));
      if (!match) throw invalid(`expected a name after '.' at ${i}`);
      steps.push(match[1] === "*" ? { kind: "wildcard" } : { kind: "name", name: match[1] as string });
      i += match[0].length;
    } else if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close === -1) throw invalid("unclosed '['");
      steps.push(bracketStep(text.slice(i + 1, close).trim(), invalid));
      i = close + 1;
    } else throw invalid(`unexpected '${text[i]}' at ${i}`);
  }
  return { text, select: (value) => steps.reduce(applyStep, value) };
}

function bracketStep(inner: string, invalid: (why: string) => Error): Step {
  if (inner === "*") return { kind: "wildcard" };
  if (inner.startsWith("'") || inner.startsWith('"')) {
    const names = inner.split(",").map((part) => {
      const m = /^\s*(['"])(.*)\1\s*$/.exec(part);
      if (!m) throw invalid(`bad name list [${inner}]`);
      return m[2] as string;
    });
    return names.length === 1 ? { kind: "name", name: names[0] as string } : { kind: "names", names };
  }
  const indexes: number[] = [];
  let range: { start?: number; end?: number } | undefined;
  for (const part of inner.split(",").map((p) => p.trim())) {
    const slice = /^(-?\d*):(-?\d*)$/.exec(part);
    if (slice) {
      if (range) {
        throw invalid(
          `only single range filters of format (eg: [1:5]) are supported. Format [${inner}] is not supported`,
        );
      }
      range = {
        start: slice[1] === "" ? undefined : Number(slice[1]),
        end: slice[2] === "" ? undefined : Number(slice[2]),
      };
    } else if (/^-?\d+$/.test(part)) indexes.push(Number(part));
    else throw invalid(`bad index '${part}'`);
  }
  return { kind: "indexes", indexes, range };
}

function applyStep(value: unknown, step: Step): unknown {
  switch (step.kind) {
    case "name": {
      if (!isObject(value) || !Object.hasOwn(value, step.name))
        throw new Error(`No attribute '${step.name}'`);
      return value[step.name];
    }
    case "names": {
      if (!isObject(value)) throw new Error(`Cannot select [${step.names.join(",")}] from a non-object`);
      const picked: Record<string, unknown> = {};
      for (const name of step.names) if (Object.hasOwn(value, name)) picked[name] = value[name];
      return picked;
    }
    case "wildcard":
      if (Array.isArray(value)) return value;
      if (isObject(value)) return Object.values(value);
      throw new Error("Cannot apply * to a scalar");
    case "indexes":
      return selectIndexes(value, step);
  }
}

function selectIndexes(value: unknown, step: Extract<Step, { kind: "indexes" }>): unknown {
  if (!Array.isArray(value)) throw new Error("Index filters apply to arrays (CSV records) only");
  const at = (i: number) => (i < 0 ? value.length + i : i);
  const chosen = step.indexes.map((i) => {
    const index = at(i);
    if (index < 0 || index >= value.length)
      throw new Error(`Index ${i} is out of range (${value.length} fields)`);
    return index;
  });
  if (step.range) {
    const start = Math.max(0, at(step.range.start ?? 0));
    const end = Math.min(value.length - 1, at(step.range.end ?? value.length - 1));
    for (let i = start; i <= end; i++) chosen.push(i);
  }
  if (!step.range && chosen.length === 1) return value[chosen[0] as number];
  return chosen.map((i) => value[i]);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
