// Staging throughput and memory: a generated CSV file streamed through S3DataStager to the emulator's
// S3, next to a raw @aws-sdk/lib-storage Upload of the same file in the same run (same part size and
// queue), and the peak RSS of staging millions of generated rows from an async iterable.
//
//   node --conditions=@mlship/source --import tsx bench/stage/run.mjs [MB] [ROWS]
//
// Options (argv or env): STAGE_BENCH_MB (file size, default 1024), STAGE_BENCH_ROWS (default 5000000),
// STAGE_BENCH_ROUNDS (raw/staged file uploads alternate this many times, best time kept; default 2).
// Each measurement runs in its own child process, so its peak RSS (process.resourceUsage().maxRSS)
// is its own; the emulator runs in this parent process. Generated data and the emulator's store live
// in one temp dir that is removed at the end, whatever happens.
import { fork } from "node:child_process";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const BUCKET = "bench-stage";
const role = process.env.STAGE_BENCH_ROLE;

if (role) {
  await child(role);
} else {
  await parent();
}

async function parent() {
  const mb = Number(process.argv[2] ?? process.env.STAGE_BENCH_MB ?? 1024);
  const rows = Number(process.argv[3] ?? process.env.STAGE_BENCH_ROWS ?? 5_000_000);
  const rounds = Number(process.env.STAGE_BENCH_ROUNDS ?? 2);
  if (!(mb > 0 && mb <= 4096) || !(rows > 0 && rows <= 50_000_000) || !(rounds >= 1 && rounds <= 5)) {
    throw new Error("out of bounds: 0 < MB <= 4096, 0 < ROWS <= 50,000,000, 1 <= STAGE_BENCH_ROUNDS <= 5");
  }
  const { startEmulator, emulatorClientConfig } = await import("@mlship/emulator");
  const { CreateBucketCommand, DeleteObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
  const dir = await mkdtemp(join(tmpdir(), "bench-stage-"));
  let emulator;
  try {
    const file = join(dir, "train.csv");
    const t0 = performance.now();
    await generateCsv(file, mb * 1024 * 1024);
    const bytes = statSync(file).size;
    console.log(
      `generated ${file}: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    emulator = await startEmulator({ dataDir: join(dir, "emulator") });
    const config = emulatorClientConfig(emulator);
    const s3 = new S3Client(config);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const env = {
      STAGE_BENCH_CONFIG: JSON.stringify(config),
      STAGE_BENCH_FILE: file,
      STAGE_BENCH_ROWS: String(rows),
    };

    const idle = await run("idle", env);
    // Alternate raw and staged uploads; keep each one's best time and highest peak RSS.
    let raw;
    let staged;
    const keep = (best, r) =>
      best
        ? { ...r, seconds: Math.min(best.seconds, r.seconds), maxRssKb: Math.max(best.maxRssKb, r.maxRssKb) }
        : r;
    for (let round = 0; round < rounds; round++) {
      const r = await run("raw", env);
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: r.key }));
      raw = keep(raw, r);
      const st = await run("stage-file", { ...env, STAGE_BENCH_RUN: `file-${round}` });
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: st.key }));
      staged = keep(staged, st);
    }
    const stream = await run("stage-rows", env);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: stream.key }));
    s3.destroy();

    const mbps = (r) => r.bytes / 2 ** 20 / r.seconds;
    const rss = (r) => `${(r.maxRssKb / 1024).toFixed(0)} MiB`;
    console.log("");
    console.log(
      `node ${process.version}, ${(bytes / 2 ** 20).toFixed(0)} MiB CSV, part ${PART_SIZE / 2 ** 20} MiB x ${QUEUE_SIZE}, ` +
        `best of ${rounds} alternating rounds`,
    );
    console.log(`idle child (imports only)         peak RSS ${rss(idle)}`);
    console.log(`raw lib-storage Upload            ${mbps(raw).toFixed(1)} MB/s   peak RSS ${rss(raw)}`);
    console.log(
      `S3DataStager { path } (+sha256)   ${mbps(staged).toFixed(1)} MB/s   peak RSS ${rss(staged)}`,
    );
    console.log(
      `ratio stager / raw                ${(mbps(staged) / mbps(raw)).toFixed(2)}x throughput, ${(staged.maxRssKb / raw.maxRssKb).toFixed(2)}x RSS`,
    );
    console.log(
      `S3DataStager ${rows.toLocaleString("en-US")} rows (async iterable -> CSV): ${stream.seconds.toFixed(1)} s, ` +
        `${Math.round(rows / stream.seconds).toLocaleString("en-US")} rows/s, ${mbps(stream).toFixed(1)} MB/s, ` +
        `${(stream.bytes / 2 ** 20).toFixed(0)} MiB written, peak RSS ${rss(stream)}`,
    );
    if (staged.sha256 !== raw.sha256Expected) console.log("WARNING: staged sha256 differs from the file's");
  } finally {
    await emulator?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs one measurement in a child process (bounded to 30 minutes) and returns what it reports. */
function run(which, env) {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, ...env, STAGE_BENCH_ROLE: which },
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 30 * 60_000);
    let result;
    proc.on("message", (m) => {
      result = m;
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`${which} child failed (code ${code}, signal ${signal})`));
    });
  });
}

async function child(which) {
  const config = JSON.parse(process.env.STAGE_BENCH_CONFIG);
  const file = process.env.STAGE_BENCH_FILE;
  const rows = Number(process.env.STAGE_BENCH_ROWS);
  const { S3Client } = await import("@aws-sdk/client-s3");
  const { Upload } = await import("@aws-sdk/lib-storage");
  const { S3DataStager } = await import("@mlship/data-s3");
  const { createHash } = await import("node:crypto");
  const s3 = new S3Client(config);
  const report = (r) => {
    process.send({ ...r, maxRssKb: process.resourceUsage().maxRSS });
    s3.destroy();
  };
  if (which === "idle") return report({});

  const t = performance.now();
  if (which === "raw") {
    const key = "raw/train.csv";
    await new Upload({
      client: s3,
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      params: { Bucket: BUCKET, Key: key, Body: createReadStream(file), ContentType: "text/csv" },
    }).done();
    const seconds = (performance.now() - t) / 1000;
    // The expected hash, for checking the stager's, is computed after the timing.
    const hash = createHash("sha256");
    for await (const c of createReadStream(file)) hash.update(c);
    return report({ key, seconds, bytes: statSync(file).size, sha256Expected: hash.digest("hex") });
  }
  const stager = new S3DataStager({
    client: s3,
    region: config.region,
    bucket: BUCKET,
    prefix: "bench",
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
  });
  if (which === "stage-file") {
    const ref = await stager.stage({ path: file }, { channel: "train", run: "file" });
    return report({
      key: "bench/file/train/train.csv",
      seconds: (performance.now() - t) / 1000,
      bytes: ref.bytes,
      sha256: ref.sha256,
    });
  }
  async function* generated() {
    for (let i = 0; i < rows; i++) {
      yield { id: i, f1: (i % 1000) / 7, f2: (i * 7919) % 10007, f3: i % 3 === 0 ? "a" : "b", label: i & 1 };
    }
  }
  const ref = await stager.stage(generated(), { channel: "train", run: "rows" });
  if (ref.rows !== rows) throw new Error(`staged ${ref.rows} rows, expected ${rows}`);
  report({ key: "bench/rows/train/data.csv", seconds: (performance.now() - t) / 1000, bytes: ref.bytes });
}

/**
 * A CSV of about `target` bytes: a header, then one 1 MiB block of numeric feature rows written over
 * and over (the content does not matter to an upload; generating every row would dominate the run).
 */
async function generateCsv(file, target) {
  let block = "";
  for (let i = 0; block.length < 1 << 20; i++) {
    block += `${i},${(i % 1000) / 8},${(i * 7919) % 10007},${(i % 97) * 0.25},${i % 13},${i & 1}\n`;
  }
  const piece = Buffer.from(block);
  const out = createWriteStream(file);
  const failed = new Promise((_, reject) => out.once("error", reject));
  const drained = () => Promise.race([new Promise((resolve) => out.once("drain", resolve)), failed]);
  out.write("id,f1,f2,f3,f4,label\n");
  for (let written = 0; written < target; written += piece.length) {
    if (!out.write(piece)) await drained();
  }
  await Promise.race([new Promise((resolve) => out.end(resolve)), failed]);
}
