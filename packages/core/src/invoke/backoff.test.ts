import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter, sleep } from "./backoff.js";

describe("backoffDelay", () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  it("doubles per attempt with jitter in the upper half, capped", () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, () => 1)).toBe(100);
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(3, opts, () => 1)).toBe(400);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
  });
  it("waits at least the server's Retry-After, still capped", () => {
    expect(backoffDelay(1, { ...opts, retryAfterMs: 700 }, () => 0)).toBe(700);
    expect(backoffDelay(1, { ...opts, retryAfterMs: 30_000 }, () => 0)).toBe(1000);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("sleep", () => {
  it("rejects with the abort reason", async () => {
    const c = new AbortController();
    const p = sleep(60_000, c.signal);
    c.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });
});
