import { createHttpInvoker, isMlshipError } from "@mlship/core";
import { afterEach, describe, expect, it } from "vitest";
import { createModelSource } from "../model-source.js";
import { BINARY, dataset } from "../test/data.js";
import { startTestServer, type TestServer } from "../test/model-server.js";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function model(options: { maxBatchBytes?: number } = {}) {
  const server = await startTestServer(BINARY, "list");
  servers.push(server);
  const invoker = createHttpInvoker({ url: server.url, retries: 0 });
  const d = dataset(BINARY, 300, 17);
  const source = createModelSource({ invoker, features: d.features, retries: 0, ...options });
  const dicts = d.rows.map((r) => Object.fromEntries(d.features.map((f, i) => [f, r[i]])));
  return { server, source, d, dicts };
}

describe("coalesced CSV rows in one batch Buffer", () => {
  it("gives the callers of a failing row its error and every other caller its own score", async () => {
    const { server, source, d, dicts } = await model();
    server.faults.outOfRangeValue = d.rows[7]?.[0] as number;
    server.faults.poisonValue = d.rows[123]?.[0] as number;
    const settled = await Promise.allSettled(dicts.map((row) => source.predictDict(row)));
    settled.forEach((s, i) => {
      const bad = d.rows[i]?.[0] === d.rows[7]?.[0] || d.rows[i]?.[0] === d.rows[123]?.[0];
      if (bad) {
        expect(s.status).toBe("rejected");
        expect(isMlshipError((s as PromiseRejectedResult).reason)).toBe(true);
      } else
        expect((s as PromiseFulfilledResult<number>).value).toBeCloseTo(d.expected[i]?.[0] as number, 12);
    });
    await source.close();
  });

  it("cuts bodies by bytes, text with multi-byte characters included", async () => {
    const { server, source, dicts } = await model({ maxBatchBytes: 300 });
    const rows = dicts.map((r, i) => (i % 10 === 0 ? { ...r, f0: "ünïcödé" } : r));
    const settled = await Promise.allSettled(rows.map((row) => source.predictDict(row)));
    expect(server.maxBody).toBeLessThanOrEqual(300);
    expect(server.requests).toBeGreaterThan(20);
    // The test model reads "ünïcödé" as NaN: those rows fail alone, the others are scored.
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(270);
    await source.close();
  });
});
