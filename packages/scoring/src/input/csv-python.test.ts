import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMlshipError } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sklearnPython } from "../test/python.js";
import { openCsvInput } from "./csv.js";

// What Python's csv module (strict=True, as pandas also reads) makes of each file: its rows (blank lines
// dropped), and, if it refuses the file, the line the refused record starts on and the line it stopped at.
const PYTHON_CSV = `
import csv, json, sys
out = []
for path in json.load(sys.stdin):
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f, strict=True)
        rows, lines, line, error = [], [], 0, None
        try:
            for row in r:
                if row:
                    rows.append(row)
                    lines.append(line + 1)
                line = r.line_num
        except csv.Error as e:
            error = {"line": line + 1, "at": r.line_num, "message": str(e)}
        out.append({"rows": rows, "lines": lines, "error": error})
print(json.dumps(out))
`;

const plain = fc.stringMatching(/^(?:[ab é]{1,4}(?:"[ab]{0,2})?)?$/); // unquoted: a quote only after its start
const quoted = fc
  .array(fc.constantFrom("a", "b", " ", ",", '"', "\n", "\r\n", "é", ""), { maxLength: 6 })
  .map((parts) => parts.join(""));
const field = fc.oneof(
  plain.map((text) => ({ text, raw: text })),
  quoted.map((text) => ({ text, raw: `"${text.replaceAll('"', '""')}"` })),
);

/** A CSV file as text, and whether (and before which row) it has a quote that is never closed. */
const csvFile = fc
  .record({
    width: fc.integer({ min: 2, max: 4 }),
    rows: fc.integer({ min: 0, max: 12 }),
    eol: fc.constantFrom("\n", "\r\n"),
    bom: fc.boolean(),
    finalEol: fc.boolean(),
    blankAfter: fc.option(fc.nat(12)),
    unterminatedAt: fc.option(fc.nat(12), { freq: 3 }),
  })
  .chain((shape) =>
    fc
      .array(fc.array(field, { minLength: shape.width, maxLength: shape.width }), {
        minLength: shape.rows,
        maxLength: shape.rows,
      })
      .map((rows) => {
        const lines = [Array.from({ length: shape.width }, (_, i) => `c${i}`).join(",")];
        rows.forEach((r, i) => {
          if (shape.unterminatedAt === i) lines.push(`"never closed,${"x,".repeat(shape.width - 2)}x`);
          lines.push(r.map((f) => f.raw).join(","));
          if (shape.blankAfter === i) lines.push("");
        });
        if (shape.unterminatedAt !== null && shape.unterminatedAt >= rows.length) lines.push('"open');
        const text = lines.join(shape.eol) + (shape.finalEol ? shape.eol : "");
        return (shape.bom ? "\ufeff" : "") + text;
      }),
  );

/** The scorer's CSV reader: every row's cells as text (empty for a missing value), or its refusal. */
async function readWithScorer(path: string): Promise<{ rows: string[][]; error?: { line: number } }> {
  const rows: string[][] = [];
  try {
    const input = await openCsvInput({
      path,
      keep: "all",
      keepAs: "json",
      encoding: { kind: "row", encode: (row) => row, bytes: () => 1 },
      maxRows: 1,
      maxBytes: 1 << 20,
      overheadBytes: 0,
    });
    rows.push([...input.columns]);
    for await (const batch of input.batches()) {
      batch.keep?.forEach((keep, i) => {
        // A record with the wrong number of fields is that row's error (Python returns it as it is).
        if (batch.errors?.[i]) rows.push([`error: ${batch.errors[i]?.message}`]);
        else {
          const cells = keep as Record<string, unknown>;
          rows.push(input.columns.map((c) => (cells[c] === null ? "" : String(cells[c]))));
        }
      });
    }
  } catch (error) {
    if (isMlshipError(error) && error.code === "E_INVALID_INPUT" && typeof error.details?.line === "number")
      return { rows, error: { line: error.details.line } };
    throw error;
  }
  return { rows };
}

describe("the scorer's CSV reader agrees with Python's csv module", () => {
  it("on generated files: quotes, doubled quotes, CRLF, a BOM, line breaks in fields, empty fields, an unterminated quote", async () => {
    const dir = tempDir("mlship-csv-prop-");
    const files = fc.sample(csvFile, { numRuns: 300, seed: 14 });
    const paths = files.map((_, i) => join(dir, `f${i}.csv`));
    await Promise.all(files.map((text, i) => writeFile(paths[i] as string, text)));
    const python = JSON.parse(
      execFileSync(sklearnPython(), ["-c", PYTHON_CSV], { input: JSON.stringify(paths) }).toString(),
    ) as Array<{
      rows: string[][];
      lines: number[];
      error: { line: number; at: number; message: string } | null;
    }>;
    let refused = 0;
    for (const [i, path] of paths.entries()) {
      const want = python[i] as (typeof python)[number];
      const width = want.rows[0]?.length ?? 0;
      want.rows = want.rows.map((r, k) =>
        k > 0 && r.length !== width
          ? [`error: Line ${want.lines[k]}: the record has ${r.length} field(s); the header has ${width}`]
          : r,
      );
      const got = await readWithScorer(path);
      const context = JSON.stringify(files[i]);
      if (want.error) {
        refused++;
        expect(want.error.message, context).toMatch(/unexpected end of data|',' expected after '"'/);
        const rowError = got.rows[want.rows.length]?.[0];
        if (got.error) {
          // The scorer stopped at the line the broken quoted field opens on; rows before it are Python's.
          expect(got.error, context).toEqual({ line: want.error.line });
          expect(want.rows.slice(0, got.rows.length), context).toEqual(got.rows);
        } else {
          // A quoted field closed by a quote not followed by a comma on its own line (`"ab"c`): that row alone
          // fails, naming the line Python names; every row before it is Python's.
          expect(rowError, context).toBe(`error: Line ${want.error.at}: ',' expected after '"'`);
          expect(got.rows.slice(0, want.rows.length), context).toEqual(want.rows);
        }
      } else {
        expect(got, context).toEqual({ rows: want.rows });
      }
    }
    // The generator must exercise both outcomes.
    expect(refused).toBeGreaterThan(20);
    expect(refused).toBeLessThan(files.length - 20);
  }, 60_000);
});
