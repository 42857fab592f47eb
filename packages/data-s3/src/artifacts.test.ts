import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { collectingSink, isMlshipError } from "@mlship/core";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { tempDir } from "@mlship/testing";
import { Header } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3ObjectStore, downloadAndExtract, presignGetUrl, uploadSourceDir } from "./artifacts.js";
import { ensureBucket } from "./bucket.js";
import { createS3Client } from "./client.js";
import { packSourceDir } from "./source-bundle.js";
import { uploadFile } from "./transfer.js";

let emulator: Emulator;
let client: S3Client;
const bucket = `artifacts-${process.pid}`;

beforeAll(async () => {
  emulator = await startEmulator();
  const { credentials } = emulatorClientConfig(emulator);
  client = createS3Client({ endpoint: emulator.endpoint, region: emulator.region, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

async function bytesOf(key: string): Promise<Buffer> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function sourceDir(): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, "lib"));
  writeFileSync(path.join(dir, "train.py"), "print('train')\n");
  writeFileSync(path.join(dir, "lib", "util.py"), "X = 1\n");
  mkdirSync(path.join(dir, "__pycache__"));
  writeFileSync(path.join(dir, "__pycache__", "train.cpython-311.pyc"), "junk");
  return dir;
}

describe("uploadSourceDir / downloadAndExtract", () => {
  it("uploads the reproducible bundle and extracts it back", async () => {
    const dir = sourceDir();
    const uri = `s3://${bucket}/job-1/source/sourcedir.tar.gz`;
    const events = collectingSink();
    expect(await uploadSourceDir(client, dir, uri, { events })).toBe(uri);
    const local = await packSourceDir(dir, path.join(tempDir(), "local.tar.gz"));
    expect(sha256(await bytesOf("job-1/source/sourcedir.tar.gz"))).toBe(local.sha256);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "job-1/source/sourcedir.tar.gz" }),
    );
    expect(head.ContentType).toBe("application/gzip");
    expect(events.of("upload.progress").at(-1)).toMatchObject({
      key: uri,
      loaded: local.bytes,
      total: local.bytes,
    });

    const dest = tempDir();
    const files = await downloadAndExtract(client, uri, dest);
    expect(files.sort()).toEqual([path.join(dest, "lib", "util.py"), path.join(dest, "train.py")]);
    expect(readFileSync(path.join(dest, "train.py"), "utf8")).toBe("print('train')\n");
    expect(existsSync(path.join(dest, "__pycache__"))).toBe(false);
  });

  it("refuses a malicious model.tar.gz without writing anything", async () => {
    const header = new Header({
      path: "../../evil.sh",
      type: "File",
      size: 4,
      mode: 0o755,
      mtime: new Date(0),
    });
    const block = Buffer.alloc(512);
    header.encode(block);
    const evil = gzipSync(Buffer.concat([block, Buffer.from("boom"), Buffer.alloc(508), Buffer.alloc(1024)]));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "job-2/output/model.tar.gz", Body: evil }));
    const parent = tempDir();
    const dest = path.join(parent, "model");
    const error = await downloadAndExtract(client, `s3://${bucket}/job-2/output/model.tar.gz`, dest).catch(
      (e: unknown) => e,
    );
    expect(isMlshipError(error) && error.code).toBe("E_INVALID_INPUT");
    expect((error as Error).message).toMatch(/contains "\.\."/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("says which object is missing", async () => {
    const error = await downloadAndExtract(client, `s3://${bucket}/nope/model.tar.gz`, tempDir()).catch(
      (e: unknown) => e,
    );
    expect(isMlshipError(error) && error.code).toBe("E_NOT_FOUND");
    expect(isMlshipError(error) && error.where).toBe(`s3://${bucket}/nope/model.tar.gz`);
  });
});

describe("presignGetUrl", () => {
  it("gives a URL plain fetch can read, with the requested expiry", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "p/model.tar.gz", Body: "model-bytes" }));
    const url = await presignGetUrl(client, `s3://${bucket}/p/model.tar.gz`, 900);
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("900");
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("model-bytes");
  });

  it("refuses prefixes and expiries outside 1 s .. 7 days", async () => {
    const uri = `s3://${bucket}/p/model.tar.gz`;
    await expect(presignGetUrl(client, `s3://${bucket}/p/`, 60)).rejects.toThrow(/not a prefix/);
    for (const bad of [0, -1, 1.5, 604_801]) {
      await expect(presignGetUrl(client, uri, bad)).rejects.toThrow(/expiresInSeconds must be an integer/);
    }
    expect(await presignGetUrl(client, uri, 604_800)).toContain("X-Amz-Expires=604800");
  });
});

describe("createS3ObjectStore", () => {
  it("uploads a file and downloads one object or a whole prefix", async () => {
    const store = createS3ObjectStore(client);
    const src = tempDir();
    writeFileSync(path.join(src, "model.joblib"), Buffer.alloc(7 * 1024 * 1024, 7)); // multipart
    await store.upload(path.join(src, "model.joblib"), `s3://${bucket}/store/out/model.joblib`);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "store/out/nested/a.txt", Body: "a" }));

    const one = tempDir();
    expect(await store.download(`s3://${bucket}/store/out/model.joblib`, one)).toEqual([
      path.join(one, "model.joblib"),
    ]);
    expect(readFileSync(path.join(one, "model.joblib")).equals(Buffer.alloc(7 * 1024 * 1024, 7))).toBe(true);

    const all = tempDir();
    const events = collectingSink();
    const files = await store.download(`s3://${bucket}/store/out/`, all, { events });
    expect(files.sort()).toEqual([path.join(all, "model.joblib"), path.join(all, "nested", "a.txt")]);
    expect(readFileSync(path.join(all, "nested", "a.txt"), "utf8")).toBe("a");
    expect(events.of("download.progress").length).toBeGreaterThan(0);
    expect(readdirSync(all).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("refuses to upload to a prefix or from a missing file", async () => {
    const store = createS3ObjectStore(client);
    const file = path.join(tempDir(), "x.txt");
    writeFileSync(file, "x");
    await expect(store.upload(file, `s3://${bucket}/prefix/`)).rejects.toThrow(/not a prefix/);
    await expect(store.upload(`${file}.missing`, `s3://${bucket}/k`)).rejects.toMatchObject({
      code: "E_NOT_FOUND",
    });
    await expect(store.download(`s3://${bucket}/no-such-prefix/`, tempDir())).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      where: `s3://${bucket}/no-such-prefix/`,
    });
  });

  it("aborts a multipart file upload on the signal and leaves no object", async () => {
    const file = path.join(tempDir(), "big.bin");
    writeFileSync(file, Buffer.alloc(12 * 1024 * 1024, 1));
    const controller = new AbortController();
    const events = (e: { type: string }) => {
      if (e.type === "upload.progress") controller.abort();
    };
    const error = await uploadFile(
      client,
      file,
      `s3://${bucket}/aborted/big.bin`,
      {
        signal: controller.signal,
        events,
      },
      { partSize: 5 * 1024 * 1024 },
    ).catch((e: unknown) => e);
    expect(isMlshipError(error) && error.code).toBe("E_ABORTED");
    await expect(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: "aborted/big.bin" })),
    ).rejects.toMatchObject({ name: "NotFound" });
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "aborted/" }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

describe("ensureBucket", () => {
  it("creates a missing bucket and accepts an existing one", async () => {
    const name = `ensure-${process.pid}`;
    await ensureBucket(client, name, emulator.region);
    await ensureBucket(client, name, emulator.region);
    await client.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "v" }));
  });
});
