import { MlshipError } from "./errors.js";
import type { FinalMetric } from "./targets.js";

/** A training metric read from the job's log (SageMaker's `AlgorithmSpecification.MetricDefinitions`). */
export interface MetricDefinition {
  /** 1-255 characters, unique within the job. */
  name: string;
  /** Searched in every log line (stdout and stderr); its one capture group is the value, a float. */
  regex: string;
}

/** One value of a metric as parsed from the log. */
export interface MetricValue {
  name: string;
  value: number;
  /** Epoch ms of the log line. */
  timestamp: number;
}

/** SageMaker's limits: 40 definitions, names of 1-255 and regexes of 1-500 characters. */
export const MAX_METRIC_DEFINITIONS = 40;
const MAX_NAME = 255;
const MAX_REGEX = 500;

// What SageMaker accepts as a metric value: a decimal float, optionally signed, with an exponent.
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface CompiledMetric {
  name: string;
  pattern: RegExp;
}

function invalid(message: string, where: string, hint: string): MlshipError {
  return new MlshipError("E_INVALID_INPUT", message, { where, hint });
}

/** Capture groups of a regex source: a regex that also matches the empty string reports them all. */
function captureGroups(pattern: RegExp): number {
  const probe = new RegExp(`${pattern.source}|`, pattern.flags.replace("g", ""));
  return (probe.exec("")?.length ?? 1) - 1;
}

/**
 * Checks metric definitions against SageMaker's rules (unique names, one capture group, lengths, at most
 * 40) and compiles them. Throws E_INVALID_INPUT naming the definition, before any job starts.
 */
export function checkMetricDefinitions(
  definitions: readonly MetricDefinition[] | undefined,
  where = "metricDefinitions",
): CompiledMetric[] {
  const defs = definitions ?? [];
  if (defs.length > MAX_METRIC_DEFINITIONS) {
    throw invalid(
      `${defs.length} metric definitions; SageMaker accepts at most ${MAX_METRIC_DEFINITIONS}`,
      where,
      "Drop the metrics you do not need.",
    );
  }
  const names = new Set<string>();
  return defs.map((def, i) => {
    const at = `${where}[${i}]`;
    if (typeof def.name !== "string" || def.name.length === 0 || def.name.length > MAX_NAME) {
      throw invalid(
        `Metric name must be 1-${MAX_NAME} characters`,
        `${at}.name`,
        "Give every metric a name.",
      );
    }
    if (names.has(def.name)) {
      throw invalid(`Metric "${def.name}" is defined twice`, `${at}.name`, "Metric names must be unique.");
    }
    names.add(def.name);
    if (typeof def.regex !== "string" || def.regex.length === 0 || def.regex.length > MAX_REGEX) {
      throw invalid(
        `Metric "${def.name}": the regex must be 1-${MAX_REGEX} characters`,
        `${at}.regex`,
        "Write a regex such as `test_auc=([0-9.]+)`.",
      );
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(def.regex, "g");
    } catch (error) {
      throw invalid(
        `Metric "${def.name}": ${(error as Error).message}`,
        `${at}.regex`,
        "Fix the regular expression syntax.",
      );
    }
    const groups = captureGroups(pattern);
    if (groups !== 1) {
      throw invalid(
        `Metric "${def.name}": the regex ${JSON.stringify(def.regex)} has ${groups} capture groups; SageMaker reads the value from exactly one`,
        `${at}.regex`,
        "Put the number in one (...) group and make any other group non-capturing: (?:...).",
      );
    }
    return { name: def.name, pattern };
  });
}

/** Parses `name=regex` (the CLI's `--metric`); the regex may itself contain `=`. */
export function parseMetricDefinition(text: string, where = "--metric"): MetricDefinition {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw invalid(`"${text}" is not name=regex`, where, "Example: --metric 'test_auc=test_auc=([0-9.]+)'.");
  }
  return { name: text.slice(0, eq), regex: text.slice(eq + 1) };
}

export interface MetricParser {
  /** Values found in one log line, in order; a match whose group is not a float is ignored. */
  line(message: string, timestamp: number): MetricValue[];
  /** The last value of each metric seen so far (SageMaker's FinalMetricDataList), in definition order. */
  final(): MetricValue[];
}

/**
 * Reads metrics from a job's log lines as SageMaker does: every match of each definition's regex is a
 * value, the last one is final. Definitions are checked first (E_INVALID_INPUT).
 */
export function createMetricParser(definitions: readonly MetricDefinition[] | undefined): MetricParser {
  const compiled = checkMetricDefinitions(definitions);
  const last = new Map<string, MetricValue>();
  return {
    line(message, timestamp) {
      const found: MetricValue[] = [];
      for (const { name, pattern } of compiled) {
        for (const match of message.matchAll(pattern)) {
          const text = match[1]?.trim();
          if (text === undefined || !FLOAT.test(text)) continue;
          const value: MetricValue = { name, value: Number(text), timestamp };
          last.set(name, value);
          found.push(value);
        }
      }
      return found;
    },
    final: () => compiled.flatMap(({ name }) => (last.has(name) ? [last.get(name) as MetricValue] : [])),
  };
}

/** Final values as a TrainingRun carries them (ISO times); undefined when there are none. */
export function toFinalMetrics(values: readonly MetricValue[]): FinalMetric[] | undefined {
  return values.length
    ? values.map((v) => ({ name: v.name, value: v.value, timestamp: new Date(v.timestamp).toISOString() }))
    : undefined;
}
