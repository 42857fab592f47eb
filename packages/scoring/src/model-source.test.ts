import {
  collectingSink,
  createHttpInvoker,
  type HttpInvoker,
  isMlshipError,
  type MlshipError,
} from "@mlship/core";
import { afterEach, describe, expect, it } from "vitest";
import { createModelSource } from "./model-source.js";
import { BINARY, dataset, MULTI } from "./test/data.js";
import { type ResponseShape, startTestServer, type TestServer } from "./test/model-server.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function endpoint(
  model = BINARY,
  shape: ResponseShape = "list",
): Promise<{ server: TestServer; invoker: HttpInvoker }> {
  const server = await startTestServer(model, shape);
  // No invoker-level retries: the model source's own retries are under test.
  const invoker = createHttpInvoker({ url: server.url, retries: 0 });
  cleanup.push(
    () => server.close(),
    () => invoker.close(),
  );
  return { server, invoker };
}

const toDict = (features: string[], row: number[]) => Object.fromEntries(features.map((f, i) => [f, row[i]]));

describe("model source, binary", () => {
  const d = dataset(BINARY, 300, 3);
  const dicts = d.rows.map((r) => toDict(d.features, r));
  const expected = d.expected.map((p) => p[0] as number);
  const shapes: ResponseShape[] = ["list", "pairs", "predictions", "csv", "csv-pairs", "npy", "npy-pairs"];
  const contentTypes = ["text/csv", "application/json", "application/x-npy"];

  for (const shape of shapes) {
    for (const contentType of contentTypes) {
      it(`reads ${shape} answers to ${contentType} requests`, async () => {
        const { server, invoker } = await endpoint(BINARY, shape);
        const model = createModelSource({ invoker, features: d.features, contentType, maxBatchRows: 128 });
        const scores = await model.predictBatch(dicts);
        expect(scores).toHaveLength(300);
        scores.forEach((s, i) => {
          expect(s).toBeCloseTo(expected[i] as number, 12);
        });
        expect(server.requests).toBe(3);
      });
    }
  }

  it("uses the feature order, not the row's key order", async () => {
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const reversed = Object.fromEntries(Object.entries(dicts[0] as Record<string, number>).reverse());
    expect(await model.predictDict(reversed)).toBeCloseTo(expected[0] as number, 12);
  });

  it("picks the positive class by index or by label", async () => {
    const { invoker } = await endpoint(BINARY, "pairs");
    const byIndex = createModelSource({ invoker, features: d.features, positiveIndex: 0 });
    expect(await byIndex.predictDict(dicts[1] as Record<string, number>)).toBeCloseTo(
      1 - (expected[1] as number),
      12,
    );
    const byLabel = createModelSource({
      invoker,
      features: d.features,
      classes: ["benign", "malignant"],
      positiveLabel: "benign",
    });
    expect(await byLabel.predictDict(dicts[1] as Record<string, number>)).toBeCloseTo(
      1 - (expected[1] as number),
      12,
    );
    expect(() =>
      createModelSource({ invoker, features: d.features, classes: ["a", "b"], positiveLabel: "c" }),
    ).toThrow(/positiveLabel/);
  });

  it("takes the output settings as one `output` group, or a parser function", async () => {
    const { invoker } = await endpoint(BINARY, "pairs");
    const grouped = createModelSource({
      invoker,
      features: d.features,
      output: { classes: ["benign", "malignant"], positiveLabel: "benign" },
    });
    expect(await grouped.predictDict(dicts[1] as Record<string, number>)).toBeCloseTo(
      1 - (expected[1] as number),
      12,
    );
    const parser = createModelSource({
      invoker,
      features: d.features,
      output: (response) =>
        (JSON.parse(new TextDecoder().decode(response.body)) as number[][]).map((r) => r[0]),
    });
    expect(await parser.predictDict(dicts[1] as Record<string, number>)).toBeCloseTo(
      1 - (expected[1] as number),
      12,
    );
    expect(() => createModelSource({ invoker, positiveIndex: 1, output: { positiveIndex: 0 } })).toThrow(
      expect.objectContaining({ code: "E_CONFIG", where: "output.positiveIndex" }),
    );
  });

  it("applies a preprocess hook (the template's custom_preprocessing)", async () => {
    const { invoker } = await endpoint();
    const model = createModelSource({
      invoker,
      preprocess: (row) => d.features.map((f) => Number(row[`raw_${f}`]) / 10),
    });
    const raw = Object.fromEntries(
      d.features.map((f, i) => [`raw_${f}`, String(((d.rows[2] as number[])[i] as number) * 10)]),
    );
    expect(await model.predictDict(raw)).toBeCloseTo(expected[2] as number, 12);
  });

  it("hands the response to a custom parser", async () => {
    const { invoker } = await endpoint(BINARY, "csv");
    const model = createModelSource({
      invoker,
      features: d.features,
      parse: (response) =>
        Buffer.from(response.body)
          .toString()
          .split("\n")
          .map((l) => 1 - Number(l)),
    });
    const scores = await model.predictBatch(dicts.slice(0, 5));
    scores.forEach((s, i) => {
      expect(s).toBeCloseTo(1 - (expected[i] as number), 12);
    });
  });
});

describe("model source, multi-class", () => {
  const d = dataset(MULTI, 120, 5);
  const dicts = d.rows.map((r) => toDict(d.features, r));
  for (const shape of ["list", "csv", "npy", "predictions"] as const) {
    it(`returns per-class arrays summing to 1 (${shape})`, async () => {
      const { invoker } = await endpoint(MULTI, shape);
      const model = createModelSource({ invoker, features: d.features, task: "multiclass" });
      const scores = await model.predictBatch(dicts);
      scores.forEach((s, i) => {
        expect(s).toHaveLength(3);
        expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        s.forEach((p, k) => {
          expect(p).toBeCloseTo((d.expected[i] as number[])[k] as number, 12);
        });
      });
    });
  }

  it("rejects a 3-class answer for a binary task unless the positive class is named", async () => {
    const { invoker } = await endpoint(MULTI, "list");
    const binary = createModelSource({ invoker, features: d.features });
    await expect(binary.predictDict(dicts[0] as Record<string, number>)).rejects.toMatchObject({
      code: "E_SCORE_OUT_OF_RANGE",
    });
    const oneVsRest = createModelSource({ invoker, features: d.features, positiveIndex: 2 });
    expect(await oneVsRest.predictDict(dicts[0] as Record<string, number>)).toBeCloseTo(
      (d.expected[0] as number[])[2] as number,
      12,
    );
  });
});

describe("coalescing", () => {
  const d = dataset(BINARY, 250, 9);
  const dicts = d.rows.map((r) => toDict(d.features, r));

  it("batches concurrent predictDict calls and gives each caller its own row", async () => {
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features, maxBatchRows: 100 });
    const scores = await Promise.all(dicts.map((row) => model.predictDict(row)));
    scores.forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    expect(server.requests).toBe(3);
    expect(server.rows).toBe(250);
  });

  it("flushes by bytes too", async () => {
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features, maxBatchBytes: 500 });
    await Promise.all(dicts.map((row) => model.predictDict(row)));
    expect(server.maxBody).toBeLessThanOrEqual(500);
    expect(server.requests).toBeGreaterThan(10);
  });

  it("sends one request per call with coalescing off (the template's behaviour)", async () => {
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features, coalesce: false });
    await Promise.all(dicts.slice(0, 40).map((row) => model.predictDict(row)));
    expect(server.requests).toBe(40);
  });

  it("collects calls made from separate async callers in the same turn", async () => {
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const worker = async (start: number) => {
      const out: number[] = [];
      for (let i = start; i < start + 25; i++)
        out.push(await model.predictDict(dicts[i] as Record<string, number>));
      return out;
    };
    const results = await Promise.all([0, 25, 50, 75].map(worker));
    results.flat().forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    expect(server.requests).toBe(25);
  });
});

describe("failures stay with their rows", () => {
  const d = dataset(BINARY, 64, 13);
  const dicts = d.rows.map((r) => toDict(d.features, r));
  const expected = d.expected.map((p) => p[0] as number);

  it("isolates one bad row in a batch by splitting", async () => {
    const { server, invoker } = await endpoint();
    server.faults.poisonValue = -5;
    const rows = dicts.map((r, i) => (i === 37 ? { ...r, f0: -5 } : r));
    const model = createModelSource({ invoker, features: d.features });
    const results = await model.predictBatchSettled(rows);
    results.forEach((r, i) => {
      if (i === 37) expect(r).toMatchObject({ code: "E_MODEL_ERROR", where: "row 37" });
      else expect(r).toBeCloseTo(expected[i] as number, 12);
    });
    // 1 + 2 per level of a 64-row bisection: far fewer than one request per row.
    expect(server.requests).toBe(1 + 2 * 6);
    await expect(model.predictBatch(rows)).rejects.toMatchObject({ code: "E_MODEL_ERROR" });
  });

  it("narrows down a batch where every row fails one request at a time", async () => {
    const { server, invoker } = await endpoint();
    server.faults.poisonValue = -5;
    server.faults.delayMs = 2; // answers overlap if requests are sent together
    const model = createModelSource({ invoker, features: d.features, maxConsecutiveFailures: 1000 });
    const results = await model.predictBatchSettled(dicts.map((r) => ({ ...r, f0: -5 })));
    results.forEach((r, i) => {
      expect(r).toMatchObject({ code: "E_MODEL_ERROR", where: `row ${i}` });
    });
    expect(server.requests).toBe(2 * 64 - 1); // every node of the bisection tree
    // Halves in parallel would have had dozens of requests in flight on this one batch.
    expect(server.maxInFlight).toBe(1);
  });

  it("marks out-of-range and NaN scores as errors for those rows only", async () => {
    const { server, invoker } = await endpoint(BINARY, "csv");
    server.faults.outOfRangeValue = 9;
    server.faults.nanValue = 8;
    const rows = dicts.map((r, i) => (i === 3 ? { ...r, f0: 9 } : i === 5 ? { ...r, f0: 8 } : r));
    const model = createModelSource({ invoker, features: d.features });
    const results = await model.predictBatchSettled(rows);
    expect(results[3]).toMatchObject({ code: "E_SCORE_OUT_OF_RANGE", where: "row 3" });
    expect(results[5]).toMatchObject({ code: "E_SCORE_OUT_OF_RANGE", where: "row 5" });
    results.forEach((r, i) => {
      if (i !== 3 && i !== 5) expect(r).toBeCloseTo(expected[i] as number, 12);
    });
  });

  it("never shifts results when the answer has the wrong number of rows", async () => {
    const { server, invoker } = await endpoint();
    server.faults.dropOne = true;
    const model = createModelSource({ invoker, features: d.features });
    // Multi-row requests answer one short; only single-row requests line up, and those are used.
    const results = await model.predictBatchSettled(dicts.slice(0, 8));
    results.forEach((r, i) => {
      expect(r).toBeCloseTo(expected[i] as number, 12);
    });
    expect(server.requests).toBe(15);
  });

  it("reports E_SCORE_ROW_MISMATCH when even single rows do not line up", async () => {
    const { invoker } = await endpoint();
    const model = createModelSource({
      invoker,
      features: d.features,
      parse: () => [[0.5], [0.5], [0.5]],
    });
    const results = await model.predictBatchSettled(dicts.slice(0, 2));
    for (const r of results) expect(r).toMatchObject({ code: "E_SCORE_ROW_MISMATCH" });
  });

  it("retries transient failures with backoff, then succeeds", async () => {
    const { server, invoker } = await endpoint();
    server.faults.statuses = [503, 502, 429];
    const events = collectingSink();
    const model = createModelSource({ invoker, features: d.features, retryBaseDelayMs: 5, events });
    expect(await model.predictBatch(dicts.slice(0, 10))).toHaveLength(10);
    expect(events.of("invoke.retry").map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(server.requests).toBe(4);
  });

  it("gives up on a transient failure after the retries, failing the call rather than the rows", async () => {
    const { server, invoker } = await endpoint();
    server.faults.statuses = [503, 503, 503];
    const model = createModelSource({ invoker, features: d.features, retries: 2, retryBaseDelayMs: 1 });
    const error = (await model.predictBatchSettled(dicts.slice(0, 4)).catch((e) => e)) as MlshipError;
    expect(isMlshipError(error)).toBe(true);
    expect(error.code).toBe("E_MODEL_ERROR");
    expect(error.details?.status).toBe(503);
  });

  it("stops after many rows fail one by one", async () => {
    const { server, invoker } = await endpoint();
    server.faults.poisonValue = 0.5;
    const rows = dicts.slice(0, 20).map((r) => ({ ...r, f0: 0.5 }));
    const model = createModelSource({ invoker, features: d.features, maxConsecutiveFailures: 5 });
    await expect(model.predictBatchSettled(rows)).rejects.toMatchObject({ code: "E_INVOKE_FAILED" });
  });

  it("rejects a row with a missing feature without sending it", async () => {
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    await expect(model.predictDict({ f0: 1 })).rejects.toMatchObject({ code: "E_INVALID_INPUT" });
    expect(server.requests).toBe(0);
  });
});
