import { describe, expect, it } from "vitest";
import { isMlshipError } from "./errors.js";
import { checkMetricDefinitions, createMetricParser, parseMetricDefinition } from "./metrics.js";

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};

describe("metric definitions", () => {
  it("rejects a regex with no capture group, naming the definition", () => {
    const error = errorOf(() => checkMetricDefinitions([{ name: "auc", regex: "auc=[0-9.]+" }]));
    expect(isMlshipError(error) && error.code).toBe("E_INVALID_INPUT");
    expect((error as Error).message).toMatch(/has 0 capture groups/);
    expect(isMlshipError(error) && error.where).toBe("metricDefinitions[0].regex");
  });

  it("rejects two capture groups but accepts non-capturing ones", () => {
    expect(() => checkMetricDefinitions([{ name: "a", regex: "(loss|acc)=([0-9.]+)" }])).toThrow(
      /has 2 capture groups/,
    );
    expect(checkMetricDefinitions([{ name: "a", regex: "(?:loss|acc)=([0-9.]+)" }])).toHaveLength(1);
  });

  it("rejects bad syntax, duplicate names and more than 40 definitions", () => {
    expect(() => checkMetricDefinitions([{ name: "a", regex: "auc=([0-9.]+" }])).toThrow(/Metric "a"/);
    expect(() =>
      checkMetricDefinitions([
        { name: "a", regex: "x=(\\d+)" },
        { name: "a", regex: "y=(\\d+)" },
      ]),
    ).toThrow(/defined twice/);
    const many = Array.from({ length: 41 }, (_, i) => ({ name: `m${i}`, regex: "(\\d)" }));
    expect(() => checkMetricDefinitions(many)).toThrow(/at most 40/);
  });

  it("parses name=regex, keeping = inside the regex", () => {
    expect(parseMetricDefinition("test_auc=test_auc=([0-9.]+)")).toEqual({
      name: "test_auc",
      regex: "test_auc=([0-9.]+)",
    });
    expect(() => parseMetricDefinition("auc")).toThrow(/not name=regex/);
  });
});

describe("metric parser", () => {
  const defs = [
    { name: "loss", regex: "loss: ([-+0-9.eE]+)" },
    { name: "auc", regex: "auc=(\\S+)" },
  ];

  it("takes every match, the last one being final", () => {
    const parser = createMetricParser(defs);
    expect(parser.line("epoch 1 loss: 0.9 auc=0.7", 1)).toEqual([
      { name: "loss", value: 0.9, timestamp: 1 },
      { name: "auc", value: 0.7, timestamp: 1 },
    ]);
    // Two matches on one line are two values, in order.
    expect(parser.line("loss: 0.5 then loss: 2.5e-1", 2).map((v) => v.value)).toEqual([0.5, 0.25]);
    expect(parser.final()).toEqual([
      { name: "loss", value: 0.25, timestamp: 2 },
      { name: "auc", value: 0.7, timestamp: 1 },
    ]);
  });

  it("ignores a match whose group is not a float", () => {
    const parser = createMetricParser(defs);
    expect(parser.line("auc=n/a", 1)).toEqual([]);
    expect(parser.line("auc=0.8x", 2)).toEqual([]);
    expect(parser.line("auc=-.5", 3)).toEqual([{ name: "auc", value: -0.5, timestamp: 3 }]);
    expect(parser.final()).toEqual([{ name: "auc", value: -0.5, timestamp: 3 }]);
  });

  it("has no final value for a metric never seen", () => {
    expect(createMetricParser(defs).final()).toEqual([]);
  });
});
