import { isUtf8 } from "node:buffer";
import { TextDecoder } from "node:util";
import { MlshipError } from "@mlship/core";

/**
 * Turns the bytes of a text input into strings. UTF-8 (the default) is checked: invalid bytes stop the run
 * with `E_INVALID_INPUT` at their line and byte offset, instead of reaching the model as U+FFFD. Any other
 * encoding is the user's explicit choice (`--encoding latin1`). Only encodings in which a newline, a comma
 * and a double quote are the ASCII bytes are accepted: the reader finds lines and offsets by bytes.
 */
export interface TextDecoding {
  /** The canonical name (`utf-8`, `latin1`, `windows-1252`, ...). */
  readonly name: string;
  /**
   * Decodes the next chunk; returns its text and how many of its trailing bytes were held back (an
   * incomplete character, prepended to the next chunk by the caller). `fileOffset` is where `bytes` starts.
   */
  decode(bytes: Buffer, final: boolean): { text: string; held: number };
}

/** Thrown by `decode`; the reader, which knows lines and file offsets, turns it into the user's error. */
export class DecodeFailure extends Error {
  override name = "DecodeFailure" as const;
  /** Byte offset of the first bad byte, counted from the start of the chunk passed to `decode`. */
  readonly at: number;
  constructor(at: number) {
    super(`invalid byte sequence at ${at}`);
    this.at = at;
  }
}

const LATIN1 = new Set(["latin1", "latin-1", "iso-8859-1", "iso8859-1", "binary", "l1"]);
const UTF8 = new Set(["utf8", "utf-8", "unicode-1-1-utf-8"]);

export function textDecoding(encoding: string | undefined): TextDecoding {
  const label = (encoding ?? "utf-8").trim().toLowerCase();
  if (UTF8.has(label)) return utf8Decoding();
  // Node's latin1 is ISO-8859-1 (as Python's and pandas'); WHATWG's "latin1" label means windows-1252.
  if (LATIN1.has(label))
    return { name: "latin1", decode: (bytes) => ({ text: bytes.toString("latin1"), held: 0 }) };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new MlshipError("E_INVALID_INPUT", `Unknown text encoding '${encoding}'`, {
      where: "encoding",
      hint: "Use utf-8 (the default), latin1, windows-1252, or another WHATWG encoding label.",
    });
  }
  if (decoder.encoding.startsWith("utf-16") || decoder.encoding === "replacement") {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `The encoding ${decoder.encoding} is not supported for input files`,
      {
        where: "encoding",
        hint: "Convert the file to UTF-8 first (iconv -f UTF-16 -t UTF-8).",
      },
    );
  }
  return {
    name: decoder.encoding,
    decode(bytes, final) {
      try {
        return { text: decoder.decode(bytes, { stream: !final }), held: 0 };
      } catch {
        // Multi-byte encodings report no position: the chunk is the finest place known.
        throw new DecodeFailure(0);
      }
    },
  };
}

function utf8Decoding(): TextDecoding {
  return {
    name: "utf-8",
    decode(bytes, final) {
      const cut = final ? bytes.length : completeUtf8(bytes);
      const whole = cut === bytes.length ? bytes : bytes.subarray(0, cut);
      if (!isUtf8(whole)) throw new DecodeFailure(invalidUtf8At(whole));
      return { text: whole.toString("utf8"), held: bytes.length - cut };
    },
  };
}

/** Length of the prefix of `b` that ends on a character boundary (a split character is left for the next chunk). */
function completeUtf8(b: Uint8Array): number {
  let i = b.length - 1;
  let back = 0;
  while (i >= 0 && back < 3 && ((b[i] as number) & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return b.length;
  const lead = b[i] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need > b.length ? i : b.length;
}

/** Index of the first byte that starts an invalid UTF-8 sequence (RFC 3629: no overlongs, no surrogates). */
export function invalidUtf8At(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const c1 = b[i + 1];
    if (c1 === undefined || c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return b.length;
}

export function invalidEncodingError(
  path: string,
  encoding: string,
  line: number,
  offset: number,
): MlshipError {
  return new MlshipError(
    "E_INVALID_INPUT",
    `${path} is not valid ${encoding}: line ${line}, byte offset ${offset}`,
    {
      where: `${path}:${line}`,
      details: { line, byteOffset: offset, encoding },
      hint:
        encoding === "utf-8"
          ? "If the file is in another encoding, say which (--encoding latin1, windows-1252, ...); or convert it to UTF-8."
          : "Check the --encoding given, or convert the file to UTF-8.",
    },
  );
}
