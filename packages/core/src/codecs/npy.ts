import { MlshipError } from "../errors.js";
import {
  coerce,
  type DtypeInfo,
  type NpyData,
  type NpyDtype,
  parseDtype,
  readData,
  writerFor,
} from "./npy-dtype.js";
import { asRows, assertRectangular, type Cell, type Values } from "./values.js";

export type { NpyData, NpyDtype } from "./npy-dtype.js";

/** A decoded .npy array. `data` is in file order: row-major, or column-major when `fortranOrder`. */
export interface NdArray {
  /** numpy descr, e.g. `<f8`, `>i4`, `|b1`. */
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  data: NpyData;
}

export interface EncodeNpyOptions {
  /** Target dtype. Default: the array's own, or `|b1` for all-boolean values and `<f8` otherwise. */
  dtype?: NpyDtype;
  /** Format version; default 1.0, or 2.0 when the header does not fit 1.0's 64 KiB. */
  version?: 1 | 2 | 3;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function codecError(message: string, offset: number, details: Record<string, unknown> = {}): MlshipError {
  return new MlshipError("E_CODEC", `Invalid npy: ${message}`, {
    where: `byte offset ${offset}`,
    details: { offset, ...details },
  });
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const shapeText = (shape: readonly number[]) =>
  shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;

function parseHeader(
  text: string,
  offset: number,
): { descr: string; fortranOrder: boolean; shape: number[] } {
  if (!/^\s*\{/.test(text))
    throw codecError(`header is not a Python dict literal: ${JSON.stringify(text.slice(0, 60))}`, offset);
  const descrField = /['"]descr['"]\s*:\s*(.)/.exec(text);
  if (descrField?.[1] === "[")
    throw codecError("structured (record) dtypes are not supported", offset, { dtype: "structured" });
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeField = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) throw codecError("header has no 'descr'", offset);
  if (fortran === undefined) throw codecError("header has no 'fortran_order'", offset);
  if (shapeField === undefined) throw codecError("header has no 'shape'", offset);
  const shape = shapeField
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const m = /^(\d+)L?$/.exec(s);
      if (!m) throw codecError(`header shape has a bad dimension '${s}'`, offset);
      return Number(m[1]);
    });
  return { descr, fortranOrder: fortran === "True", shape };
}

/** Decodes NPY format 1.0, 2.0 and 3.0. Truncation, bad magic and a shape that lies about the data raise E_CODEC. */
export function decodeNpy(bytes: Uint8Array): NdArray {
  if (bytes.length < 10)
    throw codecError(`truncated: ${bytes.length} bytes, the preamble alone needs 10`, bytes.length);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i])
      throw codecError("wrong magic; expected \\x93NUMPY (is this an .npy file?)", i);
  }
  const major = bytes[6] as number;
  if (major < 1 || major > 3)
    throw codecError(`unsupported format version ${major}.${bytes[7]}`, 6, { version: major });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw codecError("truncated inside the header length", bytes.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) {
    throw codecError(
      `truncated header: it declares ${headerLength} bytes, ${bytes.length - headerStart} are present`,
      bytes.length,
    );
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const headerText = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(headerBytes);
  const header = parseHeader(headerText, headerStart);
  let dtype: DtypeInfo;
  try {
    dtype = parseDtype(header.descr);
  } catch (error) {
    throw new MlshipError("E_CODEC", `Invalid npy: unsupported dtype '${header.descr}'`, {
      where: `byte offset ${headerStart}`,
      hint: (error as MlshipError).hint,
      details: { offset: headerStart, dtype: header.descr },
    });
  }
  const count = product(header.shape);
  const needed = count * dtype.size;
  const present = bytes.length - dataStart;
  if (present !== needed) {
    throw codecError(
      `shape ${shapeText(header.shape)} of ${header.descr} needs ${needed} data bytes but ${present} follow the header` +
        (present < needed ? " (truncated data)" : " (header shape does not match the data)"),
      dataStart,
      { shape: header.shape, dtype: header.descr, needed, present },
    );
  }
  return {
    dtype: dtype.descr,
    shape: header.shape,
    fortranOrder: header.fortranOrder,
    data: readData(bytes, dataStart, count, dtype),
  };
}

function toNumberish(v: number | bigint | boolean): number | boolean {
  return typeof v === "bigint" ? Number(v) : v;
}

/**
 * Nested arrays in C (row-major) order: 0-D -> `[x]`, 1-D -> values, 2-D -> rows.
 * int64/uint64 become numbers (exact up to 2^53). More than two dimensions raise E_CODEC.
 */
export function ndArrayToValues(a: NdArray): Values {
  const data = a.data as ArrayLike<number | bigint | boolean>;
  if (a.shape.length <= 1) return Array.from(data, toNumberish);
  if (a.shape.length > 2) {
    throw new MlshipError(
      "E_CODEC",
      `Arrays of shape ${shapeText(a.shape)} cannot become rows; only 0-D, 1-D and 2-D`,
      {
        details: { shape: a.shape },
      },
    );
  }
  const [rows = 0, cols = 0] = a.shape;
  const out: Cell[][] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const row: Cell[] = new Array(cols);
    for (let c = 0; c < cols; c++)
      row[c] = toNumberish(data[a.fortranOrder ? c * rows + r : r * cols + c] as number | bigint | boolean);
    out[r] = row;
  }
  return out;
}

function isNdArray(x: NdArray | Values): x is NdArray {
  return !Array.isArray(x);
}

function headerBytes(
  descr: string,
  fortranOrder: boolean,
  shape: readonly number[],
  version?: 1 | 2 | 3,
): { preamble: Uint8Array; major: number } {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? "True" : "False"}, 'shape': ${shapeText(shape)}, }`;
  let major = version ?? 1;
  // Pad so the data starts on a 64-byte boundary, as numpy does; the header ends with "\n".
  const pad = (lengthField: number) => (64 - ((6 + 2 + lengthField + dict.length + 1) % 64)) % 64;
  let total = dict.length + pad(major === 1 ? 2 : 4) + 1;
  if (major === 1 && total > 0xffff) {
    major = 2;
    total = dict.length + pad(4) + 1;
  }
  const lengthField = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthField + total);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, total, true);
  else view.setUint32(8, total, true);
  const text = `${dict}${" ".repeat(total - dict.length - 1)}\n`;
  for (let i = 0; i < text.length; i++) out[8 + lengthField + i] = text.charCodeAt(i);
  return { preamble: out, major };
}

/**
 * Encodes an NdArray, or 1-D/2-D Values (rows become a C-order 2-D array), as NPY (1.0 unless the header
 * needs 2.0). Values are checked against the dtype: a string, a fraction for an int dtype or an
 * out-of-range integer raise E_INVALID_INPUT with its position.
 */
export function encodeNpy(array: NdArray | Values, options: EncodeNpyOptions = {}): Uint8Array {
  let shape: number[];
  let fortranOrder = false;
  let items: ArrayLike<unknown>;
  let position: (i: number) => string;
  let dtype: DtypeInfo;
  if (isNdArray(array)) {
    const src = parseDtype(array.dtype);
    dtype = options.dtype ? parseDtype(options.dtype) : src;
    shape = [...array.shape];
    fortranOrder = array.fortranOrder;
    items = array.data;
    if (items.length !== product(shape)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `NdArray data has ${items.length} items but shape ${shapeText(shape)} needs ${product(shape)}`,
        {
          details: { shape, items: items.length },
        },
      );
    }
    position = (i) => `item ${i}`;
  } else {
    const { rows, oneD } = asRows(array);
    const cols = assertRectangular(rows);
    shape = oneD ? [rows.length] : [rows.length, cols];
    const flat: unknown[] = oneD ? (array as unknown[]) : (rows as Cell[][]).flat();
    items = flat;
    position = oneD ? (i) => `row ${i}` : (i) => `row ${Math.floor(i / cols)}, column ${i % cols}`;
    const allBool = flat.length > 0 && flat.every((v) => typeof v === "boolean");
    dtype = parseDtype(options.dtype ?? (allBool ? "|b1" : "<f8"));
  }
  const { preamble } = headerBytes(dtype.descr, fortranOrder, shape, options.version);
  const out = new Uint8Array(preamble.length + items.length * dtype.size);
  out.set(preamble, 0);
  const view = new DataView(out.buffer, preamble.length);
  const write = writerFor(dtype);
  for (let i = 0; i < items.length; i++) {
    const v = coerce(items[i], dtype);
    if (typeof v === "string") {
      throw new MlshipError("E_INVALID_INPUT", `Cannot store ${position(i)} as ${dtype.descr}: ${v}`, {
        where: position(i),
        details: { index: i, dtype: dtype.descr },
      });
    }
    write(view, i * dtype.size, v, dtype.littleEndian);
  }
  return out;
}
