import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@mlship/testing";
import { describe, expect, it } from "vitest";
import { readRecords } from "./lines.js";

async function records(path: string, options: Parameters<typeof readRecords>[2] = {}) {
  const out: Array<[string, number, number]> = [];
  for await (const _ of readRecords(path, (r, end, _a, _q, line) => out.push([r, end, line]), options)) {
    // records arrive through the callback
  }
  return out;
}

describe("readRecords", () => {
  const text = 'h\n"a\r\nb",é\n\nx,"y""z"\nlast';
  const expected: Array<[string, number, number]> = [
    ["h", 2, 1],
    ['"a\r\nb",é', 12, 2],
    ['x,"y""z"', 22, 5],
    ["last", 26, 6],
  ];

  it("gives byte offsets and file lines, whatever the chunk size (characters split across chunks)", async () => {
    const path = join(tempDir("mlship-lines-"), "a.csv");
    await writeFile(path, text);
    for (const highWaterMark of [1, 2, 3, 5, 64]) {
      expect(await records(path, { quotes: true, highWaterMark })).toEqual(expected);
    }
  });

  it("counts lines from the start of the file when it starts part-way (a resume)", async () => {
    const path = join(tempDir("mlship-lines-"), "a.csv");
    await writeFile(path, text);
    expect(await records(path, { quotes: true, start: 12 })).toEqual(expected.slice(2));
  });

  it("names the line and byte offset of invalid UTF-8, also when it follows a split character", async () => {
    const path = join(tempDir("mlship-lines-"), "a.csv");
    await writeFile(
      path,
      Buffer.concat([Buffer.from("a\nbé\nc"), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]),
    );
    for (const highWaterMark of [1, 4, 64]) {
      await expect(records(path, { highWaterMark })).rejects.toMatchObject({
        code: "E_INVALID_INPUT",
        details: { line: 3, byteOffset: 7 },
      });
    }
    // A character cut off by the end of the file.
    await writeFile(path, Buffer.from([0x61, 0x0a, 0xe2, 0x82]));
    await expect(records(path)).rejects.toMatchObject({ details: { line: 2, byteOffset: 2 } });
  });

  it("reads other encodings when asked; refuses ones whose newline is not the byte 0x0a", async () => {
    const path = join(tempDir("mlship-lines-"), "a.csv");
    await writeFile(path, Buffer.from([0x61, 0x80, 0x0a, 0xe9, 0x0a]));
    expect(await records(path, { encoding: "windows-1252" })).toEqual([
      ["a\u20ac", 3, 1],
      ["\u00e9", 5, 2],
    ]);
    expect(await records(path, { encoding: "latin1" })).toEqual([
      ["a\u0080", 3, 1],
      ["\u00e9", 5, 2],
    ]);
    await expect(records(path, { encoding: "utf-16le" })).rejects.toMatchObject({ code: "E_INVALID_INPUT" });
    await expect(records(path, { encoding: "klingon" })).rejects.toMatchObject({ code: "E_INVALID_INPUT" });
  });

  it("stops at an open quote too long to be a field, at the line it opens on", async () => {
    const path = join(tempDir("mlship-lines-"), "a.csv");
    await writeFile(path, `a\n"b\n${"c\n".repeat(100)}`);
    await expect(records(path, { quotes: true, maxRecordBytes: 50 })).rejects.toMatchObject({
      details: { line: 2 },
    });
    const failed: number[] = [];
    const got = await records(path, {
      quotes: true,
      maxRecordBytes: 50,
      onUnterminated: (_l, _e, n) => failed.push(n),
    });
    expect(failed).toEqual([2]);
    expect(got).toHaveLength(101);
    expect(got[1]).toEqual(["c", 7, 3]);
  });
});
