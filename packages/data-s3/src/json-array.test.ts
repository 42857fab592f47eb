import { describe, expect, it } from "vitest";
import { jsonArrayElements } from "./json-array.js";

async function elements(pieces: string[]): Promise<unknown[]> {
  async function* chunks() {
    for (const p of pieces) yield Buffer.from(p);
  }
  const out: unknown[] = [];
  for await (const e of jsonArrayElements(chunks(), "data.json")) out.push(e);
  return out;
}

/** Every way of cutting `text` into two chunks, including through a multi-byte character. */
function splits(text: string): string[][] {
  const bytes = Buffer.from(text);
  const out: string[][] = [];
  for (let i = 0; i <= bytes.length; i++) {
    out.push([bytes.subarray(0, i), bytes.subarray(i)].map((b) => b.toString("latin1")));
  }
  return out;
}

describe("jsonArrayElements", () => {
  const doc =
    '\ufeff [ {"a": 1, "s": "x,]}[\\"y"}, {"a": [1, {"b": 2}], "s": "é€"} ,\n {"a": null, "s": ""} ]\n';
  const expected = [
    { a: 1, s: 'x,]}["y' },
    { a: [1, { b: 2 }], s: "é€" },
    { a: null, s: "" },
  ];

  it("yields each element of the top-level array", async () => {
    expect(await elements([doc])).toEqual(expected);
  });

  it("finds the same elements however the bytes are chunked", async () => {
    for (const [a, b] of splits(doc)) {
      async function* chunks() {
        yield Buffer.from(a as string, "latin1");
        yield Buffer.from(b as string, "latin1");
      }
      const out: unknown[] = [];
      for await (const e of jsonArrayElements(chunks(), "data.json")) out.push(e);
      expect(out).toEqual(expected);
    }
  });

  it("accepts an empty array", async () => {
    expect(await elements(["[ ]"])).toEqual([]);
  });

  it("rejects what is not one complete array", async () => {
    await expect(elements(['{"a": 1}'])).rejects.toThrow(/expected a JSON array/);
    await expect(elements(['[{"a": 1}, {"a": 2}'])).rejects.toThrow(/not closed/);
    await expect(elements(['[{"a": 1},]'])).rejects.toThrow(/empty element at index 1/);
    await expect(elements(['[{"a": 1}, {"a": }]'])).rejects.toThrow(/element 1 is not valid JSON/);
    await expect(elements(["[1] [2]"])).rejects.toThrow(/after the closing/);
    await expect(elements([""])).rejects.toThrow(/empty/);
  });
});
