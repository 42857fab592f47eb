// MB/s of S3 PutObject (streamed, SDK default CRC32 + aws-chunked) and GetObject through the emulator,
// against a raw baseline measured in the same run: streaming the same file disk -> disk with pipeline().
// Also prints peak RSS growth, which stays far below the object size because bodies are streamed.
//   node --conditions=@mlship/source --import tsx bench/emulator/run.mjs
// Options (env): BENCH_MB (object size, default 256), BENCH_ROUNDS (default 3).
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { emulatorClientConfig, startEmulator } from "@mlship/emulator";

const mb = Number(process.env.BENCH_MB ?? 256);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = await mkdtemp(join(tmpdir(), "bench-emulator-s3-"));
const source = join(dir, "source.bin");
const chunk = Buffer.alloc(1024 * 1024);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
await writeFile(source, Buffer.alloc(0));
{
  const out = createWriteStream(source);
  for (let i = 0; i < mb; i++) if (!out.write(chunk)) await new Promise((r) => out.once("drain", r));
  await new Promise((r) => out.end(r));
}
const bytes = statSync(source).size;

const emulator = await startEmulator({ dataDir: join(dir, "emulator") });
const s3 = new S3Client(emulatorClientConfig(emulator));
await s3.send(new CreateBucketCommand({ Bucket: "bench" }));

let peak = 0;
const baseRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss - baseRss);
}, 20);

async function time(fn) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn(i);
    best = Math.min(best, performance.now() - t);
  }
  return bytes / 1024 / 1024 / (best / 1000);
}

const raw = await time((i) =>
  pipeline(createReadStream(source), createWriteStream(join(dir, `copy-${i}.bin`))),
);
const put = await time((i) =>
  s3.send(
    new PutObjectCommand({
      Bucket: "bench",
      Key: `obj-${i}`,
      Body: createReadStream(source),
      ContentLength: bytes,
    }),
  ),
);
const get = await time(async (i) => {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: "bench", Key: `obj-${i}`, ChecksumMode: "ENABLED" }),
  );
  await pipeline(out.Body, new Writable({ write: (_c, _e, cb) => cb() }));
});
clearInterval(sampler);

console.log(`object ${mb} MiB, best of ${rounds}`);
console.log(`raw disk->disk stream : ${raw.toFixed(0)} MiB/s`);
console.log(`PutObject (aws-chunked, CRC32): ${put.toFixed(0)} MiB/s  ratio ${(put / raw).toFixed(2)}x`);
console.log(`GetObject (CRC32 validated)    : ${get.toFixed(0)} MiB/s  ratio ${(get / raw).toFixed(2)}x`);
console.log(
  `peak RSS growth: ${(peak / 1024 / 1024).toFixed(0)} MiB (object: ${mb} MiB; client and server share this process)`,
);

s3.destroy();
await emulator.stop();
await rm(dir, { recursive: true, force: true });
