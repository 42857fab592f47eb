import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MlshipError } from "@mlship/core/errors";
import { z } from "zod";
import { inputFile } from "./files.js";

export const CONFIG_FILE = "mlship.config.json";

const targetEntry = z.union([
  z.string().min(1),
  z.tuple([z.string().min(1), z.record(z.string(), z.unknown())]),
]);

const configSchema = z
  .object({
    $schema: z.string().optional(),
    /** Target plugins to load, with their options: `"sagemaker"` or `["kyma", { "namespace": "ml" }]`. */
    targets: z.array(targetEntry).default([]),
    /** Target used when `--target` is not given. */
    defaultTarget: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    endpointUrl: z.string().url().optional(),
  })
  .strict();

export type MlshipConfig = z.infer<typeof configSchema>;

export interface LoadedConfig {
  config: MlshipConfig;
  /** The file it came from, if any. */
  file?: string;
  /** Where plugins resolve from: the config file's folder, else the working directory. */
  dir: string;
}

/** `mlship.config.json` found upward from `cwd`, or the explicit `--config` path. */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig {
  const file = explicit ? inputFile(cwd, explicit, "--config") : findUpward(cwd);
  if (!file) return { config: configSchema.parse({}), dir: cwd };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new MlshipError("E_CONFIG", `${file} is not valid JSON: ${(cause as Error).message}`, {
      where: file,
      cause,
    });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") || "(root)";
    throw new MlshipError("E_CONFIG", `${file}: ${path}: ${issue?.message ?? "invalid"}`, {
      where: `${file}#${path}`,
      hint: 'Allowed keys: targets, defaultTarget, region, profile, endpointUrl. Example: { "targets": ["sagemaker"] }',
    });
  }
  return { config: parsed.data, file, dir: dirname(file) };
}

function findUpward(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
