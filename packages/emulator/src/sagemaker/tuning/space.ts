/**
 * A tuning job's search space: SageMaker's ParameterRanges mapped onto the unit cube. Strategies work
 * in the cube (uniform there = uniform on the range's scale); `decode` turns a point into the
 * hyperparameter strings the child training job receives.
 */

export type ScalingType = "Auto" | "Linear" | "Logarithmic" | "ReverseLogarithmic";

export interface NumericRange {
  kind: "Continuous" | "Integer";
  name: string;
  min: number;
  max: number;
  /** The scaling in force (Auto resolved). */
  scaling: Exclude<ScalingType, "Auto">;
}

export interface CategoricalRange {
  kind: "Categorical";
  name: string;
  values: string[];
}

export type ParameterRange = NumericRange | CategoricalRange;

/** A point of the space: one number in [0, 1] per range (a categorical range's index is `floor(u * n)`). */
export type UnitPoint = number[];

/**
 * Auto: the emulator takes the logarithmic scale for a positive range spanning at least two orders of
 * magnitude (where a linear scale would spend almost every sample in the top decade), else linear.
 */
export function resolveScaling(
  scaling: ScalingType | undefined,
  min: number,
  max: number,
): Exclude<ScalingType, "Auto"> {
  if (scaling && scaling !== "Auto") return scaling;
  return min > 0 && max / min >= 100 ? "Logarithmic" : "Linear";
}

const clamp01 = (u: number) => Math.min(1, Math.max(0, u));

/** The value of a numeric range at unit coordinate `u`. */
export function numericValue(range: NumericRange, u: number): number {
  const t = clamp01(u);
  const { min, max } = range;
  let value: number;
  if (range.scaling === "Logarithmic") value = Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min)));
  else if (range.scaling === "ReverseLogarithmic") {
    // log(1 - x) is linear: fine steps close to 1, as the documentation describes.
    value = 1 - Math.exp(Math.log(1 - min) + t * (Math.log(1 - max) - Math.log(1 - min)));
  } else value = min + t * (max - min);
  if (range.kind === "Integer") return Math.min(max, Math.max(min, Math.round(value)));
  return Math.min(max, Math.max(min, value));
}

/** The unit coordinate of a value (the inverse of numericValue), for warm-start observations. */
export function numericUnit(range: NumericRange, value: number): number {
  const { min, max } = range;
  if (max === min) return 0.5;
  if (range.scaling === "Logarithmic")
    return clamp01((Math.log(value) - Math.log(min)) / (Math.log(max) - Math.log(min)));
  if (range.scaling === "ReverseLogarithmic")
    return clamp01((Math.log(1 - value) - Math.log(1 - min)) / (Math.log(1 - max) - Math.log(1 - min)));
  return clamp01((value - min) / (max - min));
}

export function categoryIndex(range: CategoricalRange, u: number): number {
  return Math.min(range.values.length - 1, Math.floor(clamp01(u) * range.values.length));
}

/** The hyperparameters (wire strings) of a point. */
export function decode(ranges: readonly ParameterRange[], point: UnitPoint): Record<string, string> {
  const out: Record<string, string> = {};
  ranges.forEach((range, i) => {
    const u = point[i] ?? 0.5;
    if (range.kind === "Categorical") out[range.name] = range.values[categoryIndex(range, u)] as string;
    else out[range.name] = formatNumber(range, numericValue(range, u));
  });
  return out;
}

/** The point of hyperparameters (a child of a parent tuning job); undefined if a value is outside the space. */
export function encode(
  ranges: readonly ParameterRange[],
  values: Record<string, string>,
): UnitPoint | undefined {
  const point: number[] = [];
  for (const range of ranges) {
    const raw = values[range.name];
    if (raw === undefined) return undefined;
    if (range.kind === "Categorical") {
      const index = range.values.indexOf(raw);
      if (index < 0) return undefined;
      point.push((index + 0.5) / range.values.length);
    } else {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < range.min || value > range.max) return undefined;
      point.push(numericUnit(range, value));
    }
  }
  return point;
}

function formatNumber(range: NumericRange, value: number): string {
  return range.kind === "Integer" ? String(Math.round(value)) : String(Number(value.toPrecision(12)));
}

/**
 * The features a model of the objective sees: numeric coordinates as they are, integers snapped to
 * the values they decode to, each categorical range one-hot (its values have no order).
 */
export function features(ranges: readonly ParameterRange[], point: UnitPoint): number[] {
  const out: number[] = [];
  ranges.forEach((range, i) => {
    const u = point[i] ?? 0.5;
    if (range.kind === "Categorical") {
      const index = categoryIndex(range, u);
      for (let k = 0; k < range.values.length; k++) out.push(k === index ? 1 : 0);
    } else if (range.kind === "Integer") out.push(numericUnit(range, numericValue(range, u)));
    else out.push(clamp01(u));
  });
  return out;
}
