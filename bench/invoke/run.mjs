// rows/s of createHttpInvoker vs autocannon (raw load generator) against the same loopback server,
// same concurrency, at 1/10/100/1000-row CSV bodies. Goal: >= 0.9x at >= 10 rows.
//   node --conditions=@mlship/source --import tsx bench/invoke/run.mjs   (sources)
//   node bench/invoke/run.mjs                                             (after building core)
// Options (env): BENCH_SECONDS (1-second rounds per tool and point, default 4), BENCH_CONNECTIONS (default 10), BENCH_ROWS (default 1,10,100,1000).
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { encodeCsv } from "@mlship/core";
import autocannon from "autocannon";
import { Pool } from "undici";
import { invokerLoad } from "../lib/invoker-load.mjs";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const sizes = (process.env.BENCH_ROWS ?? "1,10,100,1000").split(",").map(Number);
const FEATURES = 30; // the breast-cancer example's width

function body(rows) {
  const table = Array.from({ length: rows }, (_, r) =>
    Array.from({ length: FEATURES }, (_, c) => Number(((r * 31 + c * 7) % 1000) / 7).toFixed(4) * 1),
  );
  return encodeCsv(table);
}

async function startServer() {
  const child = fork(fileURLToPath(new URL("./server.mjs", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { port } = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

function runAutocannon(url, payload, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/invocations`,
        method: "POST",
        body: payload,
        headers: { "content-type": "text/csv", accept: "text/csv" },
        connections,
        pipelining: 1,
        duration,
      },
      (err, result) => (err ? reject(err) : resolve(result.requests.total)),
    );
  });
}

async function runInvoker(url, payload, duration) {
  const request = { body: payload, contentType: "text/csv", accept: "text/csv" };
  return duration * (await invokerLoad(url, request, { connections, seconds: duration }));
}

// undici's dispatcher with a do-nothing handler: the floor any undici-based client can reach.
async function runRawUndici(url, payload, duration) {
  const pool = new Pool(url, { connections });
  const headers = { "content-type": "text/csv", accept: "text/csv" };
  const once = () =>
    new Promise((resolve, reject) =>
      pool.dispatch(
        { method: "POST", path: "/invocations", headers, body: payload },
        { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete: resolve, onError: reject },
      ),
    );
  let done = 0;
  const start = performance.now();
  const end = start + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await once();
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return done * (duration / elapsed);
}

const server = await startServer();
const results = [];
try {
  for (const rows of sizes) {
    const payload = process.env.BENCH_STRING ? body(rows) : Buffer.from(body(rows));
    await runAutocannon(server.url, payload, 1); // warm-up both paths
    await runInvoker(server.url, payload, 1);
    // Alternate 1-second rounds (A B B A ...) so drifting load on a shared machine hits both alike.
    // Client CPU per request is reported too: it is what we control, and it is steadier than
    // throughput when other work shares the cores.
    const raw = { requests: 0, cpu: 0 };
    const ours = { requests: 0, cpu: 0 };
    const floor = { requests: 0, cpu: 0 };
    const measure = async (into, run) => {
      const cpu = process.cpuUsage();
      into.requests += await run(server.url, payload, 1);
      const used = process.cpuUsage(cpu);
      into.cpu += used.user + used.system;
    };
    for (let round = 0; round < seconds; round++) {
      if (round % 2 === 0) {
        await measure(raw, runAutocannon);
        await measure(ours, runInvoker);
        await measure(floor, runRawUndici);
      } else {
        await measure(floor, runRawUndici);
        await measure(ours, runInvoker);
        await measure(raw, runAutocannon);
      }
    }
    results.push({
      rows,
      bytes: Buffer.byteLength(payload),
      raw: (raw.requests / seconds) * rows,
      ours: (ours.requests / seconds) * rows,
      ratio: ours.requests / raw.requests,
      rawCpu: raw.cpu / raw.requests,
      oursCpu: ours.cpu / ours.requests,
      floor: (floor.requests / seconds) * rows,
      floorCpu: floor.cpu / floor.requests,
    });
    process.stderr.write(`${rows} rows done\n`);
  }
} finally {
  server.stop();
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const load = loadavg()[0].toFixed(2);
console.log(
  `\ninvoke bench: ${connections} connections, ${seconds} x 1s rounds per tool and point, node ${process.version}, load ${load}\n`,
);
console.log(
  "| rows/body | body bytes | autocannon rows/s | createHttpInvoker rows/s | ratio | raw undici dispatch rows/s | client CPU µs/req (autocannon / invoker / undici) |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  const flag = r.rows >= 10 && r.ratio < 0.9 ? " (below 0.9x goal)" : "";
  console.log(
    `| ${r.rows} | ${fmt(r.bytes)} | ${fmt(r.raw)} | ${fmt(r.ours)} | ${r.ratio.toFixed(2)}x${flag} | ${fmt(r.floor)} | ${r.rawCpu.toFixed(0)} / ${r.oursCpu.toFixed(0)} / ${r.floorCpu.toFixed(0)} |`,
  );
}
