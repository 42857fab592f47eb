import { MlshipError } from "@mlship/core";
import { requireAll, usage } from "./deploy-flags.js";
import { flagSplitter } from "./option-split.js";
import type { SageMakerTrainSpec } from "./training.js";
import { DEFAULT_MAX_RUNTIME_SECONDS } from "./training-request.js";

/** The plugin's flat training options (`--spot`, `--max-wait`, `--checkpoint-*`, `--tag`), as parsed. */
export interface TrainFlagOptions {
  spot?: boolean;
  maxWaitSeconds?: number;
  checkpointS3Uri?: string;
  checkpointLocalPath?: string;
  /** `key=value` strings from `--tag`, or a map from the config file. */
  tags?: readonly string[] | Readonly<Record<string, string>>;
}

/** The plugin's options split into the training flags (and `tags`, which deploys take too) and the rest. */
export const splitTrainFlags = flagSplitter<TrainFlagOptions>([
  "spot",
  "maxWaitSeconds",
  "checkpointS3Uri",
  "checkpointLocalPath",
  "tags",
]);

/** What the flags add to every training job (and tuning job) whose spec does not set the same part. */
export type TrainDefaults = Pick<
  SageMakerTrainSpec,
  "spot" | "checkpointS3Uri" | "checkpointLocalPath" | "tags"
>;

// SageMaker's tag limits (AddTags): keys 1-128 characters, values up to 256, the `aws:` prefix reserved.
function parseTag(pair: string): [string, string] {
  const at = pair.indexOf("=");
  const [key, value] = at < 0 ? [pair, undefined] : [pair.slice(0, at).trim(), pair.slice(at + 1)];
  if (value === undefined || !key || key.length > 128 || value.length > 256 || key.startsWith("aws:")) {
    throw usage(
      "--tag",
      `--tag takes key=value, a key of 1-128 characters not starting with aws: and a value of at most 256 (got "${pair}")`,
      "Repeat --tag for each tag, e.g. --tag team=ml --tag project=churn.",
    );
  }
  return [key, value];
}

/** `--tag` values (or the config file's map) as a tag map; E_USAGE naming the bad one. */
export function tagsFromFlags(tags: TrainFlagOptions["tags"]): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  const pairs = Array.isArray(tags) ? tags.map(parseTag) : Object.entries(tags);
  return pairs.length ? Object.fromEntries(pairs) : undefined;
}

/**
 * Maps the flags into the training spec parts the library validates (the s3:// URI, spot's limits).
 * A flag that means nothing without another is E_USAGE here, when the target is created, before anything runs.
 */
export function trainDefaultsFromFlags(flags: TrainFlagOptions): TrainDefaults {
  const defaults: TrainDefaults = {};
  const spot = { "--spot": flags.spot || undefined, "--max-wait": flags.maxWaitSeconds };
  if (requireAll("Managed spot training", spot, ["--spot"])) {
    defaults.spot = flags.maxWaitSeconds === undefined ? true : { maxWaitSeconds: flags.maxWaitSeconds };
  }
  const checkpoints = {
    "--checkpoint-s3-uri": flags.checkpointS3Uri,
    "--checkpoint-local-path": flags.checkpointLocalPath,
  };
  if (requireAll("Checkpoints", checkpoints, ["--checkpoint-s3-uri"])) {
    defaults.checkpointS3Uri = flags.checkpointS3Uri;
    if (flags.checkpointLocalPath) defaults.checkpointLocalPath = flags.checkpointLocalPath;
  }
  const tags = tagsFromFlags(flags.tags);
  if (tags) defaults.tags = tags;
  return defaults;
}

/**
 * The spec with the flags' parts added where it has none of its own (tags merge, the spec's win). The flags'
 * spot wait must cover the job's max runtime (SageMaker refuses it otherwise): E_USAGE naming `--max-wait`.
 */
export function withTrainDefaults<S extends SageMakerTrainSpec>(spec: S, defaults: TrainDefaults): S {
  const spot = spec.spot ?? defaults.spot;
  const maxRuntime = spec.maxRuntimeSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS;
  if (
    spec.spot === undefined &&
    typeof spot === "object" &&
    (spot.maxWaitSeconds ?? maxRuntime) < maxRuntime
  ) {
    throw new MlshipError(
      "E_USAGE",
      `--max-wait (${spot.maxWaitSeconds} s) is shorter than the job's max runtime (${maxRuntime} s)`,
      {
        where: "--max-wait",
        hint: "Spot's max wait covers waiting for capacity and running: raise --max-wait, or lower `maxRuntimeSeconds`.",
      },
    );
  }
  const tags = defaults.tags || spec.tags ? { ...defaults.tags, ...spec.tags } : undefined;
  return {
    ...spec,
    ...(spot === undefined ? {} : { spot }),
    ...(spec.checkpointS3Uri || !defaults.checkpointS3Uri
      ? {}
      : { checkpointS3Uri: defaults.checkpointS3Uri, checkpointLocalPath: defaults.checkpointLocalPath }),
    ...(tags ? { tags } : {}),
  };
}
