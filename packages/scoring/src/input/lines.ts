import { isAscii } from "node:buffer";
import { createReadStream } from "node:fs";
import { DecodeFailure, invalidEncodingError, type TextDecoding, textDecoding } from "./csv-encoding.js";
import { unterminatedQuoteError } from "./csv-record.js";

/**
 * Receives one record (a line, or several when quotes span newlines) with `\r\n`/`\n` removed, the byte
 * offset after it, whether it is known to be ASCII (then its byte length is its string length), whether it
 * is known to hold no double quote (the reader checked its whole chunk at once), and the file line it starts
 * on (1-based, counting the header and every line break, also those inside quoted fields).
 */
export type OnRecord = (
  record: string,
  endOffset: number,
  ascii: boolean,
  quoteFree: boolean,
  line: number,
) => void;

export interface LineReaderOptions {
  /** Byte offset to start at (a record boundary from an earlier run). */
  start?: number;
  /** The file line at `start`; counted from the file when not given. */
  startLine?: number;
  /** Join lines while a quoted field is open (CSV). */
  quotes?: boolean;
  /** Text encoding (default UTF-8, checked: invalid bytes are `E_INVALID_INPUT` at their line and offset). */
  encoding?: string | undefined;
  /**
   * Lenient quotes: a quoted field still open at the end of the file (or past `maxRecordBytes`) fails its
   * first line alone: this is called with that line, then reading goes on from the next line. Without it,
   * such a field is `E_INVALID_INPUT` at the line it opens on.
   */
  onUnterminated?: ((line: string, endOffset: number, lineNumber: number) => void) | undefined;
  /**
   * A record longer than this is treated as an unterminated quote (default 16 MiB), as is a field open since
   * an earlier line whose closing quote is followed by something other than a comma or the line's end.
   */
  maxRecordBytes?: number;
  signal?: AbortSignal | undefined;
  highWaterMark?: number;
  /**
   * Takes over the complete lines of an ASCII chunk without double quotes: `text.slice(from, to)` is whole
   * lines, each ending in `\n`, the first starting at byte `offset` on file line `line`. It must treat them
   * as `onRecord` would be called for them (it may call `onRecord` itself); saves a string and a call per line.
   */
  onLines?: (text: string, from: number, to: number, offset: number, line: number) => void;
}

const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Number of newline bytes before `end`: the file line at a byte offset is this + 1. */
export async function countNewlines(path: string, end: number): Promise<number> {
  if (end <= 0) return 0;
  let count = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: end - 1, highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) count++;
  }
  return count;
}

function countIn(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Whether a line ends inside a quoted field, given whether it starts inside one. A quote opens a field only at
 * the field's start (as pandas and Python's csv module read it): `15" screen` is text, and must not swallow
 * the lines after it. Incremental, so a long open record costs its length once, not once per line.
 * Returns "open", "closed", or "bad" when a field open since an earlier line closes with something other than
 * a comma or the end of the line after its quote: a stray quote that swallowed the lines in between.
 */
function quoteState(s: string, open: boolean): "open" | "closed" | "bad" {
  const continued = open;
  let first = true;
  for (let p = s.indexOf('"'); p !== -1; p = s.indexOf('"', p + 1)) {
    if (open) {
      if (s.charCodeAt(p + 1) === 34) p++;
      else {
        open = false;
        if (continued && first) {
          const next = s.charCodeAt(p + 1);
          if (!(Number.isNaN(next) || next === 44 || (next === 13 && p + 2 === s.length))) return "bad";
        }
        first = false;
      }
    } else if (p === 0 || s.charCodeAt(p - 1) === 44) open = true;
  }
  return open ? "open" : "closed";
}

/** A record whose quoted field is still open: its lines so far, where it started. */
interface OpenRecord {
  parts: string[];
  line: number;
  /** Offset after its first line (where a lenient reader goes on). */
  firstEnd: number;
  bytes: number;
}

/**
 * Streams a text file as records with exact byte offsets and line numbers, one chunk at a time: `onRecord` is
 * called synchronously for every complete record of a chunk, then the generator yields (backpressure lives in
 * the consumer's `for await`). Empty records are skipped. A UTF-8 BOM at offset 0 is skipped.
 */
export async function* readRecords(
  path: string,
  onRecord: OnRecord,
  options: LineReaderOptions = {},
): AsyncGenerator<{ bytesRead: number }> {
  const decoding = textDecoding(options.encoding);
  let start = options.start ?? 0;
  let line = options.startLine ?? 1 + (await countNewlines(path, start));
  for (;;) {
    const pass = readPass(path, onRecord, options, decoding, start, line);
    let r = await pass.next();
    while (!r.done) {
      yield r.value;
      r = await pass.next();
    }
    const open = r.value;
    if (!open) return;
    if (!options.onUnterminated) throw unterminatedQuoteError(path, open.line);
    const first = (open.parts[0] as string).replace(/\r$/, "");
    options.onUnterminated(first, open.firstEnd, open.line);
    start = open.firstEnd;
    line = open.line + 1;
  }
}

/** Reads from `start` to the end of the file, or until a quoted field cannot be read; returns that record. */
async function* readPass(
  path: string,
  onRecord: OnRecord,
  options: LineReaderOptions,
  decoding: TextDecoding,
  start: number,
  startLine: number,
): AsyncGenerator<{ bytesRead: number }, OpenRecord | undefined> {
  let offset = start;
  let line = startLine;
  const maxRecord = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const stream = createReadStream(path, {
    start: offset,
    highWaterMark: options.highWaterMark ?? 1 << 20,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let carry = "";
  let carryAscii = true;
  let open: OpenRecord | undefined;
  let unreadable = false;
  let first = offset === 0 && decoding.name === "utf-8";
  let bytesRead = offset;
  // Bytes of a character split across chunks (UTF-8), decoded with the next chunk.
  let held: Buffer | undefined;

  const emitLine = (text: string, bytes: number, ascii: boolean, quoteFree: boolean) => {
    const at = line++;
    offset += bytes;
    let record = text;
    let recordLine = at;
    let whole = ascii;
    if (options.quotes && !quoteFree && (open || text.includes('"'))) {
      // The line's own "\r" is kept until the record ends: inside quotes it is part of the value.
      if (!open) {
        if (quoteState(text, false) === "open") {
          open = { parts: [text], line: at, firstEnd: offset, bytes };
          return;
        }
      } else {
        open.parts.push(text);
        open.bytes += bytes;
        const state = quoteState(text, true);
        if (state !== "closed") {
          if (state === "bad" || open.bytes > maxRecord) unreadable = true;
          return;
        }
        record = open.parts.join("\n");
        recordLine = open.line;
        whole = false;
        open = undefined;
      }
    }
    if (record.endsWith("\r")) record = record.slice(0, -1);
    if (record !== "") onRecord(record, offset, whole, quoteFree, recordLine);
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = held ? Buffer.concat([held, chunk]) : chunk;
    held = undefined;
    bytesRead += chunk.length;
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        offset += 3;
      }
    }
    const ascii = isAscii(buf);
    // File offset of buf[0]: a line's bytes end at its newline byte, whatever its text decoded to.
    const base = bytesRead - buf.length;
    let decoded: string;
    if (ascii) {
      // ASCII is its own Latin-1: a plain byte copy, much cheaper than UTF-8 decoding.
      decoded = buf.toString("latin1");
    } else {
      let result: { text: string; held: number };
      try {
        result = decoding.decode(buf, false);
      } catch (error) {
        if (!(error instanceof DecodeFailure)) throw error;
        const lineOf = line + countIn(buf, 0, error.at);
        throw invalidEncodingError(path, decoding.name, lineOf, base + error.at);
      }
      decoded = result.text;
      if (result.held > 0) {
        held = Buffer.from(buf.subarray(buf.length - result.held));
        buf = buf.subarray(0, buf.length - result.held);
      }
    }
    const text = carry + decoded;
    const fast: boolean = ascii && carryAscii;
    // One search per chunk instead of one per line; a record still open from the last chunk is joined as before.
    const quoteFree = open === undefined && !text.includes('"');
    let from = 0;
    if (fast && quoteFree && options.onLines) {
      const to = text.lastIndexOf("\n") + 1;
      if (to > 0) {
        options.onLines(text, 0, to, offset, line);
        line += countIn(buf, 0, to - carry.length);
        offset += to;
        from = to;
      }
    }
    for (;;) {
      const nl = text.indexOf("\n", from);
      if (nl === -1) break;
      const lineText = text.slice(from, nl);
      const bytes = fast
        ? lineText.length + 1
        : buf.indexOf(0x0a, Math.max(0, offset - base)) + 1 + base - offset;
      emitLine(lineText, bytes, fast, quoteFree);
      from = nl + 1;
      if (unreadable) {
        stream.destroy();
        return open;
      }
    }
    carry = text.slice(from);
    carryAscii = fast || isAscii(Buffer.from(carry));
    yield { bytesRead };
  }
  // A character cut off by the end of the file (or still inside a streaming decoder).
  const rest = held ?? Buffer.alloc(0);
  try {
    carry += decoding.decode(rest, true).text;
  } catch {
    throw invalidEncodingError(path, decoding.name, line, bytesRead - rest.length);
  }
  // The last line has no newline: its bytes are the rest of the file.
  if (carry !== "") emitLine(carry, bytesRead - offset, false, false);
  yield { bytesRead };
  return open;
}
