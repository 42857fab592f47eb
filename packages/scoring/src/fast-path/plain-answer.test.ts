import { describe, expect, it } from "vitest";
import { plainProbabilityList, scoreTexts } from "../score-texts.js";
import { lcg } from "../test/data.js";
import { plainAnswer } from "./plain-answer.js";

// Texts JSON (and near-JSON junk) can hold where a probability is expected.
const TEXTS = [
  ...["0", "1", "0.25", "1.0", "1.", "0.", "1.00", "0.0", "1.5", "2", "9", "-0", ".5", "01", "00.5"],
  ...["2.5e-1", "2.5e-01", "5e-1", "0.5e-1", "1e-05", "2.5E-1", "25e-2", "0.25e0", "1e0", "2.5e+0", "2.e-1"],
  ...["1e-", "1e", "0.5e-0", "7e-00", "NaN", "null", "", " 0.5", "0.5 ", "[0.5]", "0,5"],
];
const SEPARATORS = [",", ", ", ",  ", " ,"];

describe("plainAnswer", () => {
  it("accepts exactly the bodies plainProbabilityList accepts, with the same texts", () => {
    const rand = lcg(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
    let plain = 0;
    for (let k = 0; k < 20_000; k++) {
      const n = 1 + Math.floor(rand() * 4);
      const texts = Array.from({ length: n }, () => (rand() < 0.7 ? pick(TEXTS.slice(0, 8)) : pick(TEXTS)));
      const sep = rand() < 0.9 ? (rand() < 0.5 ? "," : ", ") : pick(SEPARATORS);
      let text = `[${texts.join(sep)}]`;
      if (rand() < 0.1) text = text.replace(sep, pick(SEPARATORS));
      if (rand() < 0.2) text += pick(["\n", "\r\n", " ", "\n\n"]);
      const body = Buffer.from(text);
      const general = plainProbabilityList(body);
      const rows = rand() < 0.9 ? n : n + pick([-1, 1]);
      const fast = plainAnswer(body, rows);
      expect(fast !== undefined, text).toBe(general?.length === rows);
      if (fast && general) {
        plain++;
        const spans = Array.from({ length: rows }, (_, i) =>
          body.toString("latin1", fast.spans[2 * i], fast.spans[2 * i + 1]),
        );
        expect(spans).toEqual(scoreTexts(general));
      }
    }
    expect(plain).toBeGreaterThan(2000);
  });
});
