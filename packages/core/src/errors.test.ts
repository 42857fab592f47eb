import { describe, expect, it } from "vitest";
import { isMlshipError, MlshipError } from "./errors.js";

describe("MlshipError", () => {
  it("carries code, hint, where and cause", () => {
    const cause = new Error("boom");
    const e = new MlshipError("E_INVALID_INPUT", "row 3 has 2 columns, expected 4", {
      hint: "fix it",
      where: "data.csv:4",
      cause,
    });
    expect(e.code).toBe("E_INVALID_INPUT");
    expect(e.hint).toBe("fix it");
    expect(e.where).toBe("data.csv:4");
    expect(e.cause).toBe(cause);
    expect(e.name).toBe("MlshipError");
    expect(e.toJSON()).toMatchObject({ code: "E_INVALID_INPUT", where: "data.csv:4" });
  });

  it("is recognised by brand, not by class identity", () => {
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@mlship/core:error")]: true, code: "E_X" });
    expect(isMlshipError(foreign)).toBe(true);
    expect(isMlshipError(new Error("plain"))).toBe(false);
    expect(isMlshipError(null)).toBe(false);
  });
});
