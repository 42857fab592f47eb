import { describe, expect, it } from "vitest";
import { lcg } from "../test/data.js";
import { writeNumberText } from "./number-text.js";

/** Random doubles of every kind: any bit pattern, short decimals of any scale, their negatives and ratios. */
function doubles(seed: number, count: number): number[] {
  const rand = lcg(seed);
  const bits = new Uint32Array(2);
  const f64 = new Float64Array(bits.buffer);
  const xs = [0, -0, 1e-6, 9.99e-7, 2 ** 21, 2 ** 21 - 1e-8, 0.1 + 0.2, 1 / 3, 5e-324, 1e21, 123456.789];
  while (xs.length < count) {
    bits[0] = Math.floor(rand() * 2 ** 32);
    bits[1] = Math.floor(rand() * 2 ** 32);
    if (Number.isFinite(f64[0])) xs.push(f64[0] as number);
    const decimal = Number(((rand() - 0.5) * 10 ** Math.floor(rand() * 9)).toFixed(Math.floor(rand() * 10)));
    xs.push(decimal, -decimal, decimal / 7, decimal * 1e-3);
  }
  return xs;
}

describe("writeNumberText", () => {
  it("writes String(x), or declines with -1", () => {
    const out = new Uint8Array(32);
    let written = 0;
    for (const x of doubles(5, 200_000)) {
      const end = writeNumberText(out, 3, x);
      if (end === -1) continue;
      written++;
      expect(Buffer.from(out.subarray(3, end)).toString("latin1"), String(x)).toBe(String(x));
    }
    // Most short decimals take the fast path (a test that never writes would prove nothing).
    expect(written).toBeGreaterThan(50_000);
  });
});
