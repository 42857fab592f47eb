import { describe, expect, it } from "vitest";
import { isMlshipError } from "../errors.js";
import { decodeCsv, encodeCsv } from "./csv.js";

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return isMlshipError(e) ? { code: e.code, where: e.where, message: e.message } : e;
  }
  throw new Error("expected a throw");
}

describe("encodeCsv", () => {
  it("writes rows without a header, one line each", () => {
    expect(
      encodeCsv([
        [1, 2.5, -3e-7],
        [4, 5, 6],
      ]),
    ).toBe("1,2.5,-3e-7\n4,5,6\n");
  });

  it("writes 1-D values one per line", () => {
    expect(encodeCsv([0.1, 0.9])).toBe("0.1\n0.9\n");
  });

  it("quotes per RFC 4180 and keeps strings distinguishable from numbers", () => {
    const line = encodeCsv([
      ["a,b", 'say "hi"', "two\nlines", "42", "", "true", " pad", "plain", null, true, Number.NaN],
    ]);
    expect(line).toBe('"a,b","say ""hi""","two\nlines","42","","true"," pad",plain,,true,nan\n');
  });

  it("round-trips through decodeCsv", () => {
    const rows = [
      ["x,y", 1, null, false, "007", Number.POSITIVE_INFINITY],
      ['q"', -0.5, "", true, "a b", Number.NEGATIVE_INFINITY],
    ];
    expect(decodeCsv(encodeCsv(rows))).toEqual(rows);
  });

  it("rejects ragged rows naming the row", () => {
    expect(codeOf(() => encodeCsv([[1, 2], [3], [4, 5]]))).toMatchObject({
      code: "E_INVALID_INPUT",
      where: "row 1",
    });
  });

  it("rejects a mix of rows and scalars", () => {
    expect(codeOf(() => encodeCsv([[1], 2] as never))).toMatchObject({
      code: "E_INVALID_INPUT",
      where: "row 1",
    });
  });

  it("rejects cells that are not Cells with their position", () => {
    expect(codeOf(() => encodeCsv([[1, { a: 1 } as never]]))).toMatchObject({
      code: "E_INVALID_INPUT",
      where: "row 0, column 1",
    });
  });
});

describe("decodeCsv", () => {
  it("keeps every field as its text with raw (header rows)", () => {
    expect(decodeCsv('01,True,nan,"a,b",,1.0\n', { raw: true })).toEqual([
      ["01", "True", "nan", "a,b", "", "1.0"],
    ]);
  });

  it("turns numeric fields into numbers and keeps quoted fields as strings", () => {
    expect(decodeCsv('1,2.5,"3",abc,,nan,-inf,TRUE\r\n')).toEqual([
      [1, 2.5, "3", "abc", null, Number.NaN, Number.NEGATIVE_INFINITY, true],
    ]);
  });

  it("reads padded numbers as numbers", () => {
    expect(decodeCsv("1, 2.5 ,x \n")).toEqual([[1, 2.5, "x "]]);
  });

  it("reads sklearn-style prediction output", () => {
    expect(decodeCsv("0.1\n0.9\n")).toEqual([[0.1], [0.9]]);
    expect(decodeCsv("1.0,2.0\n3.0,4.0")).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("handles a BOM, blank lines and an empty body", () => {
    expect(decodeCsv("\uFEFF1,2\n\n3,4\n")).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(decodeCsv("")).toEqual([]);
  });

  it("rejects ragged rows naming the row", () => {
    expect(codeOf(() => decodeCsv("1,2,3\n4,5,6\n7,8\n"))).toMatchObject({ code: "E_CODEC", where: "row 2" });
  });

  it("rejects an unclosed quote naming the line", () => {
    const e = codeOf(() => decodeCsv('1,2\n3,"4\n')) as { code: string; where: string };
    expect(e.code).toBe("E_CODEC");
    expect(e.where).toMatch(/^line \d+$/);
  });
});
