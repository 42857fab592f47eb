import type {
  CreateHyperParameterTuningJobCommandInput,
  CreateTrainingJobCommandInput,
  HyperParameterTrainingJobDefinition,
} from "@aws-sdk/client-sagemaker";
import { MlshipError, type ParameterRangeSpec, type TuningConfig } from "@mlship/core";

const bad = (message: string, where: string, hint?: string) =>
  new MlshipError("E_INVALID_INPUT", message, { where, ...(hint ? { hint } : {}) });

function checkRange(name: string, range: ParameterRangeSpec): void {
  const where = `ranges.${name}`;
  if (range.type === "categorical") {
    if (!range.values.length || range.values.length > 30)
      throw bad(`Range ${name} needs 1-30 categorical values`, where);
    return;
  }
  const { min, max, scaling } = range;
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max)
    throw bad(`Range ${name}: min and max must be numbers with min <= max (got ${min}, ${max})`, where);
  if (range.type === "integer" && (!Number.isInteger(min) || !Number.isInteger(max)))
    throw bad(`Range ${name}: an integer range needs integer bounds`, where);
  if (scaling === "Logarithmic" && min <= 0)
    throw bad(`Range ${name}: logarithmic scaling needs min > 0`, where);
  if (scaling === "ReverseLogarithmic" && (range.type === "integer" || min < 0 || max >= 1))
    throw bad(`Range ${name}: reverse-logarithmic scaling is for continuous ranges within [0, 1)`, where);
}

/** The tuning config's own checks (SageMaker's rules), before anything is uploaded. */
export function checkTuningConfig(config: TuningConfig, metricNames: readonly string[]): void {
  const names = Object.keys(config.ranges);
  if (!names.length) throw bad("A tuning job needs at least one range", "ranges", "Add ranges (--range).");
  for (const name of names) checkRange(name, config.ranges[name] as ParameterRangeSpec);
  if (!metricNames.includes(config.objective.metric)) {
    throw bad(
      `The objective metric ${config.objective.metric} is not one of the metric definitions (${metricNames.join(", ") || "none"})`,
      "objective.metric",
      "Define it with metricDefinitions (--metric name=regex).",
    );
  }
  const strategy = config.strategy ?? "Bayesian";
  if (strategy === "Grid" && names.some((n) => config.ranges[n]?.type !== "categorical"))
    throw bad("The Grid strategy takes categorical ranges only", "strategy");
  if (strategy !== "Grid" && config.maxJobs === undefined)
    throw bad(`maxJobs is required with the ${strategy} strategy`, "maxJobs", "Pass maxJobs (--max-jobs).");
  for (const [key, value] of [
    ["maxJobs", config.maxJobs],
    ["maxParallelJobs", config.maxParallelJobs],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw bad(`${key} must be a positive integer (got ${value})`, key);
  }
  if (strategy === "Hyperband" && config.earlyStopping === "Auto")
    throw bad("Hyperband stops poor trials itself: earlyStopping must be Off", "earlyStopping");
  if (config.hyperband && strategy !== "Hyperband")
    throw bad("hyperband settings apply to the Hyperband strategy only", "hyperband");
  if (config.warmStart && (config.warmStart.parents.length < 1 || config.warmStart.parents.length > 5))
    throw bad("A warm start names 1-5 parent tuning jobs", "warmStart.parents");
}

/** A training job request as a tuning job's TrainingJobDefinition: the tuned names leave the static hyperparameters. */
function definitionOf(
  training: CreateTrainingJobCommandInput,
  tuned: readonly string[],
): HyperParameterTrainingJobDefinition {
  const { TrainingJobName: _, HyperParameters, Tags: __, ...rest } = training;
  const statics = Object.fromEntries(
    Object.entries(HyperParameters ?? {}).filter(
      ([key]) => !tuned.includes(key) && key !== "sagemaker_job_name",
    ),
  );
  return { ...rest, StaticHyperParameters: statics } as HyperParameterTrainingJobDefinition;
}

const text = (v: number | string | boolean) => String(v);

/** The CreateHyperParameterTuningJob request the SDK's HyperparameterTuner sends. Pure. */
export function buildCreateTuningJobRequest(
  name: string,
  training: CreateTrainingJobCommandInput,
  config: TuningConfig,
): CreateHyperParameterTuningJobCommandInput {
  const entries = Object.entries(config.ranges);
  const numeric = (type: "continuous" | "integer") =>
    entries.flatMap(([Name, r]) =>
      r.type === type
        ? [{ Name, MinValue: text(r.min), MaxValue: text(r.max), ScalingType: r.scaling ?? "Auto" }]
        : [],
    );
  const strategy = config.strategy ?? "Bayesian";
  const { hyperband } = config;
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      Strategy: strategy,
      HyperParameterTuningJobObjective: {
        Type: config.objective.type ?? "Maximize",
        MetricName: config.objective.metric,
      },
      ResourceLimits: {
        ...(config.maxJobs !== undefined ? { MaxNumberOfTrainingJobs: config.maxJobs } : {}),
        MaxParallelTrainingJobs: config.maxParallelJobs ?? 1,
      },
      ParameterRanges: {
        ContinuousParameterRanges: numeric("continuous"),
        IntegerParameterRanges: numeric("integer"),
        CategoricalParameterRanges: entries.flatMap(([Name, r]) =>
          r.type === "categorical" ? [{ Name, Values: r.values.map(text) }] : [],
        ),
      },
      TrainingJobEarlyStoppingType: config.earlyStopping ?? "Off",
      ...(hyperband
        ? {
            StrategyConfig: {
              HyperbandStrategyConfig: {
                ...(hyperband.minResource !== undefined ? { MinResource: hyperband.minResource } : {}),
                ...(hyperband.maxResource !== undefined ? { MaxResource: hyperband.maxResource } : {}),
              },
            },
          }
        : {}),
      ...(config.randomSeed !== undefined ? { RandomSeed: config.randomSeed } : {}),
    },
    TrainingJobDefinition: definitionOf(
      training,
      entries.map(([n]) => n),
    ),
    ...(config.warmStart
      ? {
          WarmStartConfig: {
            ParentHyperParameterTuningJobs: config.warmStart.parents.map((p) => ({
              HyperParameterTuningJobName: p,
            })),
            WarmStartType: config.warmStart.type ?? "IdenticalDataAndAlgorithm",
          },
        }
      : {}),
    Tags: training.Tags,
  };
}
