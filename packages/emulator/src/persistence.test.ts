import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "./emulator.js";

const dirs: string[] = [];
const running: Emulator[] = [];

afterAll(async () => {
  for (const e of running) await e.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function start(
  dataDir?: string,
): Promise<{ emulator: Emulator; s3: S3Client; logs: CloudWatchLogsClient }> {
  const emulator = await startEmulator(dataDir ? { dataDir } : {});
  running.push(emulator);
  const config = { ...emulatorClientConfig(emulator), maxAttempts: 1 };
  return { emulator, s3: new S3Client(config), logs: new CloudWatchLogsClient(config) };
}

describe("a start that cannot listen", () => {
  it("rejects a busy or invalid port or a data folder that is a file with E_INVALID_INPUT, leaving no temporary folder", async () => {
    const { emulator } = await start();
    const tmp = await mkdtemp(join(tmpdir(), "emu-tmp-"));
    dirs.push(tmp);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const busy = Number(new URL(emulator.endpoint).port);
      await expect(startEmulator({ port: busy })).rejects.toMatchObject({
        code: "E_INVALID_INPUT",
        where: "port",
        message: expect.stringContaining("already in use"),
      });
      await expect(startEmulator({ port: 70000 })).rejects.toMatchObject({ code: "E_INVALID_INPUT" });
      const file = join(tmp, "..", `${basename(tmp)}.file`);
      await writeFile(file, "not a folder");
      dirs.push(file);
      await expect(startEmulator({ dataDir: file })).rejects.toMatchObject({
        code: "E_INVALID_INPUT",
        where: "dataDir",
      });
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });
});

describe("persistence", () => {
  it("keeps buckets, objects, uploads in progress and log events across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "emu-persist-"));
    dirs.push(dataDir);
    const data = randomBytes(100_000);

    const first = await start(dataDir);
    await first.s3.send(new CreateBucketCommand({ Bucket: "kept" }));
    await first.s3.send(
      new PutObjectCommand({ Bucket: "kept", Key: "a/b.bin", Body: data, Metadata: { note: "persisted" } }),
    );
    const { UploadId } = await first.s3.send(
      new CreateMultipartUploadCommand({ Bucket: "kept", Key: "later" }),
    );
    await first.logs.send(new CreateLogGroupCommand({ logGroupName: "/g" }));
    await first.logs.send(new CreateLogStreamCommand({ logGroupName: "/g", logStreamName: "s" }));
    await first.logs.send(
      new PutLogEventsCommand({
        logGroupName: "/g",
        logStreamName: "s",
        logEvents: [
          { timestamp: 1000, message: "one" },
          { timestamp: 2000, message: "two" },
        ],
      }),
    );
    first.s3.destroy();
    first.logs.destroy();
    await first.emulator.stop();

    const second = await start(dataDir);
    expect(second.emulator.dataDir).toBe(dataDir);
    const head = await second.s3.send(new HeadObjectCommand({ Bucket: "kept", Key: "a/b.bin" }));
    expect(head.Metadata).toEqual({ note: "persisted" });
    const got = await second.s3.send(new GetObjectCommand({ Bucket: "kept", Key: "a/b.bin" }));
    expect(
      Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(data),
    ).toBe(true);
    const listed = await second.s3.send(new ListObjectsV2Command({ Bucket: "kept" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["a/b.bin"]);
    const uploads = await second.s3.send(new ListMultipartUploadsCommand({ Bucket: "kept" }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
    const events = await second.logs.send(
      new GetLogEventsCommand({ logGroupName: "/g", logStreamName: "s", startFromHead: true }),
    );
    expect(events.events?.map((e) => e.message)).toEqual(["one", "two"]);
    second.s3.destroy();
    second.logs.destroy();
  });

  it("removes its temporary data folder on stop when none was given", async () => {
    const { emulator, s3, logs } = await start();
    await s3.send(new CreateBucketCommand({ Bucket: "gone" }));
    s3.destroy();
    logs.destroy();
    await emulator.stop();
    expect(existsSync(emulator.dataDir)).toBe(false);
  });
});
