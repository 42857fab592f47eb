import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createHttpInvoker } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createModelSource } from "../model-source.js";
import { runScore, type ScoreOptions } from "../score.js";
import { lcg } from "../test/data.js";
import { BodyBatches } from "./body-batches.js";

// Every way JSON can write a number in [0, 1] (and a few outside it): the plain ones are copied by both paths,
// the others are parsed by both; a batch with one of each is parsed whole.
const PLAIN = [
  "0.25",
  "0",
  "1",
  "1.0",
  "1.00",
  "0.0",
  "2.5e-1",
  "2.5e-01",
  "0.5e-1",
  "7e-3",
  "1e-05",
  "0.123456789012345678",
];
const OTHER = ["2.5E-1", "25e-2", "0.25e0", "1e0", "-0", "0.250E+0", "-0.0", "1.5", "2", "-1e-9"];

/** A score text picked from the row's bytes, so both paths get the same answer for the same row. */
function scoreText(line: string, plainOnly: boolean): string {
  let h = 2166136261;
  for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 16777619) >>> 0;
  if (plainOnly || h % 50 !== 0) return PLAIN[h % PLAIN.length] as string;
  return OTHER[(h >>> 8) % OTHER.length] as string;
}

/** A CSV endpoint answering a JSON list; `", "` or `","` between numbers, by the body's first byte. */
function startServer(plainOnly: boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const lines = body.split("\n").slice(0, -1);
      if (lines.some((l) => l.includes("poison"))) {
        res.statusCode = 500;
        res.end("model error");
        return;
      }
      const sep = body.charCodeAt(0) % 2 === 0 ? ", " : ",";
      res.setHeader("content-type", "application/json");
      res.end(`[${lines.map((l) => scoreText(l, plainOnly)).join(sep)}]\n`);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Feature values in every form JSON (and CSV writers) use for numbers, empty values, and text.
const VALUES = ["0", "-1", "1.5", "-0.25", "1e3", "1E-3", "-2.5e+2", "0.000001", "123456789012", "", "7"];

/**
 * Generated CSV: a BOM, CRLF, empty values, blank lines, rows the model rejects, and from row `troubleFrom`
 * on, lines only the general reader takes: quoted fields (`quoted`), ragged and oversized lines.
 */
function generate(rows: number, seed: number, quoted: boolean, troubleFrom: number): string {
  const rand = lcg(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  let text = "\ufeffid,a,b,c,y\r\n";
  for (let i = 0; i < rows; i++) {
    const r = rand();
    let fields = [String(i), pick(VALUES), pick(VALUES), pick(VALUES), pick(["0", "1", "", "1.0"])];
    const trouble = i >= troubleFrom;
    if (r < 0.004) fields[1] = "poison";
    else if (trouble && quoted && r < 0.01) fields[1] = `"${pick(VALUES)}"`;
    else if (trouble && quoted && r < 0.015) fields[2] = '"x, ""quoted""\r\nacross lines"';
    else if (trouble && r < 0.02) fields = fields.slice(0, 3);
    else if (trouble && r < 0.022) fields[3] = "9".repeat(300);
    else if (trouble && r < 0.024) fields[0] = "naïve"; // UTF-8: the general reader's
    text += `${fields.join(",")}${rand() < 0.5 ? "\r\n" : "\n"}`;
    if (r > 0.995) text += rand() < 0.5 ? "\r\n" : "\n";
  }
  return `${text}${rows},1,2,3,1`; // the last line has no newline
}

let servers: Server[];
let urls: string[];
beforeAll(async () => {
  servers = [await startServer(false), await startServer(true)];
  urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

async function both(data: string, options: Partial<ScoreOptions>, url: string) {
  const runs = [];
  for (const bytePath of [true, false]) {
    const invoker = createHttpInvoker({ url, retries: 0 });
    const model = createModelSource({
      invoker,
      features: ["a", "b", "c"],
      retries: 0,
      maxConsecutiveFailures: 10_000,
    });
    const out = `${data}.${bytePath ? "bytes" : "general"}.csv`;
    const add = vi.spyOn(BodyBatches.prototype, "add");
    const summary = await runScore({ model, data, out, ...options }, { bytePath });
    runs.push({ summary, bytes: await readFile(out), rowsByBytes: add.mock.calls.length });
    add.mockRestore();
    await invoker.close();
  }
  const [fast, general] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const { elapsedMs: _a, rowsPerSecond: _b, latency: _c, out: _g, ...fastSummary } = fast.summary;
  const { elapsedMs: _d, rowsPerSecond: _e, latency: _f, out: _h, ...generalSummary } = general.summary;
  return { fast, general, fastSummary, generalSummary };
}

describe("score: the byte path", () => {
  const cases: Array<[string, Partial<ScoreOptions>, boolean, number]> = [
    ["plain lines, default batches", {}, false, 3000],
    ["plain lines, small batches", { batchSize: 20 }, false, 3000],
    ["ragged and oversized lines part-way, a label", { label: "y", maxPayloadBytes: 250 }, false, 2000],
    ["quoted fields part-way, small batches, a label", { batchSize: 7, label: "y" }, true, 1000],
    ["quoted fields from the start, a small payload limit", { batchSize: 50, maxPayloadBytes: 400 }, true, 0],
  ];
  for (const [name, options, quoted, troubleFrom] of cases) {
    it(`writes the same bytes as the general path: ${name}`, async () => {
      const dir = tempDir("mlship-bytes-");
      for (const [seed, url] of [
        [3, urls[0]],
        [4, urls[1]],
      ] as const) {
        const data = join(dir, `in-${seed}.csv`);
        await writeFile(data, generate(3000, seed, quoted, troubleFrom));
        const { fast, general, fastSummary, generalSummary } = await both(data, options, url as string);
        expect(fast.bytes.equals(general.bytes)).toBe(true);
        expect(fastSummary).toEqual(generalSummary);
        expect(general.rowsByBytes).toBe(0);
        // The byte path took the rows before the first line it leaves to the general reader.
        expect(fast.rowsByBytes).toBeGreaterThanOrEqual(troubleFrom - 2 * (options.batchSize ?? 1000));
        expect(fast.summary.rows).toBe(general.summary.rows);
      }
    });
  }

  it("gives every kind of row its own outcome, as the general path does", async () => {
    const dir = tempDir("mlship-bytes-");
    const data = join(dir, "in.csv");
    await writeFile(data, generate(3000, 5, false, 1500));
    const { fast } = await both(data, { label: "y", maxPayloadBytes: 250 }, urls[0] as string);
    const codes = fast.summary.reasons.map((r) => r.code).sort();
    expect(codes).toEqual([
      "E_INVALID_INPUT",
      "E_MODEL_ERROR",
      "E_PAYLOAD_TOO_LARGE",
      "E_SCORE_OUT_OF_RANGE",
    ]);
    const text = fast.bytes.toString("utf8");
    expect(text.split("\n").length - 2).toBe(fast.summary.rows);
  });
});
