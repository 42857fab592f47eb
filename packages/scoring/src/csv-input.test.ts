import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHttpInvoker, decodeCsv } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createModelSource } from "./model-source.js";
import { score } from "./score.js";
import { BINARY, dataset } from "./test/data.js";
import { startTestServer } from "./test/model-server.js";

let dir: string;
const cleanup: Array<() => Promise<void>> = [];
beforeEach(() => {
  dir = tempDir("mlship-csv-input-");
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function model(features: string[]) {
  const server = await startTestServer(BINARY);
  const invoker = createHttpInvoker({ url: server.url, retries: 0 });
  cleanup.push(
    () => server.close(),
    () => invoker.close(),
  );
  return createModelSource({ invoker, features });
}

const rowsOf = async (path: string) =>
  decodeCsv(await readFile(path, "utf8"), { raw: true })
    .slice(1)
    .map((r) => r.map((c) => String(c ?? "")));

describe("score: CSV input alignment and encoding", () => {
  const n = 20_000;
  const d = dataset(BINARY, n, 14);
  // Line 1 is the header; row i is on line i + 2: `"broken name` opens a quote on line 14 (row 12).
  const lines = d.rows.map((r, i) => [i === 12 ? `"broken name` : `r${i}`, ...r, d.labels[i]].join(","));
  const text = `id,f0,f1,f2,f3,target\n${lines.join("\n")}\n`;

  it("stops at the line of a quote that is never closed, instead of merging rows and shifting the output", async () => {
    const data = join(dir, "data.csv");
    await writeFile(data, text);
    const run = score({ model: await model(d.features), data, out: join(dir, "scores.csv"), keep: ["id"] });
    await expect(run).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
      where: `${data}:14`,
      details: expect.objectContaining({ line: 14 }),
    });
  });

  it("with lenient quotes, fails that line alone and keeps every other row aligned", async () => {
    const data = join(dir, "data.csv");
    await writeFile(data, text);
    const out = join(dir, "scores.csv");
    const summary = await score({
      model: await model(d.features),
      data,
      out,
      keep: ["id"],
      label: "target",
      lenientQuotes: true,
    });
    expect(summary).toMatchObject({ rows: n, failed: 1 });
    expect(summary.reasons).toEqual([expect.objectContaining({ code: "E_INVALID_INPUT", firstRow: 12 })]);
    const rows = await rowsOf(out);
    expect(rows).toHaveLength(n);
    expect(rows[12]).toEqual([
      "",
      "",
      "E_INVALID_INPUT: Line 14: a quoted field opens here and is never closed properly",
    ]);
    rows.forEach((r, i) => {
      if (i === 12) return;
      expect(r[0]).toBe(`r${i}`);
      expect(Number(r[1])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
  });

  it("names absolute file lines in row errors, counting line breaks inside quoted fields", async () => {
    const data = join(dir, "data.csv");
    const small = d.rows
      .slice(0, 10)
      .map((r, i) => [i === 2 ? `"a\nb"` : `r${i}`, ...r, d.labels[i]].join(","));
    small[6] = "1,2"; // row 6: header (1) + rows 0-5 (7 lines, row 2 has two) = line 9
    await writeFile(data, `id,f0,f1,f2,f3,target\n${small.join("\n")}\n`);
    const summary = await score({ model: await model(d.features), data, batchSize: 3 });
    expect(summary.results?.[6]).toMatchObject({
      code: "E_INVALID_INPUT",
      message: expect.stringMatching(/^Line 9: /),
    });
  });

  it("refuses input that is not UTF-8 with its line and byte offset, and reads it with an explicit encoding", async () => {
    const data = join(dir, "data.csv");
    const head = Buffer.from(`id,f0,f1,f2,f3,target\n${lines.slice(0, 3).join("\n")}\n`);
    const bad = Buffer.from([0xff, 0xfe]);
    const tail = Buffer.from(
      `x,${(d.rows[3] as number[]).join(",")},${d.labels[3]}\n${lines.slice(4, 10).join("\n")}\n`,
    );
    await writeFile(data, Buffer.concat([head, bad, tail]));
    const m = await model(d.features);
    const out = join(dir, "scores.csv");
    await expect(score({ model: m, data, out, keep: ["id"] })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
      where: `${data}:5`,
      details: { line: 5, byteOffset: head.length, encoding: "utf-8" },
    });
    const summary = await score({ model: m, data, out, keep: ["id"], encoding: "latin1" });
    expect(summary).toMatchObject({ rows: 10, failed: 0 });
    expect((await rowsOf(out))[3]?.[0]).toBe("\u00ff\u00fex");
  });
});
