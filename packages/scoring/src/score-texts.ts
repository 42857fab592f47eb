/**
 * The most common binary answer, a flat JSON list of plain probabilities (`[0.1,0.93]`, or Python's
 * `[0.1, 0.93]`), read without JSON.parse and keeping each number's text. CSV output then writes those texts
 * as they came instead of turning every number back into text, which was the costliest step of a large
 * scoring run (bench/score). Anything else — exponents above -1, NaN, nested lists, objects, whitespace —
 * is left to the general decoder, which also names what is wrong.
 */
const PLAIN_PROBABILITY = /^(?:0(?:\.\d+)?|1(?:\.0*)?|\d(?:\.\d+)?e-0*[1-9]\d*)$/;

const textsOfScores = new WeakMap<readonly unknown[], readonly string[]>();

/** The number texts a results array was read from, when it came from `plainProbabilityList` unchanged. */
export const scoreTexts = (results: readonly unknown[]): readonly string[] | undefined =>
  textsOfScores.get(results);

/** Scores of a flat JSON list of probabilities in [0, 1], remembering their texts; undefined for any other body. */
export function plainProbabilityList(body: Uint8Array): number[] | undefined {
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  if (end < 3 || body[0] !== 0x5b /* [ */ || body[end - 1] !== 0x5d /* ] */) return undefined;
  // Latin-1 maps each byte to one character; a non-ASCII byte cannot match the pattern below anyway.
  const inner = Buffer.from(body.buffer, body.byteOffset, end).toString("latin1", 1, end - 1);
  const texts = inner.split(inner.includes(", ") ? ", " : ",");
  const scores = new Array<number>(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i] as string;
    if (!PLAIN_PROBABILITY.test(t)) return undefined;
    scores[i] = Number(t);
  }
  textsOfScores.set(scores, texts);
  return scores;
}
