import { isAbsolute } from "node:path";

/** How a configured target name is looked up. */
export type PluginRequest =
  | { kind: "path"; written: string }
  | { kind: "package"; written: string; candidates: string[] };

/** `./x.js`, `../x`, `/abs/x.js` (and Windows absolute paths) are files relative to the project. */
export function isPathSpecifier(name: string): boolean {
  return name.startsWith("./") || name.startsWith("../") || name === "." || name === ".." || isAbsolute(name);
}

/**
 * `x` -> `@mlship/target-x`, then `mlship-target-x`; scoped names, `mlship-target-*` names and
 * paths are taken as written.
 */
export function pluginRequest(name: string): PluginRequest {
  if (isPathSpecifier(name)) return { kind: "path", written: name };
  if (name.startsWith("@") || name.startsWith("mlship-target-") || name.includes("/")) {
    return { kind: "package", written: name, candidates: [name] };
  }
  return { kind: "package", written: name, candidates: [`@mlship/target-${name}`, `mlship-target-${name}`] };
}

/** `@scope/pkg/sub` -> `@scope/pkg`, `pkg/sub` -> `pkg`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** Conditions this process was started with (`--conditions=x`, `-C x`), so plugins resolve like our own imports. */
export function processConditions(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? "",
): string[] {
  const args = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = /^(?:--conditions|-C)=(.+)$/.exec(a);
    if (eq?.[1]) out.push(eq[1]);
    else if ((a === "--conditions" || a === "-C") && args[i + 1]) out.push(args[++i] as string);
  }
  return out;
}
