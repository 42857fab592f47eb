// Scorer throughput against one target-local Node endpoint serving a fixed logistic regression (loopback).
//   (a) autocannon posting pre-built 1,000-row CSV bodies (raw keep-alive load generator)
//   (b) score(): a generated N-row x 10-feature CSV file end to end (read, batch, invoke, parse, write),
//       in its own process on the built packages (plain node), so its CPU and peak RSS are its own
//   (c) per-row predictDict() with coalescing on
//   (d) per-row predictDict() without coalescing, one call at a time, as the RIME template does (a sample)
//   (e) for scale: the invoker (undici) posting (a)'s pre-built bodies, no scoring work at all
// With taskset, (a)-(c) run twice: pinned (endpoint on CPU 0, client on CPU 1) and on shared cores. CPU per
// row is utime+stime from /proc for the endpoint (primary + workers) and the client; peak RSS is VmHWM.
// Prints the issue-19 metrics M1-M6 with their goals, and the 1-minute load with the figures.
//   node --conditions=@mlship/source --import tsx bench/score/run.mjs [--rows 1000000] [--big 5000000|0]
//        [--seconds 8] [--concurrency 4] [--workers <server workers, default CPUs>] [--label] [--cli-runs 20]
// It builds scoring and the CLI first (tsc -b): (b) and M6 run the built code.
// --label also computes metrics in (b) (exact ROC/PR AUC keep 9 bytes per labelled row, so RSS then grows).
import { execFileSync, fork } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createHttpInvoker } from "@mlship/core";
import { createModelSource } from "@mlship/scoring";
import { startModelServer } from "@mlship/target-local";
import autocannon from "autocannon";
import { invokerLoad } from "../lib/invoker-load.mjs";
import { canPin, cpuSeconds, cpuSecondsOf, load1, pin } from "../lib/proc.mjs";
import { medianWall } from "../lib/wall.mjs";
import { FEATURES, generate } from "./data.mjs";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    big: { type: "string", default: "5000000" },
    seconds: { type: "string", default: "8" },
    concurrency: { type: "string", default: "4" },
    workers: { type: "string" },
    label: { type: "boolean", default: false },
    "cli-runs": { type: "string", default: "20" },
  },
});
const ROWS = Number(args.rows);
const BIG = Number(args.big);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const BATCH = 1000;
const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const ALL_CPUS = `0-${availableParallelism() - 1}`;

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
        resolve({ rows: r.requests.total * BATCH, seconds: r.duration });
      },
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
  return { rows: done, seconds: (performance.now() - start) / 1000 };
}

/** (b) in a child; the endpoint's CPU is sampled around the child's score() call alone. */
function scoreChild(url, data, out, endpointPids) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, "score-child.mjs"), [url, data, out, String(CONCURRENCY), String(BATCH)], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result;
    let endpoint0 = 0;
    child.on("message", (m) => {
      if (m.starting) {
        endpoint0 = cpuSecondsOf(endpointPids());
        child.send("go");
      } else result = { ...m, endpointCpuSeconds: cpuSecondsOf(endpointPids()) - endpoint0 };
    });
    child.on("exit", (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`scorer exited ${code}`)),
    );
  });
}

/** Runs an in-process load; its rows/s and CPU per row of the endpoint and of this process (the client). */
async function measured(endpointPids, run) {
  const e0 = cpuSecondsOf(endpointPids());
  const c0 = cpuSeconds();
  const { rows, seconds } = await run();
  return {
    rowsPerSecond: rows / seconds,
    endpointUsPerRow: ((cpuSecondsOf(endpointPids()) - e0) * 1e6) / rows,
    clientUsPerRow: ((cpuSeconds() - c0) * 1e6) / rows,
  };
}

const k = (n) => `${Math.round(n).toLocaleString()} rows/s`;
const us = (m) =>
  `endpoint ${m.endpointUsPerRow.toFixed(2)} µs/row, client ${m.clientUsPerRow.toFixed(2)} µs/row`;
const usPerRow = (seconds, rows) => `${((seconds * 1e6) / rows).toFixed(2)}`;
const loadNote = () => `load ${load1().toFixed(2)}`;

/** (a), (b) and (c) in the current placement; (a) before and after, averaged (the load drifts). */
async function round(name, ctx) {
  const { url, body, data, dir, endpointPids, dicts } = ctx;
  await autocannonRun(url, body, 2); // unmeasured: warm workers after a placement change
  const a1 = await measured(endpointPids, () => autocannonRun(url, body));
  console.log(
    `[${name}] (a) autocannon, ${BATCH}-row bodies, ${CONCURRENCY} connections: ${k(a1.rowsPerSecond)}; ${us(a1)}; ${loadNote()}`,
  );
  const b = await scoreChild(url, data, join(dir, `out-${name}.csv`), endpointPids);
  b.endpointUsPerRow = (b.endpointCpuSeconds * 1e6) / b.rows;
  b.clientUsPerRow = (b.cpuSeconds * 1e6) / b.rows;
  console.log(
    `[${name}] (b) score() ${b.rows.toLocaleString()} rows: ${k(b.rowsPerSecond)}, failed ${b.failed}, ` +
      `peak RSS ${b.peakRssMB.toFixed(0)} MB, p50 ${b.p50.toFixed(1)} ms p99 ${b.p99.toFixed(1)} ms; ${us(b)} ` +
      `(main thread ${usPerRow(b.mainThreadCpuSeconds, b.rows)}, other threads ${usPerRow(b.otherThreadsCpuSeconds, b.rows)}); ${loadNote()}`,
  );
  const invoker = createHttpInvoker({ url, connections: CONCURRENCY });
  const coalesced = createModelSource({ invoker, features: FEATURES, maxConcurrency: CONCURRENCY });
  const c = await measured(endpointPids, () => perRow(coalesced, dicts, BATCH * CONCURRENCY, SECONDS));
  await invoker.close();
  console.log(
    `[${name}] (c) predictDict, coalesced, ${BATCH * CONCURRENCY} callers: ${k(c.rowsPerSecond)}; ${us(c)}; ${loadNote()}`,
  );
  const a2 = await measured(endpointPids, () => autocannonRun(url, body));
  const a = (a1.rowsPerSecond + a2.rowsPerSecond) / 2;
  console.log(`[${name}] (a) again: ${k(a2.rowsPerSecond)}; baseline = mean ${k(a)}; ${loadNote()}`);
  return { a, b, c, ba: b.rowsPerSecond / a, ca: c.rowsPerSecond / a };
}

/** (d) and (e), for scale, in the shared placement. */
async function extras({ url, body, dicts, a }) {
  const invoker = createHttpInvoker({ url, connections: CONCURRENCY });
  const single = createModelSource({ invoker, features: FEATURES, coalesce: false });
  const d = await perRow(single, dicts, 1, Math.min(SECONDS, 3));
  await invoker.close();
  console.log(
    `(d) predictDict, one row per request (template): ${k(d.rows / d.seconds)}, d/a ${(d.rows / d.seconds / a).toFixed(4)}`,
  );
  const request = { body: Buffer.from(body), contentType: "text/csv" };
  const e = BATCH * (await invokerLoad(url, request, { connections: CONCURRENCY, seconds: SECONDS }));
  console.log(
    `(e) invoker posting (a)'s bodies, no scoring work: ${k(e)}, e/a ${(e / a).toFixed(2)} (the ceiling for b/a)`,
  );
}

/** M6, on the CLI as it is in this checkout (built here); undefined when it does not build. */
function cliRatio() {
  try {
    execFileSync("npx", ["tsc", "-b", "packages/cli"], { cwd: root, stdio: "inherit" });
  } catch {
    console.log("M6: the CLI does not build in this checkout; not measured");
    return undefined;
  }
  const runs = Number(args["cli-runs"]);
  const bin = join(root, "packages/cli/bin/mlship.js");
  medianWall(["-e", "0"], 3); // warm the file cache
  const node = medianWall(["-e", "0"], runs);
  const help = medianWall([bin, "--help"], runs);
  console.log(
    `M6: mlship --help ${help.toFixed(1)} ms, node -e 0 ${node.toFixed(1)} ms (median of ${runs}); ${loadNote()}`,
  );
  return help / node;
}

const goal = (ok) => (ok ? "met" : "not met");

function report({ pinned, shared, big, m6 }) {
  const first = pinned ?? shared;
  const m2 = first.b.clientUsPerRow / first.b.endpointUsPerRow;
  const rows = [
    [
      "M1 pinned b/a",
      pinned ? pinned.ba.toFixed(2) : "n/a (no taskset)",
      ">= 0.9",
      pinned && pinned.ba >= 0.9,
    ],
    [
      `M2 scorer ÷ endpoint CPU/row (${first.b.rows.toLocaleString()} rows)`,
      `${first.b.clientUsPerRow.toFixed(2)} / ${first.b.endpointUsPerRow.toFixed(2)} µs = ${m2.toFixed(2)}`,
      "<= 0.4",
      m2 <= 0.4,
    ],
    ["M3 shared-core b/a", shared.ba.toFixed(2), ">= 0.65", shared.ba >= 0.65],
    [
      "M4 pinned c/a",
      pinned ? pinned.ca.toFixed(2) : "n/a (no taskset)",
      ">= 0.65",
      pinned && pinned.ca >= 0.65,
    ],
  ];
  const small = first.b.peakRssMB;
  if (big) {
    const ratio = big.peakRssMB / small;
    rows.push([
      `M5 peak RSS (VmHWM) ${first.b.rows / 1e6}M / ${BIG / 1e6}M rows`,
      `${small.toFixed(0)} / ${big.peakRssMB.toFixed(0)} MB, ${ratio.toFixed(2)}x`,
      "< 150 MB, <= 1.1x",
      Math.max(small, big.peakRssMB) < 150 && ratio <= 1.1,
    ]);
  } else rows.push(["M5 peak RSS (VmHWM)", `${small.toFixed(0)} MB (no --big run)`, "< 150 MB", small < 150]);
  rows.push([
    "M6 mlship --help ÷ node -e 0",
    m6?.toFixed(2) ?? "n/a",
    "<= 1.4",
    m6 !== undefined && m6 <= 1.4,
  ]);
  console.log(`\nsummary (${loadNote()})`);
  for (const [name, value, target, ok] of rows)
    console.log(`  ${name.padEnd(44)} ${String(value).padEnd(30)} goal ${target.padEnd(18)} ${goal(ok)}`);
  console.log(
    `  (shared cores: c/a ${shared.ca.toFixed(2)}; pinned b is ${pinned ? "M2's source" : "absent"})`,
  );
}

const dir = await mkdtemp(join(tmpdir(), "mlship-bench-score-"));
let server;
try {
  execFileSync("npx", ["tsc", "-b", "packages/scoring"], { cwd: root, stdio: "inherit" });
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
  const dicts = await readDicts(data, 100_000);
  const ctx = { url: server.url, body, data, dir, dicts, endpointPids: () => server.pids() };

  let pinned;
  if (canPin() && availableParallelism() >= 2) {
    pin(server.pids(), "0");
    pin([process.pid], "1");
    pinned = await round("pinned", ctx);
    pin(server.pids(), ALL_CPUS);
    pin([process.pid], ALL_CPUS);
  } else console.log("taskset not available (or one CPU): no pinned round");
  const shared = await round("shared", ctx);
  await extras({ ...ctx, a: shared.a });

  let big;
  if (BIG > 0) {
    const bigData = join(dir, "big.csv");
    console.log(`generating ${BIG.toLocaleString()} rows for the RSS comparison...`);
    await generate(bigData, BIG);
    await rm(data, { force: true });
    big = await scoreChild(server.url, bigData, join(dir, "big-out.csv"), ctx.endpointPids);
    console.log(
      `(b) score() ${BIG.toLocaleString()} rows (shared): ${k(big.rowsPerSecond)}, peak RSS ${big.peakRssMB.toFixed(0)} MB; ${loadNote()}`,
    );
  }
  report({ pinned, shared, big, m6: cliRatio() });
} finally {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
}
