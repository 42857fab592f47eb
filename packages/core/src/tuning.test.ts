import { describe, expect, it } from "vitest";
import { parseRange } from "./tuning.js";

describe("parseRange (the CLI's --range)", () => {
  it("reads continuous, integer and categorical ranges with their scaling", () => {
    expect(parseRange("C=continuous:0.001:100:log")).toEqual([
      "C",
      { type: "continuous", min: 0.001, max: 100, scaling: "Logarithmic" },
    ]);
    expect(parseRange("max_iter=integer:50:500")).toEqual([
      "max_iter",
      { type: "integer", min: 50, max: 500 },
    ]);
    expect(parseRange("momentum=continuous:0.9:0.999:reverse-log")[1]).toMatchObject({
      scaling: "ReverseLogarithmic",
    });
    expect(parseRange("kernel=categorical:linear,rbf")).toEqual([
      "kernel",
      { type: "categorical", values: ["linear", "rbf"] },
    ]);
  });

  it("refuses what it cannot read, with an example", () => {
    expect(() => parseRange("C")).toThrow(/not name=type/);
    expect(() => parseRange("C=continuous:1")).toThrow(/not a range/);
    expect(() => parseRange("C=continuous:1:2:cubic")).toThrow(/Unknown scaling "cubic"/);
    expect(() => parseRange("C=uniform:1:2")).toThrow(
      expect.objectContaining({ code: "E_INVALID_INPUT", where: "--range" }),
    );
  });
});
