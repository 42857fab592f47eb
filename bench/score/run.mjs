// Scorer throughput against one target-local Node endpoint serving a fixed logistic regression (loopback).
//   (a) autocannon posting pre-built 1,000-row CSV bodies (raw keep-alive load generator)
//   (b) score(): a generated N-row x 10-feature CSV file end to end (read, batch, invoke, parse, write)
//   (c) per-row predictDict() with coalescing on
//   (d) per-row predictDict() without coalescing, one call at a time, as the RIME template does (a sample)
//   (e) for scale: the invoker (undici) posting (a)'s pre-built bodies, no scoring work at all: the most any
//       client built on it could reach, so e/a bounds b/a from above
// Prints rows/s, the ratios b/a and c/a, and peak RSS of (b) for N and for BIG rows (flat in the row count?).
// Goals: b/a >= 0.8, c/a >= 0.5, peak RSS of (b) < 300 MB and flat.
//   node --conditions=@mlship/source --import tsx bench/score/run.mjs [--rows 1000000] [--big 5000000|0]
//        [--seconds 8] [--concurrency 4] [--workers <server workers, default CPUs>] [--label]
// --label also computes metrics in (b) (exact ROC/PR AUC keep 9 bytes per labelled row, so RSS then grows).
import { fork } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createHttpInvoker } from "@mlship/core";
import { createModelSource } from "@mlship/scoring";
import { startModelServer } from "@mlship/target-local";
import autocannon from "autocannon";
import { invokerLoad } from "../lib/invoker-load.mjs";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    big: { type: "string", default: "5000000" },
    seconds: { type: "string", default: "8" },
    concurrency: { type: "string", default: "4" },
    workers: { type: "string" },
    label: { type: "boolean", default: false },
  },
});
const ROWS = Number(args.rows);
const BIG = Number(args.big);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const BATCH = 1000;
const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);
const here = fileURLToPath(new URL(".", import.meta.url));

async function generate(path, rows) {
  const out = createWriteStream(path);
  out.write(`${FEATURES.join(",")},y\n`);
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < rows; ) {
    let chunk = "";
    for (let k = 0; k < 10_000 && i < rows; k++, i++) {
      let line = "";
      for (let j = 0; j < 10; j++) line += `${((rand() - 0.5) * 4).toFixed(4)},`;
      chunk += `${line}${rand() < 0.5 ? 1 : 0}\n`;
    }
    if (!out.write(chunk)) await new Promise((r) => out.once("drain", r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
}

function autocannonRun(url, body, seconds = SECONDS) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/invocations`,
        method: "POST",
        body,
        headers: { "content-type": "text/csv" },
        connections: CONCURRENCY,
        pipelining: 1,
        duration: seconds,
      },
      (err, r) => {
        if (err) return reject(err);
        if (r.non2xx || r.errors)
          return reject(new Error(`autocannon: ${r.non2xx} non-2xx, ${r.errors} errors`));
        resolve((r.requests.total * BATCH) / r.duration);
      },
    );
  });
}

function scoreChild(url, data, out) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, "score-child.mjs"), [url, data, out, String(CONCURRENCY), String(BATCH)], {
      execArgv: ["--conditions=@mlship/source", "--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result;
    child.on("message", (m) => (result = m));
    child.on("exit", (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`scorer exited ${code}`)),
    );
  });
}

async function readDicts(path, n) {
  const text = await readFile(path, "latin1");
  const lines = text
    .slice(0, 200 * (n + 1))
    .split("\n")
    .slice(1, n + 1);
  return lines.map((l) => {
    const v = l.split(",");
    return Object.fromEntries(FEATURES.map((f, i) => [f, Number(v[i])]));
  });
}

/** Many concurrent per-row callers, each awaiting its row before asking for the next one. */
async function perRow(model, dicts, callers, seconds) {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = c; performance.now() < end; i = (i + callers) % dicts.length) {
        await model.predictDict(dicts[i]);
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - start);
}

const dir = await mkdtemp(join(tmpdir(), "mlship-bench-score-"));
let server;
try {
  const data = join(dir, "data.csv");
  console.log(`generating ${ROWS.toLocaleString()} rows x 10 features...`);
  await generate(data, ROWS);
  server = await startModelServer({
    workDir: join(dir, "serve"),
    modelDir: join(here, "model"),
    submitDirectory: join(here, "model"),
    program: "inference.mjs",
    runtime: "node",
    ...(args.workers ? { workers: Number(args.workers) } : {}),
  });
  await server.ready();
  const text = await readFile(data, "latin1");
  const firstRows = text
    .slice(text.indexOf("\n") + 1)
    .split("\n")
    .slice(0, BATCH);
  const body = `${firstRows.map((l) => l.slice(0, l.lastIndexOf(","))).join("\n")}\n`;

  // The baseline is measured before and after (b)-(e) and averaged: on a shared machine the load drifts.
  // A short unmeasured round first, so the first measured one does not hit cold server workers.
  await autocannonRun(server.url, body, 2);
  const a1 = await autocannonRun(server.url, body);
  console.log(
    `(a) autocannon, ${BATCH}-row CSV bodies, ${CONCURRENCY} connections: ${Math.round(a1).toLocaleString()} rows/s`,
  );

  const b = await scoreChild(server.url, data, join(dir, "out.csv"));
  console.log(
    `(b) score() ${ROWS.toLocaleString()} rows end to end: ${Math.round(b.rowsPerSecond).toLocaleString()} rows/s, ` +
      `${(b.elapsedMs / 1000).toFixed(1)} s, failed ${b.failed}, peak RSS ${b.maxRssMB.toFixed(0)} MB, ` +
      `latency p50 ${b.p50.toFixed(1)} ms p99 ${b.p99.toFixed(1)} ms`,
  );

  const dicts = await readDicts(data, 100_000);
  const invoker = createHttpInvoker({ url: server.url, connections: CONCURRENCY });
  const coalesced = createModelSource({ invoker, features: FEATURES, maxConcurrency: CONCURRENCY });
  const c = await perRow(coalesced, dicts, BATCH * CONCURRENCY, SECONDS);
  console.log(
    `(c) predictDict, coalesced, ${BATCH * CONCURRENCY} concurrent callers: ${Math.round(c).toLocaleString()} rows/s`,
  );
  const single = createModelSource({ invoker, features: FEATURES, coalesce: false });
  const d = await perRow(single, dicts, 1, Math.min(SECONDS, 3));
  console.log(
    `(d) predictDict, one row per request, one at a time (template): ${Math.round(d).toLocaleString()} rows/s`,
  );
  await invoker.close();
  const e =
    BATCH *
    (await invokerLoad(
      server.url,
      { body: Buffer.from(body), contentType: "text/csv" },
      { connections: CONCURRENCY, seconds: SECONDS },
    ));
  console.log(
    `(e) invoker posting (a)'s pre-built bodies, no scoring work: ${Math.round(e).toLocaleString()} rows/s`,
  );
  const a2 = await autocannonRun(server.url, body);
  const a = (a1 + a2) / 2;
  console.log(
    `(a) again: ${Math.round(a2).toLocaleString()} rows/s; baseline = mean ${Math.round(a).toLocaleString()} rows/s`,
  );

  let big;
  if (BIG > 0) {
    const bigData = join(dir, "big.csv");
    console.log(`generating ${BIG.toLocaleString()} rows for the RSS comparison...`);
    await generate(bigData, BIG);
    await rm(join(dir, "out.csv"), { force: true });
    big = await scoreChild(server.url, bigData, join(dir, "big-out.csv"));
    console.log(
      `(b) score() ${BIG.toLocaleString()} rows: ${Math.round(big.rowsPerSecond).toLocaleString()} rows/s, peak RSS ${big.maxRssMB.toFixed(0)} MB`,
    );
  }

  console.log("\nsummary");
  console.log(`  b/a = ${(b.rowsPerSecond / a).toFixed(2)}  (goal >= 0.8)`);
  console.log(`  c/a = ${(c / a).toFixed(2)}  (goal >= 0.5)`);
  console.log(`  d/a = ${(d / a).toFixed(4)}  (per-row requests, for scale)`);
  console.log(`  e/a = ${(e / a).toFixed(2)}  (the ceiling for b/a with this HTTP client)`);
  console.log(
    `  peak RSS (b): ${b.maxRssMB.toFixed(0)} MB at ${ROWS.toLocaleString()} rows` +
      (big ? `, ${big.maxRssMB.toFixed(0)} MB at ${BIG.toLocaleString()} rows` : "") +
      "  (goal < 300 MB, flat)",
  );
} finally {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
}
