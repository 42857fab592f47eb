import { describe, expect, it } from "vitest";
import { lcg } from "../test/data.js";
import { viewOf } from "./copy-bytes.js";
import { copyFindingCommas } from "./csv-bytes.js";

describe("copyFindingCommas", () => {
  it("copies the line and finds the same commas as a byte-by-byte search, wherever they fall in a 4-byte word", () => {
    const rand = lcg(11);
    // Commas next to each other, bytes just around ',' (0x2b, 0x2d), high bytes, and short lines.
    const alphabet = [0x2c, 0x2c, 0x2c, 0x2b, 0x2d, 0x30, 0x39, 0x2e, 0xac, 0xff, 0x00, 0x0d];
    for (let k = 0; k < 20_000; k++) {
      const width = 1 + Math.floor(rand() * 6);
      const lead = Math.floor(rand() * 4);
      const length = Math.floor(rand() * 24);
      const line = Array.from(
        { length: lead + length },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      );
      const bytes = Uint8Array.from(line as number[]);
      const expected = [lead - 1];
      for (let i = lead; i < bytes.length; i++) if (bytes[i] === 0x2c) expected.push(i);
      const commas = new Int32Array(width + 1);
      const out = new Uint8Array(bytes.length + 3);
      const fields = copyFindingCommas(viewOf(bytes), lead, bytes.length, commas, width, viewOf(out), 3);
      expect([...out.subarray(3, 3 + length)]).toEqual([...bytes.subarray(lead)]);
      expect(fields, String(line)).toBe(expected.length);
      expect([...commas.subarray(0, Math.min(fields, width))], String(line)).toEqual(
        expected.slice(0, width),
      );
    }
  });
});
