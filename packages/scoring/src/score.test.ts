import { spawn } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { collectingSink, createHttpInvoker, decodeCsv } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { parquetWriteFile } from "hyparquet-writer";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkpointPaths } from "./checkpoint.js";
import type { BinaryMetrics, MulticlassMetrics } from "./metrics.js";
import { createModelSource } from "./model-source.js";
import { score } from "./score.js";
import { BINARY, type Dataset, dataset, MULTI, writeCsv } from "./test/data.js";
import { type ResponseShape, startTestServer, type TestModel } from "./test/model-server.js";
import { runPython } from "./test/python.js";

let dir: string;
const cleanup: Array<() => Promise<void>> = [];
beforeEach(() => {
  dir = tempDir("mlship-scoring-");
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function endpoint(model: TestModel = BINARY, shape: ResponseShape = "list") {
  const server = await startTestServer(model, shape);
  const invoker = createHttpInvoker({ url: server.url, retries: 0 });
  cleanup.push(
    () => server.close(),
    () => invoker.close(),
  );
  return { server, invoker };
}

/** Output CSV as header + rows of raw text fields. */
async function readOut(path: string): Promise<{ header: string[]; rows: string[][] }> {
  const text = await readFile(path, "utf8");
  const [header, ...rows] = decodeCsv(text).map((r) => r.map((c) => (c === null ? "" : String(c))));
  return { header: header as string[], rows };
}

const SKLEARN_FROM_FILES = `
import json, sys
import numpy as np, pandas as pd
from sklearn import metrics as m
d = json.load(sys.stdin)
data = pd.read_csv(d["data"], float_precision="round_trip"); out = pd.read_csv(d["out"], float_precision="round_trip")
y = data["target"].to_numpy(); s = out["score"].to_numpy()
pred = (s >= 0.5).astype(int)
print(json.dumps({"rocAuc": m.roc_auc_score(y, s), "prAuc": m.average_precision_score(y, s),
  "logLoss": m.log_loss(y, s), "brier": m.brier_score_loss(y, s), "accuracy": m.accuracy_score(y, pred),
  "precision": m.precision_score(y, pred), "recall": m.recall_score(y, pred), "f1": m.f1_score(y, pred),
  "cm": m.confusion_matrix(y, pred).tolist(), "n": int(len(out))}))
`;

describe("score: CSV", () => {
  it("scores every row in order, keeps columns, and reports metrics that match scikit-learn", async () => {
    const d = dataset(BINARY, 2500, 21);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.csv");
    await writeCsv(data, d);
    const { server, invoker } = await endpoint();
    const events = collectingSink();
    const model = createModelSource({ invoker, features: d.features });
    const summary = await score({
      model,
      data,
      label: "target",
      keep: ["id"],
      out,
      batchSize: 300,
      progressIntervalMs: 1,
      events,
    });
    expect(summary).toMatchObject({ rows: 2500, scored: 2500, failed: 0, resumedAt: 0 });
    expect(summary.columns).toEqual(["id", "score", "error"]);
    expect(server.requests).toBe(9);
    const { header, rows } = await readOut(out);
    expect(header).toEqual(["id", "score", "error"]);
    expect(rows).toHaveLength(2500);
    rows.forEach((r, i) => {
      expect(r[0]).toBe(`r${i}`);
      expect(Number(r[1])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
      expect(r[2]).toBe("");
    });
    const ref = runPython(SKLEARN_FROM_FILES, { data, out }) as Record<string, number> & {
      cm: number[][];
      n: number;
    };
    const m = summary.metrics as BinaryMetrics;
    expect(ref.n).toBe(2500);
    for (const k of [
      "rocAuc",
      "prAuc",
      "logLoss",
      "brier",
      "accuracy",
      "precision",
      "recall",
      "f1",
    ] as const) {
      expect(m[k]).toBeCloseTo(ref[k] as number, 10);
    }
    expect(m.confusionMatrix).toEqual(ref.cm);
    expect(summary.latency.requests).toBe(9);
    expect(summary.latency.p99Ms).toBeGreaterThanOrEqual(summary.latency.p50Ms);
    const progress = events.of("score.progress");
    expect(progress.at(-1)).toMatchObject({ rowsDone: 2500, rowsFailed: 0, etaSeconds: 0 });
    // The row count of a CSV is unknown: progress is also given in bytes of the input, ending at its size.
    const size = (await stat(data)).size;
    expect(progress.at(-1)).toMatchObject({ bytesRead: size, totalBytes: size });
    await expect(stat(checkpointPaths(out).json)).rejects.toThrow();
  });

  it("sends features in the model's order, whatever the file's column order", async () => {
    const d = dataset(BINARY, 50, 22);
    const data = join(dir, "data.csv");
    // Columns shuffled: f2,target,f0,id,f3,f1.
    const lines = d.rows.map((r, i) => [r[2], d.labels[i], r[0], `r${i}`, r[3], r[1]].join(","));
    await writeFile(data, `f2,target,f0,id,f3,f1\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const summary = await score({ model: createModelSource({ invoker, features: d.features }), data });
    (summary.results as number[]).forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
  });

  it("refuses a duplicated column name it would read, rather than sending the first one's values twice", async () => {
    const d = dataset(BINARY, 20, 27);
    const data = join(dir, "data.csv");
    await writeFile(data, `f0,f0,f2,f3,id\n${d.rows.map((r, i) => [...r, `r${i}`].join(",")).join("\n")}\n`);
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker });
    await expect(score({ model, data })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
      message: expect.stringContaining("more than one column named 'f0'"),
    });
    await expect(score({ model, data, features: ["f2", "f3"], keep: ["f0"] })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
    });
    expect(server.requests).toBe(0);
    // Duplicates nobody reads are fine.
    const lines = d.rows.map((r, i) => [`r${i}`, ...r, i].join(","));
    await writeFile(data, `id,f0,f1,f2,f3,id\n${lines.join("\n")}\n`);
    const summary = await score({ model, data, features: d.features });
    (summary.results as number[]).forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
  });

  it("keeps going past bad rows: each gets an error, the rest are scored, nothing dropped", async () => {
    const d = dataset(BINARY, 400, 23);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.csv");
    const lines = d.rows.map((r, i) => [`r${i}`, ...r, d.labels[i]].join(","));
    lines[10] = `r10,${-7},1,2,3,0`; // the model rejects f0 = -7 (HTTP 500)
    lines[200] = "r200,1,2,0"; // ragged
    lines[300] = `"r300, quoted",${(d.rows[300] as number[]).join(",")},${d.labels[300]}`;
    lines[350] = `r350,9,1,1,1,1`; // out of range answer
    await writeFile(data, `id,f0,f1,f2,f3,target\r\n${lines.join("\r\n")}\r\n`);
    const { server, invoker } = await endpoint();
    server.faults.poisonValue = -7;
    server.faults.outOfRangeValue = 9;
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      keep: "all",
      label: "target",
      batchSize: 100,
    });
    expect(summary).toMatchObject({ rows: 400, failed: 3 });
    expect(Object.fromEntries(summary.reasons.map((r) => [r.code, [r.rows, r.firstRow]]))).toEqual({
      E_MODEL_ERROR: [1, 10],
      E_INVALID_INPUT: [1, 200],
      E_SCORE_OUT_OF_RANGE: [1, 350],
    });
    const { header, rows } = await readOut(out);
    expect(header).toEqual(["id", "f0", "f1", "f2", "f3", "target", "score", "error"]);
    expect(rows).toHaveLength(400);
    expect(rows[10]?.[7]).toMatch(/^E_MODEL_ERROR: .*500/);
    expect(rows[200]?.[0]).toBe("r200");
    expect(rows[200]?.[7]).toMatch(/^E_INVALID_INPUT: /);
    expect(rows[300]?.[0]).toBe("r300, quoted");
    expect(rows[350]?.[7]).toMatch(/^E_SCORE_OUT_OF_RANGE/);
    rows.forEach((r, i) => {
      if (![10, 200, 350].includes(i)) {
        expect(Number(r[6])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
        expect(r[7]).toBe("");
      } else expect(r[6]).toBe("");
    });
    expect((summary.metrics as BinaryMetrics).count).toBe(397);
  });

  it("reads quote-free lines in the chunk the same way: CRLF, blank lines, ragged rows, a label", async () => {
    const d = dataset(BINARY, 300, 31);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.csv");
    const lines = d.rows.map((r, i) => [...r, d.labels[i]].join(","));
    lines[5] = "1,2,0"; // short
    lines[6] = `${lines[6]},9`; // long
    lines[7] = "nocommas";
    lines[100] = `\r\n${lines[100]}`; // a blank line before row 100
    await writeFile(data, `f0,f1,f2,f3,target\r\n${lines.join("\r\n")}\r\n\r\n`);
    const { invoker } = await endpoint();
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      label: "target",
      batchSize: 64,
    });
    expect(summary).toMatchObject({ rows: 300, failed: 3 });
    expect(summary.reasons).toEqual([
      expect.objectContaining({ code: "E_INVALID_INPUT", rows: 3, firstRow: 5 }),
    ]);
    const { rows } = await readOut(out);
    expect(rows).toHaveLength(300);
    rows.forEach((r, i) => {
      if (i >= 5 && i <= 7) expect(r[1]).toMatch(/^E_INVALID_INPUT: /);
      else expect(Number(r[0])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    expect((summary.metrics as BinaryMetrics).count).toBe(297);
  });

  it("keeps line breaks inside quoted fields as they are in a CRLF file", async () => {
    const d = dataset(BINARY, 40, 28);
    const data = join(dir, "data.csv");
    const id = (i: number) =>
      i % 3 === 0 ? `note ${i}\r\nsecond, "line"` : i % 3 === 1 ? `a\nb ${i}` : `r${i}`;
    const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    const lines = d.rows.map((r, i) => [q(id(i)), ...r, d.labels[i]].join(","));
    await writeFile(data, `id,f0,f1,f2,f3,target\r\n${lines.join("\r\n")}\r\n`);
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    for (const out of ["scores.csv", "scores.jsonl"]) {
      const summary = await score({ model, data, out: join(dir, out), keep: ["id"], label: "target" });
      expect(summary).toMatchObject({ rows: 40, failed: 0 });
      const ids =
        out === "scores.csv"
          ? (await readOut(join(dir, out))).rows.map((r) => r[0])
          : (await readFile(join(dir, out), "utf8"))
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l).id);
      expect(ids).toEqual(d.rows.map((_, i) => id(i)));
    }
  });

  it("reads a quote inside an unquoted field as text (15\" screen), as Python's csv and pandas do", async () => {
    const d = dataset(BINARY, 40, 29);
    const data = join(dir, "data.csv");
    const id = (i: number) => (i === 3 ? `screen 15" laptop` : i === 10 ? `5"` : `r${i}`);
    const lines = d.rows.map((r, i) => [id(i), ...r, d.labels[i]].join(","));
    await writeFile(data, `id,f0,f1,f2,f3,target\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const out = join(dir, "scores.csv");
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      keep: ["id"],
    });
    expect(summary).toMatchObject({ rows: 40, failed: 0 });
    const { rows } = await readOut(out);
    expect(rows.map((r) => r[0])).toEqual(d.rows.map((_, i) => id(i)));
    rows.forEach((r, i) => {
      expect(Number(r[1])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
  });

  it("leaves kept columns empty for a record it cannot read, naming its file line, so the output stays rectangular", async () => {
    const d = dataset(BINARY, 20, 30);
    const data = join(dir, "data.csv");
    const lines = d.rows.map((r, i) => [i === 4 ? `"r4"x` : `r${i}`, ...r, d.labels[i]].join(","));
    await writeFile(data, `id,f0,f1,f2,f3,target\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const out = join(dir, "scores.csv");
    await score({ model, data, out, keep: ["id", "target"] });
    const { header, rows } = await readOut(out);
    expect(rows).toHaveLength(20);
    for (const r of rows) expect(r).toHaveLength(header.length);
    expect(rows[4]?.slice(0, 3)).toEqual(["", "", ""]);
    expect(rows[4]?.[3]).toBe(`E_INVALID_INPUT: Line 6: ',' expected after '"'`);
    expect(rows[5]?.[0]).toBe("r5");
  });

  it("keeps column names that read like values (01, True, nan) as they are", async () => {
    const d = dataset(BINARY, 30, 24);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.csv");
    const lines = d.rows.map((r, i) => [`0${i}`, i % 2 === 0, ...r, d.labels[i]].join(","));
    await writeFile(data, `01,True,f0,f1,f2,nan,target\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const summary = await score({
      model: createModelSource({ invoker }),
      data,
      out,
      features: ["f0", "f1", "f2", "nan"],
      label: "target",
      keep: ["01", "True"],
    });
    expect(summary).toMatchObject({ rows: 30, failed: 0, columns: ["01", "True", "score", "error"] });
    const { header, rows } = await readOut(out);
    expect(header).toEqual(["01", "True", "score", "error"]);
    rows.forEach((r, i) => {
      expect(Number(r[2])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
  });

  it("sends quoted numbers unquoted (QUOTE_ALL files), as numpy-based model servers need", async () => {
    const d = dataset(BINARY, 60, 26);
    const data = join(dir, "data.csv");
    const q = (v: unknown) => `"${String(v)}"`;
    const lines = d.rows.map((r, i) => [q(`r${i}`), ...r.map(q), q(d.labels[i])].join(","));
    await writeFile(data, `"id","f0","f1","f2","f3","target"\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      label: "target",
    });
    expect(summary.failed).toBe(0);
    (summary.results as number[]).forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    expect(summary.metrics?.count).toBe(60);
  });

  it("keeps every request under the payload limit", async () => {
    const d = dataset(BINARY, 1000, 24);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const { server, invoker } = await endpoint();
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      maxPayloadBytes: 2000,
    });
    expect(summary.failed).toBe(0);
    expect(server.maxBody).toBeLessThanOrEqual(2000);
    expect(server.requests).toBeGreaterThan(10);
  });

  for (const contentType of ["application/json", "application/x-npy"]) {
    it(`encodes CSV rows for ${contentType} models`, async () => {
      const d = dataset(BINARY, 300, 25);
      const data = join(dir, "data.csv");
      await writeCsv(data, d);
      const { invoker } = await endpoint(BINARY, "pairs");
      const summary = await score({
        model: createModelSource({ invoker, features: d.features, contentType }),
        data,
        batchSize: 64,
      });
      (summary.results as number[]).forEach((s, i) => {
        expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
      });
    });
  }
});

describe("score: other formats and multi-class", () => {
  it("reads JSON Lines and writes JSON Lines", async () => {
    const d = dataset(BINARY, 300, 31);
    const data = join(dir, "data.jsonl");
    const out = join(dir, "scores.jsonl");
    await writeFile(
      data,
      d.rows
        .map((r, i) =>
          JSON.stringify({
            id: i,
            ...Object.fromEntries(d.features.map((f, k) => [f, r[k]])),
            y: d.labels[i],
          }),
        )
        .join("\n"),
    );
    const { invoker } = await endpoint(BINARY, "csv");
    const summary = await score({
      model: createModelSource({ invoker, features: d.features, contentType: "application/json" }),
      data,
      out,
      label: "y",
      keep: ["id"],
    });
    const lines = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(300);
    lines.forEach((l, i) => {
      expect(l.id).toBe(i);
      expect(l.score).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    expect(summary.metrics?.count).toBe(300);
  });

  it("leaves kept columns empty for an unreadable JSON line, so CSV output stays rectangular", async () => {
    const d = dataset(BINARY, 6, 41);
    const data = join(dir, "data.jsonl");
    const lines = d.rows.map((r, i) =>
      JSON.stringify({
        id: `r${i}`,
        ...Object.fromEntries(d.features.map((f, k) => [f, r[k]])),
        y: d.labels[i],
      }),
    );
    lines[2] = "{broken";
    lines[3] = "[1, 2, 3]";
    await writeFile(data, `${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const out = join(dir, "scores.csv");
    await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      keep: ["id", "y"],
    });
    const { header, rows } = await readOut(out);
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r).toHaveLength(header.length);
    expect(rows.map((r) => r[0])).toEqual(["r0", "r1", "", "", "r4", "r5"]);
    expect(rows[2]?.[3]).toMatch(/^E_INVALID_INPUT: Line 3: invalid JSON/);
  });

  it("sends numbers written as text (JSON Lines strings) unquoted to a CSV model", async () => {
    const d = dataset(BINARY, 50, 40);
    const data = join(dir, "data.jsonl");
    const lines = d.rows.map((r, i) =>
      JSON.stringify({ ...Object.fromEntries(d.features.map((f, k) => [f, String(r[k])])), y: d.labels[i] }),
    );
    await writeFile(data, `${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const summary = await score({ model, data, label: "y", batchSize: 16 });
    expect(summary.failed).toBe(0);
    (summary.results as number[]).forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    const row = Object.fromEntries(d.features.map((f, k) => [f, String(d.rows[3]?.[k])]));
    expect(await model.predictDict(row)).toBeCloseTo((d.expected[3] as number[])[0] as number, 12);
  });

  it("reads Parquet", async () => {
    const d = dataset(BINARY, 700, 32);
    const data = join(dir, "data.parquet");
    parquetWriteFile({
      filename: data,
      columnData: [
        ...d.features.map((f, k) => ({
          name: f,
          data: d.rows.map((r) => r[k] as number),
          type: "DOUBLE" as const,
        })),
        { name: "target", data: d.labels, type: "INT32" as const },
      ],
    });
    const { invoker } = await endpoint();
    const out = join(dir, "scores.csv");
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      label: "target",
      batchSize: 100,
    });
    expect(summary.rows).toBe(700);
    const { rows } = await readOut(out);
    rows.forEach((r, i) => {
      expect(Number(r[0])).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
  });

  it("keeps Parquet INT64 ids exactly in CSV, JSON Lines and Parquet output", async () => {
    const d = dataset(BINARY, 40, 38);
    const data = join(dir, "data.parquet");
    const big = 2n ** 60n + 1n; // beyond 2^53: as a number it would change
    const ids = d.rows.map((_, i) => (i === 7 ? big : BigInt(i)));
    parquetWriteFile({
      filename: data,
      columnData: [
        { name: "id", data: ids, type: "INT64" as const },
        ...d.features.map((f, k) => ({
          name: f,
          data: d.rows.map((r) => r[k] as number),
          type: "DOUBLE" as const,
        })),
        { name: "target", data: d.labels.map(BigInt), type: "INT64" as const },
      ],
    });
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const run = (out: string) => score({ model, data, out: join(dir, out), keep: ["id"], label: "target" });

    expect(await run("scores.csv")).toMatchObject({ rows: 40, failed: 0, metrics: { count: 40 } });
    const csv = await readOut(join(dir, "scores.csv"));
    expect(csv.rows.map((r) => r[0])).toEqual(ids.map(String));

    expect((await run("scores.jsonl")).rows).toBe(40);
    const lines = (await readFile(join(dir, "scores.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(
      ids.map((id) => (id === big ? String(big) : Number(id))),
    );

    expect((await run("scores.parquet")).rows).toBe(40);
    const rows = (await parquetReadObjects({
      file: await asyncBufferFromFile(join(dir, "scores.parquet")),
    })) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.id)).toEqual(ids.map(String));
  });

  it("keeps nested JSON Lines values as their JSON text in Parquet output, as in CSV output", async () => {
    const d = dataset(BINARY, 20, 39);
    const data = join(dir, "data.jsonl");
    const meta = (i: number) => (i % 2 ? { tags: ["a", `t${i}`], n: i } : [i, null]);
    const lines = d.rows.map((r, i) =>
      JSON.stringify({ meta: meta(i), ...Object.fromEntries(d.features.map((f, k) => [f, r[k]])) }),
    );
    await writeFile(data, `${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    await score({ model, data, out: join(dir, "scores.csv"), keep: ["meta"] });
    await score({ model, data, out: join(dir, "scores.parquet"), keep: ["meta"] });
    const csv = await readOut(join(dir, "scores.csv"));
    const rows = (await parquetReadObjects({
      file: await asyncBufferFromFile(join(dir, "scores.parquet")),
    })) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.meta)).toEqual(d.rows.map((_, i) => JSON.stringify(meta(i))));
    expect(rows.map((r) => r.meta)).toEqual(csv.rows.map((r) => r[0]));
  });

  it("writes Parquet: typed kept columns, scores, errors; a resumed run gives the identical file", async () => {
    const d = dataset(BINARY, 3000, 35);
    const data = join(dir, "data.csv");
    const lines = d.rows.map((r, i) => [i, `r${i}`, ...r, d.labels[i]].join(","));
    lines[7] = "7,r7,1,2,0"; // ragged: an error row, with its kept values still in place
    await writeFile(data, `id,name,f0,f1,f2,f3,target\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const options = { model, data, keep: ["id", "name"], label: "target", batchSize: 100 };

    const reference = join(dir, "reference.parquet");
    const summary = await score({ ...options, out: reference });
    expect(summary).toMatchObject({ rows: 3000, failed: 1, columns: ["id", "name", "score", "error"] });
    const file = await asyncBufferFromFile(reference);
    const schema = parquetSchema(await parquetMetadataAsync(file));
    expect(schema.children.map((c) => [c.element.name, c.element.type])).toEqual([
      ["id", "DOUBLE"],
      ["name", "BYTE_ARRAY"],
      ["score", "DOUBLE"],
      ["error", "BYTE_ARRAY"],
    ]);
    const rows = (await parquetReadObjects({ file })) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(3000);
    rows.forEach((r, i) => {
      expect(r.id).toBe(i);
      expect(r.name).toBe(`r${i}`);
      if (i === 7) {
        expect(r.score).toBeNull();
        expect(r.error).toMatch(/^E_INVALID_INPUT: /);
      } else {
        expect(r.score).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
        expect(r.error).toBeNull();
      }
    });

    // Interrupted half-way: no Parquet file yet, only the spool and the checkpoint; the resume finishes it.
    const out = join(dir, "scores.parquet");
    const controller = new AbortController();
    await expect(
      score({
        ...options,
        out,
        concurrency: 1,
        checkpointIntervalMs: 0,
        progressIntervalMs: 1,
        signal: controller.signal,
        events: (e) => {
          if (e.type === "score.progress" && e.rowsDone >= 1000) controller.abort(new Error("Ctrl-C"));
        },
      }),
    ).rejects.toMatchObject({ code: "E_ABORTED" });
    await expect(stat(out)).rejects.toMatchObject({ code: "ENOENT" });
    const resumed = await score({ ...options, out, resume: true });
    expect(resumed.resumedAt).toBeGreaterThanOrEqual(1000);
    expect(resumed.resumedAt).toBeLessThan(3000);
    expect((await readFile(out)).equals(await readFile(reference))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["data.csv", "reference.parquet", "scores.parquet"]);
  });

  it("writes a column per class to Parquet for a multi-class model", async () => {
    const d: Dataset = dataset(MULTI, 500, 36);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.parquet");
    await writeCsv(data, d, { labelFirst: true });
    const { invoker } = await endpoint(MULTI, "csv");
    await score({
      model: createModelSource({ invoker, features: d.features, task: "multiclass" }),
      data,
      out,
      classes: ["setosa", "versicolor", "virginica"],
      batchSize: 200,
    });
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(out) })) as Array<
      Record<string, unknown>
    >;
    expect(Object.keys(rows[0] ?? {})).toEqual([
      "score_setosa",
      "score_versicolor",
      "score_virginica",
      "error",
    ]);
    rows.forEach((r, i) => {
      ["setosa", "versicolor", "virginica"].forEach((c, k) => {
        expect(r[`score_${c}`]).toBeCloseTo((d.expected[i] as number[])[k] as number, 12);
      });
    });
  });

  it("writes a column per class to Parquet for a multi-class model without classes", async () => {
    const d: Dataset = dataset(MULTI, 300, 37);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.parquet");
    await writeCsv(data, d);
    const { invoker } = await endpoint(MULTI, "pairs");
    const summary = await score({
      model: createModelSource({ invoker, features: d.features, task: "multiclass" }),
      data,
      out,
      batchSize: 64,
    });
    expect(summary.columns).toEqual(["score_0", "score_1", "score_2", "error"]);
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(out) })) as Array<
      Record<string, unknown>
    >;
    expect(rows).toHaveLength(300);
    expect(Object.keys(rows[0] ?? {})).toEqual(["score_0", "score_1", "score_2", "error"]);
    rows.forEach((r, i) => {
      for (let k = 0; k < 3; k++) {
        expect(r[`score_${k}`]).toBeCloseTo((d.expected[i] as number[])[k] as number, 12);
      }
    });
  });

  it("refuses Parquet output without an output file", async () => {
    const d = dataset(BINARY, 10, 37);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const { server, invoker } = await endpoint();
    await expect(
      score({ model: createModelSource({ invoker, features: d.features }), data, outFormat: "parquet" }),
    ).rejects.toMatchObject({ code: "E_CONFIG", message: expect.stringMatching(/Parquet output needs/) });
    expect(server.requests).toBe(0);
  });

  it("writes per-class columns for a multi-class model, with metrics matching scikit-learn", async () => {
    const d: Dataset = dataset(MULTI, 900, 33);
    const data = join(dir, "data.csv");
    const out = join(dir, "scores.csv");
    await writeCsv(data, d, { labelFirst: true });
    const { invoker } = await endpoint(MULTI, "csv");
    const summary = await score({
      model: createModelSource({ invoker, features: d.features, task: "multiclass" }),
      data,
      out,
      label: "target",
      batchSize: 200,
    });
    const { header, rows } = await readOut(out);
    expect(header).toEqual(["score_0", "score_1", "score_2", "error"]);
    rows.forEach((r, i) => {
      [0, 1, 2].forEach((k) => {
        expect(Number(r[k])).toBeCloseTo((d.expected[i] as number[])[k] as number, 12);
      });
    });
    const ref = runPython(
      `
import json, sys
import numpy as np, pandas as pd
from sklearn import metrics as m
d = json.load(sys.stdin)
y = pd.read_csv(d["data"])["target"].to_numpy()
p = pd.read_csv(d["out"], float_precision="round_trip")[["score_0","score_1","score_2"]].to_numpy()
pred = p.argmax(axis=1)
print(json.dumps({"accuracy": m.accuracy_score(y, pred), "macroF1": m.f1_score(y, pred, average="macro"),
  "logLoss": m.log_loss(y, p, labels=[0, 1, 2]), "cm": m.confusion_matrix(y, pred).tolist()}))`,
      { data, out },
    ) as { accuracy: number; macroF1: number; logLoss: number; cm: number[][] };
    const m = summary.metrics as MulticlassMetrics;
    expect(m.accuracy).toBeCloseTo(ref.accuracy, 12);
    expect(m.macroF1).toBeCloseTo(ref.macroF1, 12);
    expect(m.logLoss).toBeCloseTo(ref.logLoss, 10);
    expect(m.confusionMatrix).toEqual(ref.cm);
  });

  it("reads float-written labels ('1.0') as the numbers given in positiveLabel and classes, on every line", async () => {
    const d = dataset(BINARY, 200, 43);
    const data = join(dir, "data.csv");
    // As pandas writes a float label column; every 7th line has a quoted id (parsed, not sliced).
    const id = (i: number) => (i % 7 === 0 ? `"r${i}, q"` : `r${i}`);
    const lines = d.rows.map((r, i) => [id(i), ...r, `${d.labels[i]}.0`].join(","));
    await writeFile(data, `id,f0,f1,f2,f3,target\n${lines.join("\n")}\n`);
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const plain = (await score({ model, data, label: "target" })).metrics as BinaryMetrics;
    const given = (await score({ model, data, label: "target", positiveLabel: 1 })).metrics as BinaryMetrics;
    expect(plain.positives).toBe(d.labels.filter((y) => y === 1).length);
    expect(given).toEqual(plain);

    const m = dataset(MULTI, 150, 44);
    const lines3 = m.rows.map((r, i) => [id(i), ...r, `${m.labels[i]}.0`].join(","));
    await writeFile(data, `id,f0,f1,f2,f3,target\n${lines3.join("\n")}\n`);
    const { invoker: multi } = await endpoint(MULTI, "csv");
    const summary = await score({
      model: createModelSource({ invoker: multi, features: m.features, task: "multiclass" }),
      data,
      label: "target",
      classes: [0, 1, 2],
    });
    expect(summary.labelsMissing).toBe(0);
    expect(summary.metrics?.count).toBe(150);
  });

  it("scores with any object that has predictBatch", async () => {
    const d = dataset(BINARY, 120, 34);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const summary = await score({
      model: { predictBatch: async (rows) => rows.map((r) => (Number(r.f0) > 0 ? 0.9 : 0.1)) },
      data,
      batchSize: 50,
    });
    (summary.results as number[]).forEach((s, i) => {
      expect(s).toBe(((d.rows[i] as number[])[0] as number) > 0 ? 0.9 : 0.1);
    });
  });
});

describe("score: interruption and resume", () => {
  async function reference(d: Dataset, data: string): Promise<Buffer> {
    const { invoker } = await endpoint();
    const out = join(dir, "reference.csv");
    await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      keep: ["id"],
      label: "target",
    });
    return readFile(out);
  }

  it("continues after an abort and produces the same file as an uninterrupted run", async () => {
    const d = dataset(BINARY, 6000, 41);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const expected = await reference(d, data);
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    const out = join(dir, "scores.csv");
    const controller = new AbortController();
    const events = collectingSink();
    const first = score({
      model,
      data,
      out,
      keep: ["id"],
      label: "target",
      batchSize: 100,
      concurrency: 2,
      checkpointIntervalMs: 0,
      signal: controller.signal,
      events: (e) => {
        events(e);
        if (e.type === "score.progress" && e.rowsDone >= 2000) controller.abort(new Error("Ctrl-C"));
      },
      progressIntervalMs: 1,
    });
    await expect(first).rejects.toMatchObject({ code: "E_ABORTED" });
    const checkpoint = JSON.parse(await readFile(checkpointPaths(out).json, "utf8"));
    expect(checkpoint.rows).toBeGreaterThanOrEqual(2000);
    expect(checkpoint.rows).toBeLessThan(6000);
    const before = server.rows;
    const second = await score({
      model,
      data,
      out,
      keep: ["id"],
      label: "target",
      batchSize: 100,
      resume: true,
    });
    expect(second.resumedAt).toBe(checkpoint.rows);
    expect(second.rows).toBe(6000);
    expect(server.rows - before).toBe(6000 - checkpoint.rows);
    expect((await readFile(out)).equals(expected)).toBe(true);
    expect((second.metrics as BinaryMetrics).count).toBe(6000);
  });

  it("resumes a run that stopped before its first row after the CSV header, not at the header", async () => {
    const d = dataset(BINARY, 500, 46);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const expected = await reference(d, data);
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features, retries: 0 });
    const out = join(dir, "scores.csv");
    const base = { model, data, out, keep: ["id"], label: "target", retries: 0 };
    await server.kill();
    await expect(score(base)).rejects.toMatchObject({ code: "E_NETWORK" });
    expect(JSON.parse(await readFile(checkpointPaths(out).json, "utf8")).rows).toBe(0);
    await server.revive();
    const second = await score({ ...base, resume: true });
    expect(second).toMatchObject({ rows: 500, failed: 0 });
    expect((await readFile(out)).equals(expected)).toBe(true);
  });

  it("resumes a file that is not valid UTF-8 (Latin-1) at the right byte: every row once, the same file", async () => {
    const d = dataset(BINARY, 3000, 45);
    const data = join(dir, "data.csv");
    const lines = d.rows.map((r, i) => [`caf\u00e9 ${i}`, ...r, d.labels[i]].join(","));
    await writeFile(data, Buffer.from(`id,f0,f1,f2,f3,target\n${lines.join("\n")}\n`, "latin1"));
    const { invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features });
    for (const keep of [["id"], []]) {
      const base = {
        model,
        data,
        keep,
        label: "target",
        batchSize: 100,
        checkpointIntervalMs: 0,
        encoding: "latin1",
      };
      const out = join(dir, "scores.csv");
      await score({ ...base, out: join(dir, "reference.csv") });
      const controller = new AbortController();
      const first = score({
        ...base,
        out,
        signal: controller.signal,
        progressIntervalMs: 1,
        events: (e) => {
          if (e.type === "score.progress" && e.rowsDone >= 1000) controller.abort(new Error("Ctrl-C"));
        },
      });
      await expect(first).rejects.toMatchObject({ code: "E_ABORTED" });
      const second = await score({ ...base, out, resume: true });
      expect(second.resumedAt).toBeGreaterThan(0);
      expect(second).toMatchObject({ rows: 3000, failed: 0 });
      expect((await readFile(out)).equals(await readFile(join(dir, "reference.csv")))).toBe(true);
    }
  });

  it("stops when the endpoint dies, and a resume after it comes back completes the identical file", async () => {
    const d = dataset(BINARY, 5000, 42);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const expected = await reference(d, data);
    const { server, invoker } = await endpoint();
    const model = createModelSource({ invoker, features: d.features, retries: 2, retryBaseDelayMs: 5 });
    const out = join(dir, "scores.csv");
    const run = score({
      model,
      data,
      out,
      keep: ["id"],
      label: "target",
      batchSize: 100,
      retries: 2,
      retryBaseDelayMs: 5,
      checkpointIntervalMs: 0,
      progressIntervalMs: 1,
      events: (e) => {
        if (e.type === "score.progress" && e.rowsDone >= 1500) void server.kill();
      },
    });
    await expect(run).rejects.toMatchObject({ code: "E_NETWORK" });
    const checkpoint = JSON.parse(await readFile(checkpointPaths(out).json, "utf8"));
    expect(checkpoint.rows).toBeGreaterThanOrEqual(1500);
    await server.revive();
    const second = await score({
      model,
      data,
      out,
      keep: ["id"],
      label: "target",
      batchSize: 100,
      resume: true,
    });
    expect(second).toMatchObject({ rows: 5000, failed: 0, resumedAt: checkpoint.rows });
    expect((await readFile(out)).equals(expected)).toBe(true);
  });

  it("rides out an endpoint that is down briefly, without losing or failing rows", async () => {
    const d = dataset(BINARY, 3000, 43);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const expected = await reference(d, data);
    const { server, invoker } = await endpoint();
    const out = join(dir, "scores.csv");
    let killed = false;
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      keep: ["id"],
      label: "target",
      batchSize: 100,
      retries: 6,
      retryBaseDelayMs: 50,
      progressIntervalMs: 1,
      events: (e) => {
        if (!killed && e.type === "score.progress" && e.rowsDone >= 1000) {
          killed = true;
          void server.kill().then(() => setTimeout(() => void server.revive(), 300));
        }
      },
    });
    expect(killed).toBe(true);
    expect(summary).toMatchObject({ rows: 3000, failed: 0 });
    expect((await readFile(out)).equals(expected)).toBe(true);
  });

  it("resumes after the scoring process is killed with SIGKILL, with an identical file", async () => {
    const d = dataset(BINARY, 8000, 45);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const expected = await reference(d, data);
    const { server, invoker } = await endpoint();
    server.faults.delayMs = 15;
    const out = join(dir, "scores.csv");
    const script = fileURLToPath(new URL("./test/score-process.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--conditions=@mlship/source", "--import", "tsx", script, server.url, data, out],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const killed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        const rows = Number(/rows (\d+)\n$/.exec(chunk.toString())?.[1] ?? 0);
        if (rows >= 2500) child.kill("SIGKILL");
      });
      child.on("exit", (_code, signal) => {
        clearTimeout(timer);
        resolve(signal === "SIGKILL");
      });
    });
    expect(killed).toBe(true);
    server.faults.delayMs = 0;
    const checkpoint = JSON.parse(await readFile(checkpointPaths(out).json, "utf8"));
    // Rows written after the last checkpoint are rewritten on resume (the file is truncated to it).
    expect(checkpoint.rows).toBeGreaterThan(0);
    expect(checkpoint.rows).toBeLessThan(8000);
    // Nothing half-written at the final path: the rows so far are in the spool beside it.
    await expect(stat(out)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(`${out}.mlship-spool.csv`)).size).toBeGreaterThanOrEqual(checkpoint.outputBytes);
    const summary = await score({
      model: createModelSource({ invoker, features: d.features }),
      data,
      out,
      keep: ["id"],
      label: "target",
      resume: true,
    });
    expect(summary).toMatchObject({ rows: 8000, failed: 0, resumedAt: checkpoint.rows });
    expect((await readFile(out)).equals(expected)).toBe(true);
    expect((summary.metrics as BinaryMetrics).count).toBe(8000);
  });

  it("refuses compressed input and an output that is the input", async () => {
    const model = { predictBatch: async (rows: readonly unknown[]) => rows.map(() => 0.5) };
    await expect(score({ model, data: join(dir, "data.csv.gz") })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
    });
    const data = join(dir, "data.csv");
    await writeFile(data, "a,b\n1,2\n");
    await expect(score({ model, data, out: data })).rejects.toMatchObject({ code: "E_CONFIG" });
    expect(await readFile(data, "utf8")).toBe("a,b\n1,2\n");
  });

  it("refuses a checkpoint from a different input", async () => {
    const d = dataset(BINARY, 500, 44);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const out = join(dir, "scores.csv");
    await writeFile(
      checkpointPaths(out).json,
      JSON.stringify({
        version: 1,
        fingerprint: { input: "/elsewhere.csv", size: 1, mtimeMs: 1, settings: "{}" },
      }),
    );
    const { invoker } = await endpoint();
    await expect(
      score({ model: createModelSource({ invoker, features: d.features }), data, out, resume: true }),
    ).rejects.toMatchObject({ code: "E_CONFIG" });
  });
});
