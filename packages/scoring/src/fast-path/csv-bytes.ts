import { isAscii } from "node:buffer";
import { open } from "node:fs/promises";
import { abortError } from "@mlship/core";
import type { BodyBatches, ByteBatch } from "./body-batches.js";
import { viewOf } from "./copy-bytes.js";

/** Where the fields are: the features are fields `first..last` of `width`; the label is field `label` (or -1). */
export interface ByteLayout {
  width: number;
  first: number;
  last: number;
  label: number;
}

export interface CsvBytesOptions {
  path: string;
  /** Byte offset of a record boundary to start at (after the header, or a resume point). */
  start: number;
  layout: ByteLayout;
  batches: BodyBatches;
  signal?: AbortSignal | undefined;
  /** Reports how far reading got (for progress). */
  onPosition?: (offset: number) => void;
}

/** Where the general reader takes over: a line this reader leaves to it, and that line's row index. */
export interface Handover {
  offset: number;
  row: number;
}

const READ_BYTES = 1 << 20;

/** First byte at or after `from` that needs the general reader: a double quote or a non-ASCII byte. */
function firstSpecial(buf: Buffer, from: number, to: number): number {
  const quote = buf.indexOf(0x22, from);
  let stop = quote === -1 || quote >= to ? to : quote;
  if (!isAscii(buf.subarray(from, stop))) {
    for (let p = from; p < stop; p++) {
      if ((buf[p] as number) >= 0x80) {
        stop = p;
        break;
      }
    }
  }
  return stop;
}

/**
 * Streams the plain lines of a CSV file (ASCII, no quotes, the header's field count, not too large) into
 * request bodies, through one reused read buffer: no string per row, no text per chunk. It stops at the first
 * line it cannot take as is (a quote, a non-ASCII byte, a ragged line, an oversized row, a last line without
 * a newline) and returns where the general reader should continue (the first row of the batch that line
 * would have joined), so every such line is read, checked and reported exactly as the general path does. Empty lines are skipped, and a line's "\r" before its "\n" is
 * dropped, as the general reader does.
 */
export async function* readCsvBytes(o: CsvBytesOptions): AsyncGenerator<ByteBatch, Handover | undefined> {
  const fh = await open(o.path, "r");
  const buf = Buffer.allocUnsafeSlow(READ_BYTES);
  const { batches } = o;
  let base = o.start;
  let have = 0;
  try {
    for (;;) {
      if (o.signal?.aborted) throw abortError(o.signal, "Reading the input");
      const { bytesRead } = await fh.read(buf, have, buf.length - have, base + have);
      have += bytesRead;
      const done = scanLines(buf, have, base, o.layout, batches);
      o.onPosition?.(base + done.consumed);
      const eof = bytesRead === 0;
      // A line longer than the whole buffer is the general reader's too.
      const tooLong = done.consumed === 0 && have === buf.length;
      if (done.stopped || eof || tooLong) {
        // At the end of the file with every line taken, nothing is left for the general reader.
        const finished = eof && !done.stopped && done.consumed === have;
        const handover = finished ? undefined : batches.abandonOpen();
        batches.close();
        while (batches.ready.length) yield batches.ready.shift() as ByteBatch;
        return handover;
      }
      buf.copyWithin(0, done.consumed, have);
      base += done.consumed;
      have -= done.consumed;
      while (batches.ready.length) yield batches.ready.shift() as ByteBatch;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Copies `view[ls, le)` to `out` at `at` and records where its commas are (`commas[i]`: the comma before field
 * i, for i up to `width`; `commas[0]`: the line's start - 1); returns the line's field count. Four bytes at a
 * time: the test below sets the high bit of exactly the bytes equal to ',' (no false positives, for any byte
 * values). One pass for both is ~2x faster than a byte-by-byte search and a copy (bench/score).
 */
export function copyFindingCommas(
  view: DataView,
  ls: number,
  le: number,
  commas: Int32Array,
  width: number,
  out: DataView,
  at: number,
): number {
  let n = 1;
  commas[0] = ls - 1;
  let q = ls;
  const shift = at - ls;
  for (; q + 4 <= le; q += 4) {
    const w = view.getUint32(q, true);
    out.setUint32(q + shift, w, true);
    const t = w ^ 0x2c2c2c2c;
    let m = ~(((t & 0x7f7f7f7f) + 0x7f7f7f7f) | t | 0x7f7f7f7f);
    for (; m !== 0; m &= m - 1) if (n++ <= width) commas[n - 1] = q + ((31 - Math.clz32(m & -m)) >>> 3);
  }
  for (; q < le; q++) {
    const b = view.getUint8(q);
    out.setUint8(q + shift, b);
    if (b === 0x2c && n++ <= width) commas[n - 1] = q;
  }
  return n;
}

/**
 * Takes the complete plain lines of `buf[0, have)` (whose first byte is at file offset `base`). Resolves how
 * many bytes it took and whether it stopped at a line for the general reader.
 */
function scanLines(
  buf: Buffer,
  have: number,
  base: number,
  layout: ByteLayout,
  batches: BodyBatches,
): { consumed: number; stopped: boolean } {
  const { width, first, last, label } = layout;
  const special = firstSpecial(buf, 0, have);
  // Line ends by memchr (Buffer#indexOf), then the commas a word at a time while the line is copied into the
  // open body (copyFindingCommas): together ~2-3x faster than one loop testing every byte for both and a
  // copy per row (bench/score). Element reads are cheaper on a plain Uint8Array
  // view than on the Buffer subclass (measured).
  const lines = buf.subarray(0, have);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, have);
  const view = viewOf(bytes);
  // commas[i]: the comma before field i (field 0: the line's start - 1); commas[width]: the line's end.
  const commas = new Int32Array(width + 1);
  let ls = 0;
  while (ls < have) {
    const p = lines.indexOf(0x0a, ls);
    if (p === -1) return { consumed: ls, stopped: false }; // no newline yet
    if (p >= special) return { consumed: ls, stopped: true };
    const le = p > ls && bytes[p - 1] === 0x0d ? p - 1 : p;
    const next = p + 1;
    if (le === ls) {
      ls = next; // an empty line: no row
      continue;
    }
    const out = batches.reserve(le - ls + 1);
    if (copyFindingCommas(view, ls, le, commas, width, out, batches.end) !== width)
      return { consumed: ls, stopped: true };
    commas[width] = le;
    const s = (commas[first] as number) + 1;
    const e = commas[last + 1] as number;
    if (!batches.fits(e - s + 1)) return { consumed: ls, stopped: true };
    const text =
      label === -1 ? undefined : buf.toString("latin1", (commas[label] as number) + 1, commas[label + 1]);
    batches.add(s - ls, e - s, text, base + next);
    ls = next;
  }
  return { consumed: ls, stopped: false };
}
