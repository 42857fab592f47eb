import { isMlshipError } from "@mlship/core";
import { parse as parseCsvSync } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvCell, csvTextToValue, jsonCell } from "./cells.js";
import { batched, checkColumns, encodeTable, outputOrder, rowValues, type TableStats } from "./table.js";

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  let out = "";
  for await (const c of chunks) out += c.toString("utf8");
  return out;
}

const where = (i: number) => `rows[${i}]`;

describe("cells", () => {
  it("writes CSV cells like pandas reads them", () => {
    expect(csvCell(1.5)).toBe("1.5");
    expect(csvCell(-0)).toBe("0");
    expect(csvCell(1e21)).toBe("1e+21");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(Number.POSITIVE_INFINITY)).toBe("inf");
    expect(csvCell(Number.NEGATIVE_INFINITY)).toBe("-inf");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(true)).toBe("true");
    expect(csvCell(12345678901234567890n)).toBe("12345678901234567890");
    expect(csvCell(new Date(Date.UTC(2024, 1, 29, 12)))).toBe("2024-02-29T12:00:00.000Z");
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("plain text")).toBe("plain text");
  });

  it("writes JSON cells and refuses what JSON cannot hold", () => {
    expect(jsonCell(2)).toBe("2");
    expect(jsonCell('a"b')).toBe('"a\\"b"');
    expect(jsonCell(null)).toBe("null");
    expect(jsonCell(undefined)).toBe("null");
    expect(jsonCell(false)).toBe("false");
    expect(jsonCell(10n ** 20n)).toBe("100000000000000000000");
    expect(() => jsonCell(Number.NaN)).toThrow(/NaN is not valid JSON/);
    expect(() => jsonCell(Number.POSITIVE_INFINITY)).toThrow(/Infinity is not valid JSON/);
  });

  it("refuses objects, arrays, functions, symbols and invalid dates in both formats", () => {
    for (const cell of [csvCell, jsonCell]) {
      expect(() => cell({ a: 1 })).toThrow(/an object cannot be written/);
      expect(() => cell([1, 2])).toThrow(/an array cannot be written/);
      expect(() => cell(() => 1)).toThrow(/a function cannot be written/);
      expect(() => cell(Symbol("s"))).toThrow(/a symbol cannot be written/);
      expect(() => cell(new Map())).toThrow(/a Map cannot be written/);
      expect(() => cell(new Date(Number.NaN))).toThrow(/invalid Date/);
    }
  });

  it("types CSV text for JSON: numbers kept verbatim, empty as null", () => {
    expect(jsonCell(csvTextToValue("12345678901234567890"))).toBe("12345678901234567890");
    expect(jsonCell(csvTextToValue("-1.5e3"))).toBe("-1.5e3");
    expect(jsonCell(csvTextToValue(""))).toBe("null");
    expect(jsonCell(csvTextToValue("01"))).toBe('"01"'); // not a JSON number: a leading zero means an id
    expect(jsonCell(csvTextToValue("1."))).toBe('"1."');
    expect(jsonCell(csvTextToValue("NaN"))).toBe('"NaN"');
  });
});

describe("rowValues / checkColumns", () => {
  const columns = ["a", "b", "c"];
  it("orders values by the schema whatever the key order", () => {
    expect(rowValues({ c: 3, a: 1, b: 2 }, columns, "rows[1]")).toEqual([1, 2, 3]);
  });

  it("names the row and the missing or unexpected columns", () => {
    const e = (() => {
      try {
        rowValues({ a: 1, b: 2, d: 4 }, columns, "rows[7]");
      } catch (x) {
        return x;
      }
    })();
    expect(isMlshipError(e) && e.code).toBe("E_INVALID_INPUT");
    expect((e as Error).message).toBe(
      'rows[7] has different columns than the first row: missing "c"; unexpected "d"',
    );
    expect(isMlshipError(e) && e.where).toBe("rows[7]");
    expect(() => rowValues({ a: 1, b: 2, c: 3, d: 4 }, columns, "rows[2]")).toThrow(/unexpected "d"/);
    expect(() => rowValues({ a: 1 }, columns, "rows[3]")).toThrow(/missing "b", "c"/);
    expect(() => rowValues([1, 2, 3], columns, "rows[4]")).toThrow(/rows\[4\] is an array/);
    expect(() => rowValues(null, columns, "rows[5]")).toThrow(/rows\[5\] is null/);
  });

  it("refuses empty or duplicate column names", () => {
    expect(() => checkColumns([], "rows[0]")).toThrow(/no columns/);
    expect(() => checkColumns(["a", ""], "h")).toThrow(/non-empty strings/);
    expect(() => checkColumns(["a", "a"], "h")).toThrow(/"a" appears twice/);
  });

  it("moves the label column first or last", () => {
    expect(outputOrder(["x", "y", "label"], "label")).toEqual([2, 0, 1]);
    expect(outputOrder(["label", "x", "y"], "label", false)).toEqual([1, 2, 0]);
    expect(() => outputOrder(["x"], "target")).toThrow(/label column "target" is not in the data/);
  });
});

describe("encodeTable", () => {
  const rows = [
    [1, "a,b", true],
    [2.5, 'q"uote', null],
    [-3, "multi\nline", false],
  ];

  it("writes CSV with a header that csv-parse reads back to the same cells", async () => {
    const stats: TableStats = { rows: 0 };
    const csv = await text(
      encodeTable([rows], { format: "csv", header: true, columns: ["n", "s", "flag"], where }, stats),
    );
    expect(stats.rows).toBe(3);
    expect(csv).toBe('n,s,flag\n1,"a,b",true\n2.5,"q""uote",\n-3,"multi\nline",false\n');
    expect(parseCsvSync(csv)).toEqual([
      ["n", "s", "flag"],
      ["1", "a,b", "true"],
      ["2.5", 'q"uote', ""],
      ["-3", "multi\nline", "false"],
    ]);
  });

  it("writes headerless CSV with the label first, as built-in algorithms expect", async () => {
    const csv = await text(
      encodeTable(
        [
          [
            [0.1, 0.2, 1],
            [0.3, 0.4, 0],
          ],
        ],
        { format: "csv", header: false, columns: ["f1", "f2", "target"], labelColumn: "target", where },
        { rows: 0 },
      ),
    );
    expect(csv).toBe("1,0.1,0.2\n0,0.3,0.4\n");
  });

  it("writes JSON Lines in column order (label last on request) that JSON.parse reads back", async () => {
    const jsonl = await text(
      encodeTable(
        [rows],
        {
          format: "jsonl",
          header: true,
          columns: ["n", "s", "flag"],
          labelColumn: "n",
          labelFirst: false,
          where,
        },
        { rows: 0 },
      ),
    );
    const lines = jsonl.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe('{"s":"a,b","flag":true,"n":1}');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { s: "a,b", flag: true, n: 1 },
      { s: 'q"uote', flag: null, n: 2.5 },
      { s: "multi\nline", flag: false, n: -3 },
    ]);
  });

  it("stops at a cell it cannot write, naming the row and column", async () => {
    const stats: TableStats = { rows: 0 };
    const bad = [
      [1, 2],
      [3, Number.NaN],
    ];
    const error = await text(
      encodeTable([bad], { format: "jsonl", header: true, columns: ["a", "b"], where }, stats),
    ).catch((e: unknown) => e);
    expect(isMlshipError(error) && error.where).toBe('rows[1], column "b"');
    expect((error as Error).message).toMatch(/NaN is not valid JSON/);
  });

  it("streams: chunks of about 1 MiB from an async iterable, never the whole table", async () => {
    async function* many() {
      for (let i = 0; i < 200_000; i++) yield [i, `row-${i}`, i % 2 === 0];
    }
    let chunks = 0;
    let largest = 0;
    let bytes = 0;
    const stats: TableStats = { rows: 0 };
    for await (const chunk of encodeTable(
      batched(many()),
      { format: "csv", header: true, columns: ["i", "s", "b"], where },
      stats,
    )) {
      chunks++;
      largest = Math.max(largest, chunk.length);
      bytes += chunk.length;
    }
    expect(stats.rows).toBe(200_000);
    expect(chunks).toBeGreaterThan(3);
    expect(largest).toBeLessThan(1.1 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
  });
});
