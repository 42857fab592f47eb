import { MlshipError } from "../errors.js";

export type NpyData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | boolean[];

/** The dtypes we read and write, by kind letter and item size. */
export type NpyDtype =
  | "<f8"
  | ">f8"
  | "<f4"
  | ">f4"
  | "|i1"
  | "<i2"
  | ">i2"
  | "<i4"
  | ">i4"
  | "<i8"
  | ">i8"
  | "|u1"
  | "<u2"
  | ">u2"
  | "<u4"
  | ">u4"
  | "<u8"
  | ">u8"
  | "|b1";

export interface DtypeInfo {
  /** Normalised descr: `<f8`, `>i4`, `|u1`, `|b1`. */
  descr: string;
  kind: "f" | "i" | "u" | "b";
  size: 1 | 2 | 4 | 8;
  littleEndian: boolean;
}

const SIZES: Record<string, readonly number[]> = { f: [4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };

/** Parses a numpy `descr` (`<f8`, `>i2`, `|b1`, `=u4`); anything else raises E_CODEC. */
export function parseDtype(descr: string): DtypeInfo {
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m?.[2] ?? "";
  const size = Number(m?.[3]);
  if (!m || !SIZES[kind]?.includes(size)) {
    throw new MlshipError("E_CODEC", `Unsupported npy dtype '${descr}'`, {
      hint: "Supported: float32/64 (f4, f8), int8-64 (i1-i8), uint8-64 (u1-u8) and bool (b1), either byte order.",
      details: { dtype: descr },
    });
  }
  // "=" is native order; every platform Node runs on is little-endian.
  const littleEndian = m[1] !== ">";
  const order = size === 1 ? "|" : littleEndian ? "<" : ">";
  return {
    descr: `${order}${kind}${size}`,
    kind: kind as DtypeInfo["kind"],
    size: size as DtypeInfo["size"],
    littleEndian,
  };
}

type Getter = (view: DataView, offset: number, little: boolean) => number | bigint;
type Setter = (view: DataView, offset: number, value: number | bigint, little: boolean) => void;

const GETTERS: Record<string, Getter> = {
  f4: (v, o, l) => v.getFloat32(o, l),
  f8: (v, o, l) => v.getFloat64(o, l),
  i1: (v, o) => v.getInt8(o),
  i2: (v, o, l) => v.getInt16(o, l),
  i4: (v, o, l) => v.getInt32(o, l),
  i8: (v, o, l) => v.getBigInt64(o, l),
  u1: (v, o) => v.getUint8(o),
  u2: (v, o, l) => v.getUint16(o, l),
  u4: (v, o, l) => v.getUint32(o, l),
  u8: (v, o, l) => v.getBigUint64(o, l),
  b1: (v, o) => v.getUint8(o),
};

const SETTERS: Record<string, Setter> = {
  f4: (v, o, x, l) => v.setFloat32(o, Number(x), l),
  f8: (v, o, x, l) => v.setFloat64(o, Number(x), l),
  i1: (v, o, x) => v.setInt8(o, Number(x)),
  i2: (v, o, x, l) => v.setInt16(o, Number(x), l),
  i4: (v, o, x, l) => v.setInt32(o, Number(x), l),
  i8: (v, o, x, l) => v.setBigInt64(o, BigInt(x), l),
  u1: (v, o, x) => v.setUint8(o, Number(x)),
  u2: (v, o, x, l) => v.setUint16(o, Number(x), l),
  u4: (v, o, x, l) => v.setUint32(o, Number(x), l),
  u8: (v, o, x, l) => v.setBigUint64(o, BigInt(x), l),
  b1: (v, o, x) => v.setUint8(o, Number(x)),
};

type TypedCtor = new (length: number) => Exclude<NpyData, boolean[]>;
const CTORS: Record<string, TypedCtor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
  u8: BigUint64Array,
};

const key = (d: DtypeInfo) => `${d.kind}${d.size}`;

/** Reads `count` items of dtype `d` starting at `offset` into a fresh native array. */
export function readData(bytes: Uint8Array, offset: number, count: number, d: DtypeInfo): NpyData {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * d.size);
  if (d.kind === "b") {
    const out = new Array<boolean>(count);
    for (let i = 0; i < count; i++) out[i] = view.getUint8(i) !== 0;
    return out;
  }
  const Ctor = CTORS[key(d)] as TypedCtor;
  if (d.littleEndian) {
    // A copy gives an aligned buffer of the right length (Buffer#slice would share memory instead);
    // every platform Node runs on is little-endian.
    const copy = new Uint8Array(count * d.size);
    copy.set(bytes.subarray(offset, offset + count * d.size));
    return new (Ctor as unknown as new (b: ArrayBuffer) => Exclude<NpyData, boolean[]>)(copy.buffer);
  }
  const out = new Ctor(count);
  const get = GETTERS[key(d)] as Getter;
  for (let i = 0; i < count; i++) (out as unknown as (number | bigint)[])[i] = get(view, i * d.size, false);
  return out;
}

const RANGES: Record<string, readonly [number, number]> = {
  i1: [-128, 127],
  i2: [-32768, 32767],
  i4: [-2147483648, 2147483647],
  u1: [0, 255],
  u2: [0, 65535],
  u4: [0, 4294967295],
};

/** Converts one value for dtype `d`, or returns an error message saying why it cannot be stored. */
export function coerce(value: unknown, d: DtypeInfo): number | bigint | string {
  if (d.kind === "b") {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (value === 0 || value === 1 || value === 0n || value === 1n) return Number(value);
    return `${describe(value)} is not a boolean`;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (d.kind === "f") {
    if (value === null) return Number.NaN;
    if (typeof value === "number") return value;
    if (typeof value === "bigint") return Number(value);
    return `${describe(value)} is not a number`;
  }
  if (typeof value === "bigint") {
    if (d.size !== 8) value = Number(value);
    else {
      const ok = d.kind === "i" ? BigInt.asIntN(64, value) === value : BigInt.asUintN(64, value) === value;
      return ok ? value : `${value} does not fit ${d.kind === "i" ? "int64" : "uint64"}`;
    }
  }
  if (typeof value !== "number") return `${describe(value)} is not a number`;
  if (!Number.isInteger(value)) return `${value} is not an integer (dtype ${d.descr})`;
  if (d.size === 8) {
    // Every integral double is an exact integer; only the range needs checking.
    const fits = d.kind === "i" ? value >= -(2 ** 63) && value < 2 ** 63 : value >= 0 && value < 2 ** 64;
    return fits ? BigInt(value) : `${value} does not fit ${d.descr}`;
  }
  const [lo, hi] = RANGES[key(d)] as readonly [number, number];
  return value >= lo && value <= hi ? value : `${value} is out of range for ${d.descr} [${lo}, ${hi}]`;
}

const describe = (v: unknown) =>
  typeof v === "string" ? JSON.stringify(v) : v === null ? "null" : String(v);

export function writerFor(d: DtypeInfo): Setter {
  return SETTERS[key(d)] as Setter;
}
