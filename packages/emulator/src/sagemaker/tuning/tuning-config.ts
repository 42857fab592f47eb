import { createValidator, type Validator, validationError } from "../validation.js";
import type { HyperbandConfig } from "./early-stopping.js";
import { type CategoricalRange, type ParameterRange, resolveScaling, type ScalingType } from "./space.js";
import { gridSize } from "./strategies/grid-search.js";

export type StrategyName = "Bayesian" | "Random" | "Hyperband" | "Grid";

/** A CreateHyperParameterTuningJob's HyperParameterTuningJobConfig, checked and resolved. */
export interface TuningPlan {
  strategy: StrategyName;
  objective: { type: "Maximize" | "Minimize"; metricName: string };
  ranges: ParameterRange[];
  maxJobs: number;
  maxParallel: number;
  earlyStopping: "Off" | "Auto";
  hyperband?: HyperbandConfig;
  seed?: number;
}

const SCALINGS = ["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"] as const;
// Hyperband reads MaxResource from these static hyperparameters when StrategyConfig leaves it out.
const EPOCH_KEYS = ["epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs"];
const HYPERBAND_ETA = 3;

/**
 * Checks the config as SageMaker does (shapes first, as one ValidationException; then the rules that
 * span fields) and resolves it. `staticHyperParameters` are the definition's, for Hyperband's MaxResource.
 */
export function parseTuningConfig(
  raw: Record<string, unknown>,
  staticHyperParameters: Record<string, string>,
  metricNames: readonly string[],
): TuningPlan {
  const v = createValidator();
  const strategy = v.string(raw.Strategy, "hyperParameterTuningJobConfig.strategy", {
    required: true,
    oneOf: ["Bayesian", "Random", "Hyperband", "Grid"],
  }) as StrategyName;
  const objective = v.object(
    raw.HyperParameterTuningJobObjective,
    "hyperParameterTuningJobConfig.hyperParameterTuningJobObjective",
  );
  if (objective) {
    v.string(objective.Type, "hyperParameterTuningJobConfig.hyperParameterTuningJobObjective.type", {
      required: true,
      oneOf: ["Maximize", "Minimize"],
    });
    v.string(
      objective.MetricName,
      "hyperParameterTuningJobConfig.hyperParameterTuningJobObjective.metricName",
      {
        required: true,
        minLength: 1,
        maxLength: 255,
      },
    );
  }
  const limits = v.object(raw.ResourceLimits, "hyperParameterTuningJobConfig.resourceLimits", true);
  const maxJobs = v.number(
    limits?.MaxNumberOfTrainingJobs,
    "hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs",
    { min: 1 },
  );
  const maxParallel = v.number(
    limits?.MaxParallelTrainingJobs,
    "hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs",
    { required: true, min: 1 },
  );
  const earlyStopping = (v.string(
    raw.TrainingJobEarlyStoppingType,
    "hyperParameterTuningJobConfig.trainingJobEarlyStoppingType",
    {
      oneOf: ["Off", "Auto"],
    },
  ) ?? "Off") as "Off" | "Auto";
  const seed = v.number(raw.RandomSeed, "hyperParameterTuningJobConfig.randomSeed", { min: 0 });
  const ranges = parseRanges(v, raw.ParameterRanges);
  const strategyConfig = v.object(raw.StrategyConfig, "hyperParameterTuningJobConfig.strategyConfig");
  const hyperbandRaw = strategyConfig
    ? v.object(
        strategyConfig.HyperbandStrategyConfig,
        "hyperParameterTuningJobConfig.strategyConfig.hyperbandStrategyConfig",
      )
    : undefined;
  const minResource = v.number(
    hyperbandRaw?.MinResource,
    "hyperParameterTuningJobConfig.strategyConfig.hyperbandStrategyConfig.minResource",
    { min: 1 },
  );
  const maxResource = v.number(
    hyperbandRaw?.MaxResource,
    "hyperParameterTuningJobConfig.strategyConfig.hyperbandStrategyConfig.maxResource",
    { min: 1 },
  );
  v.done();

  if (!objective) throw validationError("HyperParameterTuningJobObjective is required.");
  const metricName = objective.MetricName as string;
  if (!metricNames.includes(metricName)) {
    throw validationError(
      `The objective metric ${metricName} is not among the metric definitions of the training job definition (${metricNames.join(", ") || "none"}). Add a MetricDefinition named ${metricName}.`,
    );
  }
  if (ranges.length === 0)
    throw validationError("ParameterRanges must name at least one hyperparameter to tune.");
  for (const range of ranges) {
    if (Object.hasOwn(staticHyperParameters, range.name)) {
      throw validationError(
        `Hyperparameter ${range.name} is both static and tuned; remove it from StaticHyperParameters.`,
      );
    }
  }
  if (strategyConfig && strategy !== "Hyperband") {
    throw validationError("StrategyConfig may be given only with the Hyperband strategy.");
  }
  let jobs = maxJobs;
  if (strategy === "Grid") {
    const categorical = ranges.filter((r): r is CategoricalRange => r.kind === "Categorical");
    if (categorical.length !== ranges.length) {
      throw validationError("The Grid strategy searches categorical parameter ranges only.");
    }
    const combinations = gridSize(categorical);
    if (maxJobs !== undefined && maxJobs !== combinations) {
      throw validationError(
        `With the Grid strategy, MaxNumberOfTrainingJobs must equal the number of distinct combinations (${combinations}) or be left out.`,
      );
    }
    jobs = combinations;
  }
  if (jobs === undefined)
    throw validationError(
      "ResourceLimits.MaxNumberOfTrainingJobs is required for the Random, Bayesian and Hyperband strategies.",
    );
  let hyperband: HyperbandConfig | undefined;
  if (strategy === "Hyperband") {
    if (earlyStopping !== "Off") {
      throw validationError(
        "TrainingJobEarlyStoppingType must be Off with the Hyperband strategy (it stops trials itself).",
      );
    }
    const max = maxResource ?? inferMaxResource(staticHyperParameters);
    if (max === undefined) {
      throw validationError(
        `Hyperband needs MaxResource: set StrategyConfig.HyperbandStrategyConfig.MaxResource or a static hyperparameter ${EPOCH_KEYS.join(", ")}.`,
      );
    }
    const min = minResource ?? 1;
    if (min > max) throw validationError(`MinResource (${min}) must not exceed MaxResource (${max}).`);
    hyperband = { minResource: min, maxResource: max, eta: HYPERBAND_ETA };
  }
  return {
    strategy,
    objective: { type: objective.Type as "Maximize" | "Minimize", metricName },
    ranges,
    maxJobs: jobs,
    maxParallel: maxParallel as number,
    earlyStopping,
    hyperband,
    seed,
  };
}

function inferMaxResource(hps: Record<string, string>): number | undefined {
  for (const key of EPOCH_KEYS) {
    const raw = hps[key];
    if (raw === undefined) continue;
    const value = Number(raw.replace(/^"|"$/g, ""));
    if (Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

function parseRanges(v: Validator, raw: unknown): ParameterRange[] {
  const base = "hyperParameterTuningJobConfig.parameterRanges";
  const ranges = v.object(raw, base);
  if (!ranges) return [];
  const out: ParameterRange[] = [];
  for (const [member, kind] of [
    ["IntegerParameterRanges", "Integer"],
    ["ContinuousParameterRanges", "Continuous"],
  ] as const) {
    const path = `${base}.${member[0]?.toLowerCase()}${member.slice(1)}`;
    v.list(ranges[member], path, { max: 30 })?.forEach((item, i) => {
      const at = `${path}.${i + 1}.member`;
      const range = v.object(item, at, true);
      if (!range) return;
      const name = v.string(range.Name, `${at}.name`, { required: true, maxLength: 256 });
      const min = v.string(range.MinValue, `${at}.minValue`, { required: true, maxLength: 256 });
      const max = v.string(range.MaxValue, `${at}.maxValue`, { required: true, maxLength: 256 });
      const scaling = v.string(range.ScalingType, `${at}.scalingType`, { oneOf: SCALINGS }) as
        | ScalingType
        | undefined;
      if (name === undefined || min === undefined || max === undefined) return;
      out.push(numericRange(v, kind, name, min, max, scaling));
    });
  }
  const catPath = `${base}.categoricalParameterRanges`;
  v.list(ranges.CategoricalParameterRanges, catPath, { max: 30 })?.forEach((item, i) => {
    const at = `${catPath}.${i + 1}.member`;
    const range = v.object(item, at, true);
    if (!range) return;
    const name = v.string(range.Name, `${at}.name`, { required: true, maxLength: 256 });
    const values = v.list(range.Values, `${at}.values`, { required: true, min: 1, max: 30 });
    values?.forEach((value, j) => {
      v.string(value, `${at}.values.${j + 1}.member`, { required: true, maxLength: 256 });
    });
    if (name !== undefined && values) out.push({ kind: "Categorical", name, values: values as string[] });
  });
  const names = new Set<string>();
  for (const range of out) {
    if (names.has(range.name)) v.fail(`Hyperparameter ${range.name} has more than one range`);
    names.add(range.name);
  }
  return out;
}

function numericRange(
  v: Validator,
  kind: "Integer" | "Continuous",
  name: string,
  minText: string,
  maxText: string,
  scaling: ScalingType | undefined,
): ParameterRange {
  const min = Number(minText);
  const max = Number(maxText);
  const what = `${kind} range ${name}`;
  if (
    !Number.isFinite(min) ||
    !Number.isFinite(max) ||
    (kind === "Integer" && (!Number.isInteger(min) || !Number.isInteger(max)))
  ) {
    v.fail(
      `${what}: MinValue and MaxValue must be ${kind === "Integer" ? "integers" : "numbers"} (got ${minText}, ${maxText})`,
    );
  } else if (min > max) v.fail(`${what}: MinValue ${minText} is greater than MaxValue ${maxText}`);
  else if (scaling === "Logarithmic" && min <= 0) v.fail(`${what}: Logarithmic scaling needs MinValue > 0`);
  else if (scaling === "ReverseLogarithmic" && (kind === "Integer" || min < 0 || max >= 1)) {
    v.fail(`${what}: ReverseLogarithmic scaling is for continuous ranges within [0, 1)`);
  }
  return { kind, name, min, max, scaling: resolveScaling(scaling, min, max) };
}
