import { describe, expect, it } from "vitest";
import { isMlshipError, type MlshipError } from "../errors.js";
import { decodeJson, encodeJson } from "./json.js";

function caught(fn: () => unknown): MlshipError {
  try {
    fn();
  } catch (e) {
    if (isMlshipError(e)) return e;
    throw e;
  }
  throw new Error("expected a throw");
}

describe("encodeJson", () => {
  it("writes an array of rows, or the instances wrapper", () => {
    expect(
      encodeJson([
        [1, 2],
        [3, 4],
      ]),
    ).toBe("[[1,2],[3,4]]");
    expect(encodeJson([[1, "a", null, true]], { shape: "instances" })).toBe(
      '{"instances":[[1,"a",null,true]]}',
    );
    expect(encodeJson([0.5, 0.25])).toBe("[0.5,0.25]");
  });

  it("refuses NaN and Infinity with their position", () => {
    const e = caught(() =>
      encodeJson([
        [1, 2],
        [3, Number.NaN],
      ]),
    );
    expect(e.code).toBe("E_INVALID_INPUT");
    expect(e.where).toBe("row 1, column 1");
    expect(caught(() => encodeJson([1, Number.POSITIVE_INFINITY])).where).toBe("row 1");
  });
});

describe("decodeJson", () => {
  it("reads the response shapes sklearn containers return", () => {
    expect(decodeJson("[0.1, 0.9]")).toEqual([0.1, 0.9]);
    expect(decodeJson("[[0.2, 0.8], [0.7, 0.3]]")).toEqual([
      [0.2, 0.8],
      [0.7, 0.3],
    ]);
    expect(decodeJson('{"predictions": [1, 0, 1]}')).toEqual([1, 0, 1]);
    expect(decodeJson('{"instances": [[1, 2]]}')).toEqual([[1, 2]]);
    expect(decodeJson("0.75")).toEqual([0.75]);
  });

  it("names the position of a syntax error", () => {
    const e = caught(() => decodeJson("[1, 2,, 3]"));
    expect(e.code).toBe("E_CODEC");
    expect(e.where).toBe("character 6");
  });

  it("rejects shapes that are not values or rows", () => {
    expect(caught(() => decodeJson('{"label": 1}')).code).toBe("E_CODEC");
    expect(caught(() => decodeJson("[[1, [2]]]")).where).toBe("$[0][1]");
    expect(caught(() => decodeJson("[[1], 2]")).where).toBe("$[1]");
    expect(caught(() => decodeJson("[1, [2]]")).where).toBe("$[1]");
    expect(caught(() => decodeJson('{"predictions": [{"score": 1}]}')).where).toBe("predictions[0]");
  });
});
