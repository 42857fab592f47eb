import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  paginateListObjectsV2,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { awsCli, boto3Python, runAwsTool } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../emulator.js";
import { newBucket as createBucket, s3Error } from "./test-support.js";

let emulator: Emulator;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startEmulator();
  s3 = new S3Client({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
});

afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

const newBucket = () => createBucket(s3, "test");

async function bodyOf(bucket: string, key: string, range?: string): Promise<Buffer> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }),
  );
  return Buffer.from(
    await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

describe("buckets", () => {
  it("creates, heads, lists and deletes a bucket", async () => {
    const bucket = await newBucket();
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain(bucket);
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    expect(location.LocationConstraint ?? "").toBe("");
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const missing = await s3Error(s3.send(new HeadBucketCommand({ Bucket: bucket })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("answers BucketAlreadyOwnedByYou (200 in us-east-1), BucketNotEmpty and NoSuchBucket like S3", async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "x" }));
    // us-east-1 keeps its legacy answer: 200, and the bucket stays as it is.
    const again = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect((await bodyOf(bucket, "a")).toString()).toBe("x");
    const regional = new S3Client({ ...emulatorClientConfig(emulator), region: "eu-west-1", maxAttempts: 1 });
    try {
      const name = `own-${randomBytes(4).toString("hex")}`;
      await regional.send(new CreateBucketCommand({ Bucket: name }));
      const owned = await s3Error(regional.send(new CreateBucketCommand({ Bucket: name })));
      expect([owned.name, owned.$metadata.httpStatusCode]).toEqual(["BucketAlreadyOwnedByYou", 409]);
    } finally {
      regional.destroy();
    }
    const notEmpty = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: bucket })));
    expect(notEmpty.name).toBe("BucketNotEmpty");
    const noBucket = await s3Error(
      s3.send(new GetObjectCommand({ Bucket: "no-such-bucket-here", Key: "a" })),
    );
    expect(noBucket.name).toBe("NoSuchBucket");
    const badName = await s3Error(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })));
    expect(badName.name).toBe("InvalidBucketName");
  });

  it("validates LocationConstraint against the signing region", async () => {
    const name = `loc-${randomBytes(4).toString("hex")}`;
    const explicitUsEast = await s3Error(
      s3.send(
        new CreateBucketCommand({
          Bucket: name,
          CreateBucketConfiguration: { LocationConstraint: "us-east-1" as never },
        }),
      ),
    );
    expect(explicitUsEast.name).toBe("InvalidLocationConstraint");
    const regional = new S3Client({ ...emulatorClientConfig(emulator), region: "eu-west-1", maxAttempts: 1 });
    try {
      const mismatch = await s3Error(
        regional.send(
          new CreateBucketCommand({
            Bucket: name,
            CreateBucketConfiguration: { LocationConstraint: "us-west-2" },
          }),
        ),
      );
      expect(mismatch.name).toBe("IllegalLocationConstraintException");
      // The SDK fills in LocationConstraint = its region for regional clients.
      await regional.send(new CreateBucketCommand({ Bucket: name }));
      const location = await regional.send(new GetBucketLocationCommand({ Bucket: name }));
      expect(location.LocationConstraint).toBe("eu-west-1");
    } finally {
      regional.destroy();
    }
  });
});

describe("objects", () => {
  it("stores a streamed PutObject with the SDK's default checksums byte-identical (aws-chunked)", async () => {
    const bucket = await newBucket();
    const data = randomBytes(300_000);
    const stream = Readable.from([
      data.subarray(0, 70_000),
      data.subarray(70_000, 200_000),
      data.subarray(200_000),
    ]);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "streamed.bin", Body: stream, ContentLength: data.length }),
    );
    expect(put.ETag).toBe(`"${md5(data)}"`);
    expect(put.ChecksumCRC32).toBeDefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "streamed.bin" }));
    expect(head.ContentLength).toBe(data.length);
    const back = await bodyOf(bucket, "streamed.bin");
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
    // The SDK validates the CRC32 it gets back on GET (checksum mode is on by default).
    const get = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "streamed.bin", ChecksumMode: "ENABLED" }),
    );
    expect(get.ChecksumCRC32).toBe(put.ChecksumCRC32);
    await get.Body?.transformToByteArray();
  });

  it("verifies and returns CRC32C, CRC64NVME, SHA1 and SHA256 checksums the SDK computes; stores empty objects", async () => {
    const bucket = await newBucket();
    const data = randomBytes(70_000);
    for (const algorithm of ["CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const) {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: algorithm, Body: data, ChecksumAlgorithm: algorithm }),
      );
      const member = `Checksum${algorithm}` as const;
      expect(put[member]).toBeTruthy();
      const get = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: algorithm, ChecksumMode: "ENABLED" }),
      );
      expect(get[member]).toBe(put[member]);
      expect(
        Buffer.from(
          await (get.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ).equals(data),
      ).toBe(true);
    }
    const sha256 = createHash("sha256").update(data).digest("base64");
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "SHA256", ChecksumMode: "ENABLED" })))
        .ChecksumSHA256,
    ).toBe(sha256);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "empty", Body: Readable.from([]), ContentLength: 0 }),
    );
    expect((await bodyOf(bucket, "empty")).length).toBe(0);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "empty" }))).ContentLength).toBe(0);
  });

  it("rejects a body whose checksum does not match", async () => {
    const bucket = await newBucket();
    const error = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bad", Body: "hello", ChecksumCRC32: "AAAAAA==" })),
    );
    expect(error.name).toBe("BadDigest");
    const missing = await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "bad" })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("round-trips metadata, content type, tags; answers NoSuchKey", async () => {
    const bucket = await newBucket();
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "dir/with space/ü.json",
        Body: '{"a":1}',
        ContentType: "application/json",
        Metadata: { owner: "mlship", "run-id": "42" },
        Tagging: "team=ml&stage=dev",
        CacheControl: "no-cache",
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dir/with space/ü.json" }));
    expect(head.ContentType).toBe("application/json");
    expect(head.Metadata).toEqual({ owner: "mlship", "run-id": "42" });
    expect(head.CacheControl).toBe("no-cache");
    expect(head.ContentLength).toBe(7);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "dir/with space/ü.json" }));
    expect(tags.TagSet).toEqual(
      expect.arrayContaining([
        { Key: "team", Value: "ml" },
        { Key: "stage", Value: "dev" },
      ]),
    );
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "nope" })));
    expect(missing.name).toBe("NoSuchKey");
    const longKey = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k".repeat(1025), Body: "x" })),
    );
    expect(longKey.name).toBe("KeyTooLongError");
    const bigMeta = await s3Error(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "m", Body: "x", Metadata: { big: "v".repeat(2100) } }),
      ),
    );
    expect(bigMeta.name).toBe("MetadataTooLarge");
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("refuses to overwrite with If-None-Match: * (412) and copies with REPLACE directives", async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "once", Body: "first", IfNoneMatch: "*" }));
    const again = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "once", Body: "second", IfNoneMatch: "*" })),
    );
    expect(again.name).toBe("PreconditionFailed");
    expect(again.$metadata.httpStatusCode).toBe(412);
    expect((await bodyOf(bucket, "once")).toString()).toBe("first");

    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "x", Metadata: { a: "1" }, Tagging: "t=1" }),
    );
    const self = await s3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "src", CopySource: `${bucket}/src` })),
    );
    expect(self.name).toBe("InvalidRequest");
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "dst",
        CopySource: `${bucket}/src`,
        MetadataDirective: "REPLACE",
        Metadata: { b: "2" },
        ContentType: "text/plain",
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst" }));
    expect(head.Metadata).toEqual({ b: "2" });
    expect(head.ContentType).toBe("text/plain");
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "dst" }));
    expect(tags.TagSet).toEqual([{ Key: "t", Value: "1" }]);
  });

  it("serves byte ranges", async () => {
    const bucket = await newBucket();
    const data = Buffer.from("0123456789abcdefghij");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "r", Body: data }));
    expect((await bodyOf(bucket, "r", "bytes=2-5")).toString()).toBe("2345");
    expect((await bodyOf(bucket, "r", "bytes=15-")).toString()).toBe("fghij");
    expect((await bodyOf(bucket, "r", "bytes=-3")).toString()).toBe("hij");
    const ranged = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "r", Range: "bytes=0-0" }));
    expect(ranged.ContentRange).toBe("bytes 0-0/20");
    expect(ranged.$metadata.httpStatusCode).toBe(206);
    await ranged.Body?.transformToByteArray();
    const bad = await s3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "r", Range: "bytes=50-60" })),
    );
    expect(bad.name).toBe("InvalidRange");
    expect(bad.$metadata.httpStatusCode).toBe(416);
  });

  it("copies and deletes objects, single and in batches", async () => {
    const bucket = await newBucket();
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "copy me", Metadata: { k: "v" } }),
    );
    const copy = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "dst/1", CopySource: `${bucket}/src` }),
    );
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5(Buffer.from("copy me"))}"`);
    expect((await bodyOf(bucket, "dst/1")).toString()).toBe("copy me");
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst/1" }))).Metadata).toEqual({
      k: "v",
    });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "src" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "never-existed" }));
    for (const k of ["b1", "b2", "b3"])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "b1" }, { Key: "b2" }, { Key: "zz" }] },
      }),
    );
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual(["b1", "b2", "zz"]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(left.Contents?.map((c) => c.Key)).toEqual(["b3", "dst/1"]);
  });
});

describe("tags", () => {
  it("holds S3's limits with InvalidTag and lists a TagSet sorted by key", async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "t", Body: "x", Tagging: "b=2&a=1&c=3" }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "t" }))).TagSet).toEqual([
      { Key: "a", Value: "1" },
      { Key: "b", Value: "2" },
      { Key: "c", Value: "3" },
    ]);
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const put = (TagSet: Array<{ Key: string; Value: string }>) =>
      s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "t", Tagging: { TagSet } }));
    await put(tags(10));
    const cases: Array<[Array<{ Key: string; Value: string }>, string]> = [
      [tags(11), "Object tags cannot be greater than 10"],
      [[{ Key: "k".repeat(129), Value: "v" }], "The TagKey you have provided is invalid"],
      [[{ Key: "k", Value: "v".repeat(257) }], "The TagValue you have provided is invalid"],
      [
        [
          { Key: "k", Value: "1" },
          { Key: "k", Value: "2" },
        ],
        "Cannot provide multiple Tags with the same key",
      ],
    ];
    for (const [TagSet, message] of cases) {
      const error = await s3Error(put(TagSet));
      expect([error.name, error.message, error.$metadata.httpStatusCode]).toEqual([
        "InvalidTag",
        message,
        400,
      ]);
    }
    await put([{ Key: "é".repeat(128), Value: "ü".repeat(256) }]);
    const header = await s3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "h",
          Body: "x",
          Tagging: tags(11)
            .map((t) => `${t.Key}=v`)
            .join("&"),
        }),
      ),
    );
    expect([header.name, header.message]).toEqual(["InvalidTag", "Object tags cannot be greater than 10"]);
  });
});

describe("listing edge cases", () => {
  it("MaxKeys=0 is an empty, untruncated page; an empty ContinuationToken is no token; v1 does not encode Prefix", async () => {
    const bucket = await newBucket();
    for (const k of ["dir one/x y", "dir one/z", "other"]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    }
    const none = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    expect([none.IsTruncated, none.KeyCount, none.Contents, none.NextContinuationToken]).toEqual([
      false,
      0,
      undefined,
      undefined,
    ]);
    const noneV1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 0 }));
    expect([noneV1.IsTruncated, noneV1.Contents]).toEqual([false, undefined]);
    const empty = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: "" }));
    expect(empty.Contents?.map((c) => c.Key)).toEqual(["dir one/x y", "dir one/z", "other"]);
    const v1 = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Prefix: "dir one/", Delimiter: " ", EncodingType: "url" }),
    );
    expect(v1.Prefix).toBe("dir one/");
    expect(v1.Delimiter).toBe("%20");
    expect(v1.Contents?.map((c) => c.Key)).toEqual(["dir%20one/z"]);
    expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["dir%20one/x%20"]);
    const v2 = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir one/", EncodingType: "url" }),
    );
    expect(v2.Prefix).toBe("dir%20one/");
  });
});

describe("metadata bytes", () => {
  it("gives back the bytes of a non-ASCII x-amz-meta-* value as sent (HEAD, GET, copy)", async () => {
    const bucket = await newBucket();
    // SDKs refuse non-ASCII metadata, so the request is written by hand: the value is the byte 0xE9.
    const value = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    const put = await rawHttp(
      Buffer.concat([
        Buffer.from(`PUT /${bucket}/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nx-amz-meta-name: `),
        value,
        Buffer.from("\r\nConnection: close\r\n\r\nx"),
      ]),
    );
    expect(put.subarray(0, 15).toString()).toBe("HTTP/1.1 200 OK");
    // The 2 KB metadata limit counts the bytes sent: 2040 of them pass although their UTF-8 would not.
    const big = await rawHttp(
      Buffer.concat([
        Buffer.from(`PUT /${bucket}/big HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nx-amz-meta-big: `),
        Buffer.alloc(2040, 0xe9),
        Buffer.from("\r\nConnection: close\r\n\r\n"),
      ]),
    );
    expect(big.subarray(0, 15).toString()).toBe("HTTP/1.1 200 OK");
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/meta` }));
    for (const [method, key] of [
      ["HEAD", "meta"],
      ["GET", "meta"],
      ["GET", "copy"],
    ]) {
      const answer = await rawHttp(
        Buffer.from(`${method} /${bucket}/${key} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      const at = answer.indexOf("x-amz-meta-name: ") + "x-amz-meta-name: ".length;
      expect(answer.subarray(at, answer.indexOf("\r\n", at)).equals(value)).toBe(true);
    }
  });
});

/** One HTTP/1.1 exchange over a plain socket, bytes in and bytes out. */
function rawHttp(request: Buffer): Promise<Buffer> {
  const { hostname, port } = new URL(emulator.endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

describe("ListObjectsV2", () => {
  it("pages with max-keys and continuation tokens, rolls up common prefixes, honours StartAfter", async () => {
    const bucket = await newBucket();
    const keys = ["a/1", "a/2", "b", "c/x/1", "c/y", "d", "e"];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket })) {
      pages++;
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      seen.push(...(page.Contents ?? []).map((c) => c.Key as string));
    }
    expect(seen).toEqual(keys);
    expect(pages).toBe(4);

    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect(rolled.Contents?.map((c) => c.Key)).toEqual(["b", "d", "e"]);
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c/"]);

    const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/", MaxKeys: 1 }));
    expect(first.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/"]);
    expect(first.IsTruncated).toBe(true);
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Delimiter: "/",
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents?.map((c) => c.Key)).toEqual(["b"]);
    expect(second.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c/"]);

    const nested = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "c/", Delimiter: "/" }));
    expect(nested.Contents?.map((c) => c.Key)).toEqual(["c/y"]);
    expect(nested.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c/x/"]);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "c/y" }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(["d", "e"]);
    expect(after.IsTruncated).toBe(false);
  });
});

describe("multipart", () => {
  it("uploads > 5 MB with lib-storage (streamed parts, default CRC32 checksums)", async () => {
    const bucket = await newBucket();
    const data = randomBytes(12 * 1024 * 1024 + 123);
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: "big.bin",
        Body: Readable.from([data]),
        ContentType: "application/x-test",
      },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const done = await upload.done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ContentType).toBe("application/x-test");
    expect((await bodyOf(bucket, "big.bin")).equals(data)).toBe(true);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    // Parts stay addressable: GetObject/HeadObject with PartNumber.
    const part2 = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin", PartNumber: 2 }));
    expect(part2.PartsCount).toBe(3);
    expect(part2.ContentRange).toBe(`bytes ${5 * 1024 * 1024}-${10 * 1024 * 1024 - 1}/${data.length}`);
    const bytes = Buffer.from(
      await (part2.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(data.subarray(5 * 1024 * 1024, 10 * 1024 * 1024))).toBe(true);
    const head3 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin", PartNumber: 3 }));
    expect(head3.ContentLength).toBe(2 * 1024 * 1024 + 123);
    const none = await s3Error(
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin", PartNumber: 4 })),
    );
    expect(none.$metadata.httpStatusCode).toBe(416);
  });

  it("gives a CRC64NVME multipart upload a FULL_OBJECT checksum the SDK validates on GET", async () => {
    const bucket = await newBucket();
    const data = randomBytes(11 * 1024 * 1024);
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: "full.bin", Body: data, ChecksumAlgorithm: "CRC64NVME" },
      partSize: 5 * 1024 * 1024,
    }).done();
    const get = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "full.bin", ChecksumMode: "ENABLED" }),
    );
    expect(get.ChecksumType).toBe("FULL_OBJECT");
    expect(get.ChecksumCRC64NVME).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    // Reading the body runs the SDK's checksum validation: a wrong full-object checksum throws here.
    const body = Buffer.from(
      await (get.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(body.equals(data)).toBe(true);
  });

  it("drives the multipart calls one by one: list parts, EntityTooSmall, abort leaves nothing", async () => {
    const bucket = await newBucket();
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "parts", ChecksumAlgorithm: "CRC32" }),
    );
    const uploadId = created.UploadId as string;
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "parts",
        UploadId: uploadId,
        PartNumber: 1,
        Body: "small-1",
      }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "parts",
        UploadId: uploadId,
        PartNumber: 2,
        Body: "small-2",
      }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "parts", UploadId: uploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 7, p1.ETag],
      [2, 7, p2.ETag],
    ]);
    const tooSmall = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "parts",
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 },
              { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe("EntityTooSmall");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "parts", UploadId: uploadId }));
    const gone = await s3Error(
      s3.send(new ListPartsCommand({ Bucket: bucket, Key: "parts", UploadId: uploadId })),
    );
    expect(gone.name).toBe("NoSuchUpload");
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    // Nothing left behind: the bucket can be deleted.
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  it("completes a single small part (allowed as the last part)", async () => {
    const bucket = await newBucket();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "one" }));
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "one", UploadId, PartNumber: 1, Body: "only part" }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "one",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] },
      }),
    );
    expect(done.ETag).toMatch(/-1"$/);
    expect((await bodyOf(bucket, "one")).toString()).toBe("only part");
  });
});

describe("presigned URLs", () => {
  it("GET and PUT through plain fetch", async () => {
    const bucket = await newBucket();
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: "pre/signed.txt" }), {
      expiresIn: 300,
    });
    const put = await fetch(putUrl, { method: "PUT", body: "via presigned put" });
    expect(put.status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "pre/signed.txt" }), {
      expiresIn: 300,
    });
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("via presigned put");
  });

  it("refuses an expired URL with AccessDenied", async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "k" }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 60_000),
    });
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>AccessDenied</Code>");
  });
});

describe("addressing", () => {
  it("understands virtual-hosted requests (Host: <bucket>.localhost)", async () => {
    const bucket = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/v.txt", Body: "virtual" }));
    const { hostname, port } = new URL(emulator.endpoint);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: hostname, port, path: "/dir/v.txt", headers: { host: `${bucket}.localhost:${port}` } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(body).toBe("200 virtual");
  });
});

describe("objectStore port", () => {
  it("uploads a file and downloads it, and a prefix, straight from the store", async () => {
    const bucket = await newBucket();
    const dir = await mkdtemp(join(tmpdir(), "emu-os-"));
    try {
      await writeFile(join(dir, "model.tar.gz"), "model bytes");
      await emulator.objectStore.upload(join(dir, "model.tar.gz"), `s3://${bucket}/job/output/model.tar.gz`);
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "job/data/train/part-1.csv", Body: "1,2\n" }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "job/data/train/sub/part-2.csv", Body: "3,4\n" }),
      );
      expect((await bodyOf(bucket, "job/output/model.tar.gz")).toString()).toBe("model bytes");
      const one = await emulator.objectStore.download(
        `s3://${bucket}/job/output/model.tar.gz`,
        join(dir, "one"),
      );
      expect(one).toEqual([join(dir, "one", "model.tar.gz")]);
      const many = await emulator.objectStore.download(`s3://${bucket}/job/data/train/`, join(dir, "many"));
      expect(many.sort()).toEqual([join(dir, "many", "part-1.csv"), join(dir, "many", "sub", "part-2.csv")]);
      expect(await readFile(join(dir, "many", "sub", "part-2.csv"), "utf8")).toBe("3,4\n");
      await expect(emulator.objectStore.download(`s3://${bucket}/missing`, dir)).rejects.toMatchObject({
        code: "E_NOT_FOUND",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("DeleteObjects through boto3 and the AWS CLI (what `mlship data cleanup` sends)", () => {
  const keysIn = async (bucket: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((c) => c.Key).sort();
  const putAll = (bucket: string, keys: string[]) =>
    Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));

  it("boto3: delete_objects removes exactly the keys named (a missing one counts as deleted); Quiet lists none", async () => {
    const bucket = await newBucket();
    await putAll(bucket, ["run/train/a.csv", "run/train/b.csv", "run/train/mine.csv", "other.csv"]);
    const code = `
import sys, json, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
bucket = sys.argv[2]
loud = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "run/train/a.csv"}, {"Key": "gone.csv"}]})
quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "run/train/b.csv"}], "Quiet": True})
print(json.dumps({"loud": sorted(d["Key"] for d in loud.get("Deleted", [])), "loudErrors": loud.get("Errors", []),
                  "quiet": quiet.get("Deleted", []), "quietErrors": quiet.get("Errors", [])}))
`;
    const run = await runAwsTool(boto3Python(), ["-c", code, emulator.endpoint, bucket], {
      region: emulator.region,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      loud: ["gone.csv", "run/train/a.csv"],
      loudErrors: [],
      quiet: [],
      quietErrors: [],
    });
    expect(await keysIn(bucket)).toEqual(["other.csv", "run/train/mine.csv"]);
  });

  it("AWS CLI: s3api delete-objects with --delete Quiet=true removes the keys and leaves the rest", async () => {
    const bucket = await newBucket();
    await putAll(bucket, ["run/train/a.csv", "run/train/mine.csv"]);
    const run = await runAwsTool(
      awsCli(),
      [
        "s3api",
        "delete-objects",
        "--bucket",
        bucket,
        "--delete",
        JSON.stringify({ Objects: [{ Key: "run/train/a.csv" }, { Key: "never.csv" }], Quiet: true }),
        "--endpoint-url",
        emulator.endpoint,
        "--output",
        "json",
      ],
      { region: emulator.region },
    );
    expect(run.code, run.stderr).toBe(0);
    // Quiet: S3 answers with the errors only; none here, so the CLI prints no Deleted entries.
    expect(run.stdout.trim() === "" ? {} : JSON.parse(run.stdout)).not.toHaveProperty("Errors");
    expect(await keysIn(bucket)).toEqual(["run/train/mine.csv"]);
  });
});
