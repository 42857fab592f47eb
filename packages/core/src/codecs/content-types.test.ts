import { describe, expect, it } from "vitest";
import { isMlshipError } from "../errors.js";
import { CONTENT_TYPES, mediaType, negotiateAccept } from "./content-types.js";

const ALL = [CONTENT_TYPES.json, CONTENT_TYPES.csv, CONTENT_TYPES.npy];

describe("mediaType", () => {
  it("drops parameters and case", () => {
    expect(mediaType("Text/CSV; charset=utf-8")).toBe("text/csv");
    expect(mediaType(" application/json ")).toBe("application/json");
  });
});

describe("negotiateAccept", () => {
  it("uses the fallback when there is no Accept or it is */*", () => {
    expect(negotiateAccept(undefined, ALL, "application/json")).toBe("application/json");
    expect(negotiateAccept("", ALL, "text/csv")).toBe("text/csv");
    expect(negotiateAccept("*/*", ALL, "text/csv")).toBe("text/csv");
  });

  it("honours exact types, parameters, q-values and wildcards", () => {
    expect(negotiateAccept("text/csv", ALL, "application/json")).toBe("text/csv");
    expect(negotiateAccept("text/csv; charset=utf-8", ALL, "application/json")).toBe("text/csv");
    expect(negotiateAccept("text/csv;q=0.5, application/x-npy", ALL, "application/json")).toBe(
      "application/x-npy",
    );
    expect(negotiateAccept("text/*", ALL, "application/json")).toBe("text/csv");
    expect(negotiateAccept("application/*;q=0.9, text/csv", ALL, "application/json")).toBe("text/csv");
    expect(negotiateAccept("*/*, application/json;q=0", ALL, "application/json")).toBe("text/csv");
  });

  it("prefers the range listed first among equal q-values", () => {
    expect(negotiateAccept("application/x-npy, text/csv", ALL, "application/json")).toBe("application/x-npy");
  });

  it("raises E_UNSUPPORTED_MEDIA_TYPE listing what is supported", () => {
    try {
      negotiateAccept("image/png", ALL, "application/json");
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.code).toBe("E_UNSUPPORTED_MEDIA_TYPE");
      expect(isMlshipError(e) && e.hint).toContain("text/csv");
    }
  });
});
