// The encoder's output must load in real numpy unchanged: write files, load them in python, compare.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNpy, type NdArray } from "./npy.js";
import type { Values } from "./values.js";

function findNumpyPython(): string | undefined {
  const candidates = [process.env.MLSHIP_PYTHON, "/usr/bin/python3", "python3"].filter(
    (c): c is string => !!c,
  );
  return candidates.find(
    (c) => spawnSync(c, ["-c", "import numpy"], { stdio: "ignore", timeout: 20_000 }).status === 0,
  );
}

const python = findNumpyPython();
// On CI numpy is installed by .ci/run, so a missing one is a failure there rather than a skip.
const skip = !python && !process.env.CI;

const LOAD = `
import json, math, sys
import numpy as np
def cell(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return repr(v)
    return v
def plain(x):
    return [plain(v) for v in x] if isinstance(x, list) else cell(x)
out = {}
for path in sys.argv[1:]:
    a = np.load(path, allow_pickle=False)
    out[path.rsplit("/", 1)[-1]] = {"dtype": a.dtype.str, "shape": list(a.shape),
        "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous and a.ndim > 1), "values": plain(a.tolist())}
print(json.dumps(out))
`;

const cases: Record<
  string,
  { input: NdArray | Values; options?: Parameters<typeof encodeNpy>[1]; dtype: string; values: unknown }
> = {
  "rows_f8.npy": {
    input: [
      [1.5, -2],
      [3, 4.25],
    ],
    dtype: "<f8",
    values: [
      [1.5, -2],
      [3, 4.25],
    ],
  },
  "specials_f8.npy": {
    input: [Number.NaN, Number.POSITIVE_INFINITY, null],
    dtype: "<f8",
    values: ["nan", "inf", "nan"],
  },
  "col_f4_be.npy": { input: [0.5, 0.25], options: { dtype: ">f4" }, dtype: ">f4", values: [0.5, 0.25] },
  "i1.npy": { input: [-128, 127], options: { dtype: "|i1" }, dtype: "|i1", values: [-128, 127] },
  "i2_be.npy": { input: [[-300, 300]], options: { dtype: ">i2" }, dtype: ">i2", values: [[-300, 300]] },
  "i4.npy": { input: [[1, 2, 3]], options: { dtype: "<i4" }, dtype: "<i4", values: [[1, 2, 3]] },
  "i8_be.npy": {
    input: [-(2 ** 53), 2 ** 53],
    options: { dtype: ">i8" },
    dtype: ">i8",
    values: [-(2 ** 53), 2 ** 53],
  },
  "u1.npy": { input: [0, 255], options: { dtype: "|u1" }, dtype: "|u1", values: [0, 255] },
  "u2.npy": { input: [65535], options: { dtype: "<u2" }, dtype: "<u2", values: [65535] },
  "u4_be.npy": { input: [4294967295], options: { dtype: ">u4" }, dtype: ">u4", values: [4294967295] },
  "u8.npy": { input: [2 ** 53], options: { dtype: "<u8" }, dtype: "<u8", values: [2 ** 53] },
  "bool.npy": {
    input: [
      [true, false],
      [false, true],
    ],
    dtype: "|b1",
    values: [
      [true, false],
      [false, true],
    ],
  },
  "fortran_i4.npy": {
    input: { dtype: "<i4", shape: [2, 3], fortranOrder: true, data: new Int32Array([1, 4, 2, 5, 3, 6]) },
    dtype: "<i4",
    values: [
      [1, 2, 3],
      [4, 5, 6],
    ],
  },
  "scalar_f8.npy": {
    input: { dtype: "<f8", shape: [], fortranOrder: false, data: new Float64Array([2.5]) },
    dtype: "<f8",
    values: 2.5,
  },
  "empty_2d.npy": {
    input: { dtype: "<f8", shape: [0, 3], fortranOrder: false, data: new Float64Array(0) },
    dtype: "<f8",
    values: [],
  },
  "v2.npy": { input: [1, 2], options: { version: 2 }, dtype: "<f8", values: [1, 2] },
  "v3.npy": { input: [3], options: { version: 3, dtype: "<i8" }, dtype: "<i8", values: [3] },
};

describe.skipIf(skip)("encodeNpy output loaded by numpy", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlship-npy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds a python with numpy", () => {
    expect(python, "no python with numpy (set MLSHIP_PYTHON)").toBeDefined();
  });

  it("loads every encoded file with the same dtype, shape, order and values", () => {
    const paths = Object.entries(cases).map(([name, c]) => {
      const path = join(dir, name);
      writeFileSync(path, encodeNpy(c.input, c.options));
      return path;
    });
    const out = JSON.parse(
      execFileSync(python as string, ["-c", LOAD, ...paths], { encoding: "utf8", timeout: 60_000 }),
    ) as Record<string, { dtype: string; shape: number[]; fortran: boolean; values: unknown }>;
    for (const [name, c] of Object.entries(cases)) {
      const got = out[name];
      expect(got, name).toBeDefined();
      expect(got?.dtype, name).toBe(c.dtype);
      expect(got?.values, name).toEqual(c.values);
      if (!Array.isArray(c.input)) {
        expect(got?.shape, name).toEqual(c.input.shape);
        expect(got?.fortran, name).toBe(c.input.fortranOrder);
      }
    }
  });
});
