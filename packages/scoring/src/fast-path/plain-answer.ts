/**
 * A binary answer that is a flat JSON list of plain probabilities, located by byte offsets and not turned
 * into numbers: CSV output copies each number's bytes. It accepts exactly the bodies `plainProbabilityList`
 * (score-texts.ts) accepts, with the same texts, so either path writes the same bytes.
 */
export interface PlainAnswer {
  readonly kind: "plain";
  readonly body: Uint8Array;
  /** Start and end (exclusive) of number i's text: `spans[2i]`, `spans[2i + 1]`. */
  readonly spans: Uint32Array;
}

const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/**
 * Where a plain number starting at `s` ends (exclusive), or -1: it matches
 * `0(\.\d+)?|1(\.0*)?|\d(\.\d+)?e-0*[1-9]\d*` (score-texts.ts's pattern) up to a byte that is not part of it.
 */
function plainNumberEnd(body: Uint8Array, s: number, end: number): number {
  const lead = body[s] as number;
  if (!isDigit(lead)) return -1;
  let p = s + 1;
  let b = body[p] as number;
  let dot = false;
  let fraction = 0;
  let zeros = true;
  if (b === 0x2e /* . */) {
    dot = true;
    for (b = body[++p] as number; p < end && isDigit(b); b = body[++p] as number, fraction++)
      if (b !== DIGIT_0) zeros = false;
  }
  if (p >= end || b !== 0x65 /* e */) {
    const ok = (lead === DIGIT_0 && (!dot || fraction > 0)) || (lead === DIGIT_1 && zeros);
    return ok ? p : -1;
  }
  if (body[p + 1] !== 0x2d /* - */ || (dot && fraction === 0)) return -1;
  for (p += 2; p < end && body[p] === DIGIT_0; p++);
  if (p >= end || !isDigit(body[p] as number)) return -1;
  for (p++; p < end && isDigit(body[p] as number); p++);
  return p;
}

/** The answer's number spans when it is a plain list of exactly `rows` probabilities; else undefined. */
export function plainAnswer(answer: Uint8Array, rows: number): PlainAnswer | undefined {
  // Element reads on a plain Uint8Array are cheaper than on a Buffer (the invoker's answer); one view serves
  // every pass over this answer (here, the output copy and the metrics).
  const body = new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength);
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  if (end < 3 || body[0] !== 0x5b /* [ */ || body[end - 1] !== 0x5d /* ] */) return undefined;
  const inner = end - 1;
  // score-texts.ts splits on ", " when the list holds one anywhere, else on ",". Deciding by the first comma
  // gives the same answer: a list that mixes both has a text with a comma or a space either way, not plain.
  const spans = new Uint32Array(rows * 2);
  let n = 0;
  let p = 1;
  let gap = 1;
  for (;;) {
    if (n === rows) return undefined;
    const e = plainNumberEnd(body, p, inner);
    if (e === -1) return undefined;
    spans[2 * n] = p;
    spans[2 * n + 1] = e;
    n++;
    if (e === inner) break;
    if (body[e] !== 0x2c /* , */) return undefined;
    if (n === 1 && body[e + 1] === 0x20) gap = 2;
    if (gap === 2 && body[e + 1] !== 0x20) return undefined;
    p = e + gap;
  }
  return n === rows ? { kind: "plain", body, spans } : undefined;
}

/**
 * Reads the answer's numbers one by one (for metrics, or a caller's score): one string per answer, sliced per
 * number (~1.6x faster than a `toString` per number, bench/score (c)).
 */
export function plainScores(answer: PlainAnswer): (i: number) => number {
  const { body, spans } = answer;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1");
  return (i) => Number(text.slice(spans[2 * i] as number, spans[2 * i + 1] as number));
}
