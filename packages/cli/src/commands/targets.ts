import type { TargetPlugin } from "@mlship/core";
import { candidateNames, FIRST_PARTY, findPlugin } from "../plugin-discovery.js";
import type { CommandRun } from "../program.js";
import { renderTable } from "../render/table.js";

interface OptionRow {
  name: string;
  type?: string;
  description?: string;
  flag?: string;
  env?: string;
}

/** The options a plugin takes: from its schema's JSON Schema when the schema offers one, else from its flags. */
export function describeOptions(plugin: TargetPlugin): OptionRow[] {
  const flagOf = (option: string) => plugin.flags?.find((f) => f.option === option)?.name.split(" ")[0];
  const extra = (name: string): Pick<OptionRow, "flag" | "env"> => {
    const flag = flagOf(name);
    const env = plugin.env?.[name];
    return { ...(flag ? { flag } : {}), ...(env ? { env } : {}) };
  };
  let properties: Record<string, { type?: unknown; description?: unknown; enum?: unknown }> | undefined;
  try {
    const standard = plugin.options["~standard"] as {
      jsonSchema?: { input(o: { target: string }): unknown };
    };
    properties = (
      standard.jsonSchema?.input({ target: "draft-2020-12" }) as { properties?: typeof properties }
    )?.properties;
  } catch {
    // A schema that cannot be converted: the flags still describe the options they set.
  }
  if (!properties) {
    return [...new Set((plugin.flags ?? []).map((f) => f.option))].map((name) => ({
      name,
      description: plugin.flags?.find((f) => f.option === name)?.description,
      ...extra(name),
    }));
  }
  return Object.entries(properties).map(([name, p]) => ({
    name,
    ...(typeof p.type === "string"
      ? { type: p.type }
      : Array.isArray(p.enum)
        ? { type: p.enum.join("|") }
        : {}),
    ...(typeof p.description === "string" ? { description: p.description } : {}),
    ...extra(name),
  }));
}

/** Finds every target named in the config plus the first-party ones that are installed, and says where each came from and what it takes. */
export const run: CommandRun = async (ctx) => {
  const configured = ctx.config.config.targets.map((t) => (typeof t === "string" ? t : t[0]));
  const rows: Array<{
    name: string;
    specifier: string;
    resolved?: string;
    version?: string;
    status: string;
    error?: string;
    options?: OptionRow[];
  }> = [];
  for (const name of candidateNames(ctx.config.config)) {
    try {
      const found = await findPlugin(name, ctx.config.dir);
      rows.push({
        name: found.name,
        specifier: found.specifier,
        resolved: found.resolved,
        ...(found.version ? { version: found.version } : {}),
        status: "loaded",
        options: describeOptions(found.plugin),
      });
    } catch (error) {
      const missing = FIRST_PARTY.includes(name) && !configured.includes(name);
      rows.push({
        name,
        specifier: name,
        status: missing ? "not installed" : "error",
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  ctx.print({ configFile: ctx.config.file ?? null, targets: rows }, () => {
    const list = renderTable(
      ["NAME", "STATUS", "FROM"],
      rows.map((r) => [r.name, r.status, r.resolved ?? r.error]),
    );
    const details = rows
      .filter((r) => r.options?.length)
      .map(
        (r) =>
          `\n${r.name} options:\n${renderTable(
            ["OPTION", "TYPE", "FLAG", "ENV", "DESCRIPTION"],
            (r.options ?? []).map((o) => [o.name, o.type, o.flag, o.env, o.description]),
          )}`,
      );
    return list + details.join("");
  });
};
