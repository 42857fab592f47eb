import { isAscii } from "node:buffer";
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * Receives one record (a line, or several when quotes span newlines) with `\r\n`/`\n` removed, the byte
 * offset after it, whether it is known to be ASCII (then its byte length is its string length), and
 * whether it is known to hold no double quote (the reader checked its whole chunk at once).
 */
export type OnRecord = (record: string, endOffset: number, ascii: boolean, quoteFree: boolean) => void;

export interface LineReaderOptions {
  /** Byte offset to start at (a record boundary from an earlier run). */
  start?: number;
  /** Join lines while a quoted field is open (CSV). */
  quotes?: boolean;
  signal?: AbortSignal | undefined;
  highWaterMark?: number;
  /**
   * Takes over the complete lines of an ASCII chunk without double quotes: `text.slice(from, to)` is whole
   * lines, each ending in `\n`, the first starting at byte `offset`. It must treat them as `onRecord` would
   * be called for them (it may call `onRecord` itself); saves a string and a call per line.
   */
  onLines?: (text: string, from: number, to: number, offset: number) => void;
}

/**
 * Streams a text file as records with exact byte offsets, one chunk at a time: `onRecord` is called
 * synchronously for every complete record of a chunk, then the generator yields (backpressure lives
 * in the consumer's `for await`). Empty records are skipped. A UTF-8 BOM at offset 0 is skipped.
 */
export async function* readRecords(
  path: string,
  onRecord: OnRecord,
  options: LineReaderOptions = {},
): AsyncGenerator<{ bytesRead: number }> {
  let offset = options.start ?? 0;
  const stream = createReadStream(path, {
    start: offset,
    highWaterMark: options.highWaterMark ?? 1 << 20,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let carryAscii = true;
  // A record whose quotes are still open.
  let open = "";
  let first = offset === 0;
  let bytesRead = offset;
  // The decoder holds no partial character after an ASCII chunk (or before the first).
  let decoderClean = true;

  const emitLine = (line: string, bytes: number, ascii: boolean, quoteFree: boolean) => {
    offset += bytes;
    let record = line;
    if (options.quotes && !quoteFree && (open !== "" || record.includes('"'))) {
      // The line's own "\r" is kept until the record ends: inside quotes it is part of the value.
      record = open === "" ? record : `${open}\n${record}`;
      if (quoteOpen(record)) {
        open = record;
        return;
      }
      open = "";
    }
    if (record.endsWith("\r")) record = record.slice(0, -1);
    if (record !== "") onRecord(record, offset, ascii, quoteFree);
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = chunk;
    bytesRead += buf.length;
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        offset += 3;
      }
    }
    const ascii = isAscii(buf);
    // ASCII is its own Latin-1: a plain byte copy, much cheaper than UTF-8 decoding.
    const text = carry + (ascii && decoderClean ? buf.toString("latin1") : decoder.write(buf));
    decoderClean = ascii;
    // Text length is byte length only when nothing was decoded into U+FFFD (invalid UTF-8, e.g. a Latin-1 file).
    const fast: boolean = ascii && carryAscii && text.length === carry.length + buf.length;
    // File offset of buf[0]: a line's bytes end at its newline byte, whatever its text decoded to.
    const base = bytesRead - buf.length;
    // One search per chunk instead of one per line; a record still open from the last chunk is joined as before.
    const quoteFree = open === "" && !text.includes('"');
    let start = 0;
    if (fast && quoteFree && options.onLines) {
      const to = text.lastIndexOf("\n") + 1;
      if (to > 0) {
        options.onLines(text, 0, to, offset);
        offset += to;
        start = to;
      }
    }
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl === -1) break;
      const line = text.slice(start, nl);
      const bytes = fast
        ? line.length + 1
        : buf.indexOf(0x0a, Math.max(0, offset - base)) + 1 + base - offset;
      emitLine(line, bytes, fast, quoteFree);
      start = nl + 1;
    }
    carry = text.slice(start);
    carryAscii = fast || isAscii(Buffer.from(carry));
    yield { bytesRead };
  }
  carry += decoder.end();
  if (carry !== "" || open !== "") {
    // The last line has no newline: its bytes are the rest of the file.
    if (carry !== "") emitLine(carry, bytesRead - offset, false, false);
    if (open !== "") {
      // Unbalanced quotes to the end of the file: hand it over as is; the CSV parser names the problem.
      const record = open;
      open = "";
      onRecord(record, offset, false, false);
    }
  }
  yield { bytesRead };
}

/**
 * Whether the record ends inside a quoted field. A quote opens a field only at the field's start (as pandas
 * and Python's csv module read it): `15" screen` is text, and must not swallow the lines after it.
 */
function quoteOpen(s: string): boolean {
  let open = false;
  for (let p = s.indexOf('"'); p !== -1; p = s.indexOf('"', p + 1)) {
    if (open) {
      if (s.charCodeAt(p + 1) === 34) p++;
      else open = false;
    } else if (p === 0 || s.charCodeAt(p - 1) === 44 || s.charCodeAt(p - 1) === 10) open = true;
  }
  return open;
}
