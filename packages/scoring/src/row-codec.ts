import { type Cell, CONTENT_TYPES, encodeJson, encodeNpy, MlshipError, mediaType } from "@mlship/core";
import { csvRequestText } from "./input/encode.js";

/**
 * One row, encoded for the request body: a CSV line without its newline, a JSON array's text, or the
 * row's numbers for NPY. Encoding per row lets a batch be split anywhere without re-encoding.
 */
export type Unit = string | Float64Array;

export interface RowCodec {
  readonly contentType: string;
  /** Bytes one body adds on top of its units (brackets, an NPY header). */
  readonly overheadBytes: number;
  /** Throws E_INVALID_INPUT for a value the format cannot carry. */
  encode(values: readonly Cell[]): Unit;
  /** Bytes this unit adds to a body, separator included. */
  unitBytes(unit: Unit): number;
  body(units: readonly Unit[]): string | Uint8Array;
}

const NPY_HEADER_BYTES = 128;

function csvLine(values: readonly Cell[]): string {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Anything but finite numbers: quoted only where CSV needs it, so a number sent as text ("1.5") reaches
    // numpy-based decoders as a number.
    if (typeof v !== "number" || !Number.isFinite(v)) return csvRequestText(values);
  }
  // JSON writes finite numbers exactly as String() does, in one native call (about twice as fast as concatenating).
  return JSON.stringify(values).slice(1, -1);
}

const byteLength = (s: string) => Buffer.byteLength(s, "utf8");

const csvCodec: RowCodec = {
  contentType: CONTENT_TYPES.csv,
  overheadBytes: 0,
  encode: csvLine,
  unitBytes: (u) => byteLength(u as string) + 1,
  body: (units) => `${(units as string[]).join("\n")}\n`,
};

function jsonCodec(shape: "array" | "instances"): RowCodec {
  const open = shape === "instances" ? '{"instances":[' : "[";
  const close = shape === "instances" ? "]}" : "]";
  return {
    contentType: CONTENT_TYPES.json,
    overheadBytes: open.length + close.length,
    encode: (values) => encodeJson(values as Cell[]),
    unitBytes: (u) => byteLength(u as string) + 1,
    body: (units) => `${open}${(units as string[]).join(",")}${close}`,
  };
}

const npyCodec: RowCodec = {
  contentType: CONTENT_TYPES.npy,
  overheadBytes: NPY_HEADER_BYTES,
  encode(values) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === "number") out[i] = v;
      else if (typeof v === "boolean") out[i] = v ? 1 : 0;
      else if (v === null) out[i] = Number.NaN;
      else {
        throw new MlshipError(
          "E_INVALID_INPUT",
          `application/x-npy carries numbers only; column ${i} is a string`,
          {
            where: `column ${i}`,
            details: { column: i },
            hint: "Send text/csv or application/json, or convert the column in `preprocess`.",
          },
        );
      }
    }
    return out;
  },
  unitBytes: (u) => (u as Float64Array).byteLength,
  body(units) {
    const width = (units[0] as Float64Array | undefined)?.length ?? 0;
    const data = new Float64Array(units.length * width);
    for (let r = 0; r < units.length; r++) {
      const u = units[r] as Float64Array;
      if (u.length !== width) {
        throw new MlshipError("E_INVALID_INPUT", `Row ${r} has ${u.length} values, row 0 has ${width}`, {
          where: `row ${r}`,
        });
      }
      data.set(u, r * width);
    }
    return encodeNpy({ dtype: "<f8", shape: [units.length, width], fortranOrder: false, data });
  },
};

/** The codec for a request content type (parameters ignored). */
export function rowCodec(contentType: string, options: { jsonShape?: "array" | "instances" } = {}): RowCodec {
  switch (mediaType(contentType)) {
    case CONTENT_TYPES.csv:
      return csvCodec;
    case CONTENT_TYPES.json:
      return jsonCodec(options.jsonShape ?? "array");
    case CONTENT_TYPES.npy:
      return npyCodec;
    default:
      throw new MlshipError("E_UNSUPPORTED_MEDIA_TYPE", `The scorer cannot encode rows as '${contentType}'`, {
        hint: `Use one of: ${Object.values(CONTENT_TYPES).join(", ")}.`,
        details: { contentType },
      });
  }
}
