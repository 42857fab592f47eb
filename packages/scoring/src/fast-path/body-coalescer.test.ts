import { createHttpInvoker, isMlshipError } from "@mlship/core";
import { afterEach, describe, expect, it } from "vitest";
import { createModelSource } from "../model-source.js";
import { BINARY, dataset } from "../test/data.js";
import { startTestServer, type TestServer } from "../test/model-server.js";
import { BodyCoalescer } from "./body-coalescer.js";
import type { BodyRows } from "./body-rows.js";

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

  it("writes a row of numbers as the same bytes as its CSV text, and declines any other row", async () => {
    const bodies = (add: (c: BodyCoalescer<number>, row: number[]) => Promise<number> | undefined) => {
      const sent: Buffer[] = [];
      const coalescer = new BodyCoalescer<number>({
        ...{ maxRows: 50, maxBytes: 1500, overheadBytes: 0 },
        send: async (rows: BodyRows) => {
          sent.push(Buffer.from(rows.body()));
          return Array.from({ length: rows.length }, () => 0.5);
        },
      });
      return { sent, coalescer, add };
    };
    const values = [0, -0, 1.5, -2.25, 1e-7, 123456789.125, 2 ** 21, 0.1 + 0.2, -1 / 3, 7, 1e21, 5e-324];
    const rows = Array.from({ length: 400 }, (_, i) =>
      Array.from(
        { length: 1 + (i % 6) },
        (_, j) => (values[(i * 7 + j) % values.length] as number) * (i + 1),
      ),
    );
    const bytes = bodies((c, row) => c.addNumbers(row));
    const text = bodies((c, row) => c.add(JSON.stringify(row).slice(1, -1)));
    for (const run of [bytes, text]) await Promise.all(rows.map((row) => run.add(run.coalescer, row)));
    expect(Buffer.concat(bytes.sent).equals(Buffer.concat(text.sent))).toBe(true);
    expect(bytes.sent.length).toBeGreaterThan(8); // cut by rows and by bytes
    for (const odd of [[1, Number.NaN], [Number.POSITIVE_INFINITY], [1, "a" as unknown as number]])
      expect(bytes.coalescer.addNumbers(odd)).toBeUndefined();
  });
});
