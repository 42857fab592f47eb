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
 * Whether `body[s, e)` matches `0(\.\d+)?|1(\.0*)?|\d(\.\d+)?e-0*[1-9]\d*` (score-texts.ts's pattern),
 * checked by byte class.
 */
function plainNumber(body: Uint8Array, s: number, e: number): boolean {
  if (s >= e) return false;
  const lead = body[s] as number;
  if (!isDigit(lead)) return false;
  let p = s + 1;
  let dot = false;
  let fraction = 0;
  let zeros = true;
  if (body[p] === 0x2e /* . */) {
    dot = true;
    for (p++; p < e && isDigit(body[p] as number); p++, fraction++) if (body[p] !== DIGIT_0) zeros = false;
  }
  if (p === e) return (lead === DIGIT_0 && (!dot || fraction > 0)) || (lead === DIGIT_1 && zeros);
  if (body[p] !== 0x65 /* e */ || body[p + 1] !== 0x2d /* - */ || (dot && fraction === 0)) return false;
  for (p += 2; p < e && body[p] === DIGIT_0; p++);
  if (p === e || body[p] === DIGIT_0 || !isDigit(body[p] as number)) return false;
  for (p++; p < e; p++) if (!isDigit(body[p] as number)) return false;
  return true;
}

/** The answer's number spans when it is a plain list of exactly `rows` probabilities; else undefined. */
export function plainAnswer(body: Uint8Array, rows: number): PlainAnswer | undefined {
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  if (end < 3 || body[0] !== 0x5b /* [ */ || body[end - 1] !== 0x5d /* ] */) return undefined;
  const inner = end - 1;
  // As score-texts.ts splits: on ", " when the list holds one anywhere, otherwise on ",".
  let wide = false;
  for (let p = 1; p < inner - 1; p++) {
    if (body[p] === 0x2c && body[p + 1] === 0x20) {
      wide = true;
      break;
    }
  }
  const spans = new Uint32Array(rows * 2);
  let n = 0;
  let start = 1;
  for (let p = 1; p <= inner; p++) {
    if (p < inner && body[p] !== 0x2c) continue;
    // A comma inside a ", "-separated list is part of a text, which then is not a plain number.
    if (p < inner && wide && body[p + 1] !== 0x20) continue;
    if (n === rows || !plainNumber(body, start, p)) return undefined;
    spans[2 * n] = start;
    spans[2 * n + 1] = p;
    n++;
    start = wide ? p + 2 : p + 1;
    if (wide && p < inner) p++;
  }
  return n === rows ? { kind: "plain", body, spans } : undefined;
}

/** Number i of the answer (for metrics). */
export function plainScore(answer: PlainAnswer, i: number): number {
  const { body, spans } = answer;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Number(bytes.toString("latin1", spans[2 * i] as number, spans[2 * i + 1] as number));
}
