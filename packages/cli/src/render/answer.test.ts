import { CONTENT_TYPES, encodeNpy } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { decodeAnswer, renderAnswer } from "./answer.js";

const render = (body: Uint8Array, contentType: string) =>
  renderAnswer(body, contentType, decodeAnswer(body, contentType));

describe("printing an endpoint's answer", () => {
  it("prints a 1-D .npy answer one value per line, with no header line", () => {
    const body = encodeNpy([0.25, 0.75]);
    expect(render(body, CONTENT_TYPES.npy)).toBe("0.25\n0.75\n");
  });

  it("prints a 2-D .npy answer one row per line, comma-separated", () => {
    const body = encodeNpy([
      [0.1, 0.9],
      [0.8, 0.2],
    ]);
    expect(render(body, CONTENT_TYPES.npy)).toBe("0.1,0.9\n0.8,0.2\n");
  });

  it("prints CSV as it came, JSON as one line", () => {
    expect(render(Buffer.from("0.5\n0.25"), CONTENT_TYPES.csv)).toBe("0.5\n0.25\n");
    expect(render(Buffer.from("[0.5, 0.25]"), CONTENT_TYPES.json)).toBe("[0.5,0.25]\n");
  });
});
