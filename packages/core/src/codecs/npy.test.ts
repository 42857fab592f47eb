import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isMlshipError, type MlshipError } from "../errors.js";
import { decodeNpy, encodeNpy, type NdArray, ndArrayToValues } from "./npy.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/npy/", import.meta.url));

interface Expected {
  dtype: string;
  shape: number[];
  fortran_order: boolean;
  values: unknown;
}

const special = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(special)
    : v === "nan"
      ? Number.NaN
      : v === "inf"
        ? Number.POSITIVE_INFINITY
        : v === "-inf"
          ? Number.NEGATIVE_INFINITY
          : v;

function caught(fn: () => unknown): MlshipError {
  try {
    fn();
  } catch (e) {
    if (isMlshipError(e)) return e;
    throw e;
  }
  throw new Error("expected a throw");
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -5));

describe("decodeNpy on files written by numpy", () => {
  it("has fixtures", () => {
    expect(fixtures.length).toBeGreaterThan(20);
  });

  it.each(fixtures)("%s decodes to numpy's own values", (name) => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as Expected;
    const array = decodeNpy(readFileSync(join(FIXTURES, `${name}.npy`)));
    expect(array.dtype).toBe(expected.dtype);
    expect(array.shape).toEqual(expected.shape);
    expect(array.fortranOrder).toBe(expected.fortran_order);
    const values = ndArrayToValues(array);
    const want = special(expected.values);
    expect(values).toEqual(expected.shape.length === 0 ? [want] : want);
  });

  it("decodes from an unaligned view into a larger buffer", () => {
    for (const name of ["f8_2d", "f8_2d_big_endian", "bool_1d"]) {
      const bytes = readFileSync(join(FIXTURES, `${name}.npy`));
      const host = new Uint8Array(bytes.length + 7);
      host.set(bytes, 3);
      expect(decodeNpy(host.subarray(3, 3 + bytes.length)), name).toEqual(decodeNpy(bytes));
    }
  });

  it("keeps negative zero and int64 as exact typed data", () => {
    const special8 = decodeNpy(readFileSync(join(FIXTURES, "f8_special.npy")));
    expect(Object.is((special8.data as Float64Array)[3], -0)).toBe(true);
    const i8 = decodeNpy(readFileSync(join(FIXTURES, "i8_le.npy")));
    expect(i8.data).toBeInstanceOf(BigInt64Array);
    expect((i8.data as BigInt64Array)[0]).toBe(-(2n ** 53n));
  });

  it.each([
    ["unsupported_f2", "<f2"],
    ["unsupported_c16", "<c16"],
    ["unsupported_str", "<U2"],
  ])("%s raises E_CODEC naming dtype %s", (name, dtype) => {
    const e = caught(() => decodeNpy(readFileSync(join(FIXTURES, `${name}.npy`))));
    expect(e.code).toBe("E_CODEC");
    expect(e.message).toContain(dtype);
    expect(e.details).toMatchObject({ dtype });
  });

  it("rejects structured dtypes", () => {
    const e = caught(() => decodeNpy(readFileSync(join(FIXTURES, "unsupported_struct.npy"))));
    expect(e.message).toMatch(/structured/);
  });
});

describe("decodeNpy on broken input", () => {
  const good = new Uint8Array(readFileSync(join(FIXTURES, "f8_2d.npy")));

  it("rejects a wrong magic string at its byte", () => {
    const bad = good.slice();
    bad[3] = 0x41;
    const e = caught(() => decodeNpy(bad));
    expect(e.code).toBe("E_CODEC");
    expect(e.message).toMatch(/magic/);
    expect(e.where).toBe("byte offset 3");
    expect(caught(() => decodeNpy(new TextEncoder().encode("1,2,3\n4,5,6\n"))).message).toMatch(/magic/);
  });

  it("rejects truncation in the preamble, the header and the data", () => {
    expect(caught(() => decodeNpy(good.slice(0, 7))).message).toMatch(/truncated/);
    expect(caught(() => decodeNpy(good.slice(0, 40))).message).toMatch(/truncated header/);
    const e = caught(() => decodeNpy(good.slice(0, good.length - 8)));
    expect(e.message).toMatch(/needs 96 data bytes but 88 follow the header \(truncated data\)/);
    expect(e.where).toBe("byte offset 128");
  });

  it("rejects a header whose shape lies about the data length", () => {
    const text = new TextDecoder("latin1").decode(good);
    const lying = new Uint8Array(Buffer.from(text.replace("(3, 4)", "(3, 5)"), "latin1"));
    const e = caught(() => decodeNpy(lying));
    expect(e.code).toBe("E_CODEC");
    expect(e.message).toContain("shape (3, 5) of <f8 needs 120 data bytes but 96");
    const extra = new Uint8Array(Buffer.from(text.replace("(3, 4)", "(2, 4)"), "latin1"));
    expect(caught(() => decodeNpy(extra)).message).toMatch(/does not match/);
  });

  it("rejects an unknown format version and a header without shape", () => {
    const v9 = good.slice();
    v9[6] = 9;
    expect(caught(() => decodeNpy(v9)).message).toMatch(/version 9/);
    const text = new TextDecoder("latin1").decode(good);
    const noShape = new Uint8Array(Buffer.from(text.replace("'shape'", "'shope'"), "latin1"));
    expect(caught(() => decodeNpy(noShape)).message).toMatch(/no 'shape'/);
  });
});

describe("encodeNpy", () => {
  it("writes a 64-byte aligned NPY 1.0 header", () => {
    const bytes = encodeNpy([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(bytes.slice(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.slice(10, 10 + headerLength))).toMatch(
      /^\{'descr': '<f8', 'fortran_order': False, 'shape': \(2, 2\), \} *\n$/,
    );
    expect(bytes.length).toBe(10 + headerLength + 32);
  });

  it("round-trips every dtype, byte order and layout through decodeNpy", () => {
    for (const name of fixtures) {
      const original = decodeNpy(readFileSync(join(FIXTURES, `${name}.npy`)));
      const again = decodeNpy(encodeNpy(original));
      expect(again, name).toEqual(original);
    }
  });

  it("converts values to the requested dtype and infers bool", () => {
    expect(decodeNpy(encodeNpy([1, 2, 3], { dtype: ">i2" }))).toEqual({
      dtype: ">i2",
      shape: [3],
      fortranOrder: false,
      data: new Int16Array([1, 2, 3]),
    });
    expect(decodeNpy(encodeNpy([true, false])).dtype).toBe("|b1");
    expect(ndArrayToValues(decodeNpy(encodeNpy([[1, null]])))).toEqual([[1, Number.NaN]]);
    expect(decodeNpy(encodeNpy([1], { version: 2 })).shape).toEqual([1]);
    const big = new BigUint64Array([2n ** 64n - 1n]);
    expect(
      (
        decodeNpy(encodeNpy({ dtype: "<u8", shape: [1], fortranOrder: false, data: big }))
          .data as BigUint64Array
      )[0],
    ).toBe(2n ** 64n - 1n);
  });

  it("switches to NPY 2.0 when the header outgrows 64 KiB", () => {
    const wide: NdArray = {
      dtype: "|u1",
      shape: new Array(25_000).fill(1),
      fortranOrder: false,
      data: new Uint8Array([7]),
    };
    const bytes = encodeNpy(wide);
    expect(bytes[6]).toBe(2);
    expect(decodeNpy(bytes).shape.length).toBe(25_000);
  });

  it("rejects values that do not fit the dtype, naming the cell", () => {
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => encodeNpy([[1, "a"]]), "row 0, column 1", /not a number/],
      [() => encodeNpy([1, 2.5], { dtype: "<i4" }), "row 1", /not an integer/],
      [() => encodeNpy([[300]], { dtype: "|u1" }), "row 0, column 0", /out of range/],
      [() => encodeNpy([-1], { dtype: "<u8" }), "row 0", /does not fit/],
      [() => encodeNpy([2], { dtype: "|b1" }), "row 0", /not a boolean/],
      [() => encodeNpy([[1, 2], [3]]), "row 1", /Ragged/],
    ];
    for (const [fn, where, message] of cases) {
      const e = caught(fn);
      expect(e.code).toBe("E_INVALID_INPUT");
      expect(e.where).toBe(where);
      expect(e.message).toMatch(message);
    }
    expect(
      caught(() => encodeNpy({ dtype: "<f8", shape: [2, 2], fortranOrder: false, data: new Float64Array(3) }))
        .code,
    ).toBe("E_INVALID_INPUT");
  });
});

describe("ndArrayToValues", () => {
  it("reads Fortran order as rows", () => {
    const a: NdArray = {
      dtype: "<i4",
      shape: [2, 3],
      fortranOrder: true,
      data: new Int32Array([1, 4, 2, 5, 3, 6]),
    };
    expect(ndArrayToValues(a)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("refuses more than two dimensions", () => {
    const a: NdArray = { dtype: "<f8", shape: [1, 1, 1], fortranOrder: false, data: new Float64Array(1) };
    expect(caught(() => ndArrayToValues(a)).code).toBe("E_CODEC");
  });
});
