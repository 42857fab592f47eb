import { describe, expect, it } from "vitest";
import { OutputFormatter } from "./output.js";
import { plainProbabilityList, scoreTexts } from "./score-texts.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("plainProbabilityList", () => {
  it("reads JS and Python JSON lists of probabilities and keeps each number's text", () => {
    const js = plainProbabilityList(bytes("[0.1,0.93,1,0,1.0,0.000012]"));
    expect(js).toEqual([0.1, 0.93, 1, 0, 1, 0.000012]);
    const python = plainProbabilityList(bytes("[0.1, 3.4e-05, 0.99]\n"));
    expect(python).toEqual([0.1, 3.4e-5, 0.99]);
    expect(scoreTexts(python as number[])).toEqual(["0.1", "3.4e-05", "0.99"]);
  });

  it("leaves every other body to the general decoder", () => {
    for (const body of [
      "[1.5]",
      "[NaN]",
      "[-0.0]",
      "[5e-0]",
      "[1e2]",
      "[0.1,]",
      "[]",
      "[ 0.1]",
      "[[0.1,0.9]]",
      '{"predictions":[0.1]}',
      "0.1\n0.2\n",
      "[0x1]",
    ]) {
      expect(plainProbabilityList(bytes(body)), body).toBeUndefined();
    }
  });

  it("CSV output carries the model's texts as they came; other results are formatted from numbers", () => {
    const fmt = new OutputFormatter("csv", [], "binary");
    const read = plainProbabilityList(bytes("[0.25, 3.4e-05]")) as number[];
    expect(fmt.binaryRows(read)).toBe("0.25,\n3.4e-05,\n");
    // The same values built elsewhere (e.g. joined after a split) have no texts: String(x) form.
    expect(fmt.binaryRows([0.25, 3.4e-5])).toBe("0.25,\n0.000034,\n");
  });
});
