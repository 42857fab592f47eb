import { MlshipError } from "@mlship/core";
import type { SageMakerDeploySpec } from "./deploy.js";
import { flagSplitter } from "./option-split.js";

/** The plugin's flat deploy options (`--min-instances`, `--async-output`, `--capture`, ...), as parsed. */
export interface DeployFlagOptions {
  minInstances?: number;
  maxInstances?: number;
  targetInvocations?: number;
  scaleInCooldown?: number;
  scaleOutCooldown?: number;
  asyncOutput?: string;
  asyncSuccessTopic?: string;
  asyncErrorTopic?: string;
  capturePercentage?: number;
  captureDestination?: string;
}

/** The plugin's options split into the deploy flags and what the target itself takes. */
export const splitDeployFlags = flagSplitter<DeployFlagOptions>([
  "minInstances",
  "maxInstances",
  "targetInvocations",
  "scaleInCooldown",
  "scaleOutCooldown",
  "asyncOutput",
  "asyncSuccessTopic",
  "asyncErrorTopic",
  "capturePercentage",
  "captureDestination",
]);

/** What the flags add to every deploy that does not set the same part itself. */
export type DeployDefaults = Pick<
  SageMakerDeploySpec,
  "autoscaling" | "asyncInference" | "dataCapture" | "tags"
>;

export const usage = (flag: string, message: string, hint: string) =>
  new MlshipError("E_USAGE", message, { where: flag, hint });

/** The flags that only mean something with the group's required ones; E_USAGE names the missing flag. */
export function requireAll(group: string, given: Record<string, unknown>, required: string[]): boolean {
  const set = Object.entries(given).filter(([, v]) => v !== undefined);
  if (set.length === 0) return false;
  const missing = required.filter((flag) => given[flag] === undefined);
  if (missing.length > 0) {
    throw usage(
      missing[0] as string,
      `${set.map(([flag]) => flag).join(", ")} needs ${missing.join(" and ")}`,
      `${group} takes ${required.join(", ")} together.`,
    );
  }
  return true;
}

/**
 * Maps the flags into the deploy spec parts the library validates (limits, s3:// URIs, SNS ARNs, percentage).
 * Partial groups are E_USAGE here, when the target is created, before anything is read or written.
 */
export function deployDefaultsFromFlags(flags: DeployFlagOptions): DeployDefaults {
  const defaults: DeployDefaults = {};
  const scaling = {
    "--min-instances": flags.minInstances,
    "--max-instances": flags.maxInstances,
    "--target-invocations": flags.targetInvocations,
    "--scale-in-cooldown": flags.scaleInCooldown,
    "--scale-out-cooldown": flags.scaleOutCooldown,
  };
  if (requireAll("Autoscaling", scaling, ["--min-instances", "--max-instances", "--target-invocations"])) {
    defaults.autoscaling = {
      minInstances: flags.minInstances as number,
      maxInstances: flags.maxInstances as number,
      targetInvocations: flags.targetInvocations as number,
      ...(flags.scaleInCooldown !== undefined ? { scaleInCooldown: flags.scaleInCooldown } : {}),
      ...(flags.scaleOutCooldown !== undefined ? { scaleOutCooldown: flags.scaleOutCooldown } : {}),
    };
  }
  const async = {
    "--async-output": flags.asyncOutput,
    "--async-success-topic": flags.asyncSuccessTopic,
    "--async-error-topic": flags.asyncErrorTopic,
  };
  if (requireAll("Asynchronous inference", async, ["--async-output"])) {
    defaults.asyncInference = {
      outputPath: flags.asyncOutput as string,
      ...(flags.asyncSuccessTopic ? { successTopic: flags.asyncSuccessTopic } : {}),
      ...(flags.asyncErrorTopic ? { errorTopic: flags.asyncErrorTopic } : {}),
    };
  }
  const capture = { "--capture": flags.capturePercentage, "--capture-destination": flags.captureDestination };
  if (requireAll("Data capture", capture, ["--capture", "--capture-destination"])) {
    defaults.dataCapture = {
      destinationS3Uri: flags.captureDestination as string,
      samplingPercentage: flags.capturePercentage as number,
    };
  }
  return defaults;
}

/** The spec with the flags' parts added where the spec has none of its own (tags: merged). */
export function withDeployDefaults<S extends DeployDefaults>(spec: S, defaults: DeployDefaults): S {
  return {
    ...spec,
    ...(spec.autoscaling || !defaults.autoscaling ? {} : { autoscaling: defaults.autoscaling }),
    ...(spec.asyncInference || !defaults.asyncInference ? {} : { asyncInference: defaults.asyncInference }),
    ...(spec.dataCapture || !defaults.dataCapture ? {} : { dataCapture: defaults.dataCapture }),
    // Tags merge: the flags' on every deploy, a spec's own value winning for its keys.
    ...(defaults.tags ? { tags: { ...defaults.tags, ...spec.tags } } : {}),
  };
}
