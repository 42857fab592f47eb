import { describe, expect, it } from "vitest";
import { isMlshipError } from "../errors.js";
import { deserialize, serialize } from "./serialize.js";

const rows = [
  [1, 2.5],
  [-3, 4],
];

describe("serialize / deserialize", () => {
  it.each([
    "text/csv",
    "application/json",
    "application/x-npy",
    "text/csv; charset=utf-8",
    "Application/JSON; charset=UTF-8",
  ])("round-trips rows as %s", (type) => {
    expect(deserialize(serialize(rows, type), type)).toEqual(rows);
  });

  it("writes the bytes each format expects", () => {
    expect(new TextDecoder().decode(serialize([0.5, 1], "text/csv"))).toBe("0.5\n1\n");
    expect(new TextDecoder().decode(serialize(rows, "application/json"))).toBe("[[1,2.5],[-3,4]]");
    expect(serialize(rows, "application/x-npy")[0]).toBe(0x93);
  });

  it("rejects unknown content types", () => {
    for (const fn of [
      () => serialize(rows, "text/plain"),
      () => deserialize(new Uint8Array(), "application/xml"),
    ]) {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(isMlshipError(e) && e.code).toBe("E_UNSUPPORTED_MEDIA_TYPE");
      }
    }
  });
});
