// `aws-chunked` in Content-Encoding does not make a body chunk-encoded: S3 reads that from
// x-amz-content-sha256 (STREAMING-…) and never stores `aws-chunked`. Through the SDK, boto3 and the AWS CLI.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { awsCli, boto3Python, runAwsTool, tempDir } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../emulator.js";

let emulator: Emulator;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  emulator = await startEmulator();
  s3 = new S3Client({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
  bucket = `chunked-${randomBytes(4).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

async function stored(key: string): Promise<{ body: string; encoding?: string }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: (await out.Body?.transformToString()) ?? "", encoding: out.ContentEncoding };
}

describe("Content-Encoding: aws-chunked on a plain body", () => {
  it("stores the body as sent and drops aws-chunked from the stored encoding (SDK)", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "plain",
        Body: "plain body",
        ContentEncoding: "aws-chunked",
      }),
    );
    expect(await stored("plain")).toEqual({ body: "plain body", encoding: undefined });
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "empty", Body: "", ContentEncoding: "aws-chunked" }),
    );
    expect(await stored("empty")).toEqual({ body: "", encoding: undefined });
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "empty" }))).ContentLength).toBe(0);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "gz",
        Body: "zipped?",
        ContentEncoding: "gzip, aws-chunked",
      }),
    );
    expect((await stored("gz")).encoding).toBe("gzip");
    // A streamed body the SDK does chunk-encode (STREAMING-UNSIGNED-PAYLOAD-TRAILER) is still decoded.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "streamed",
        Body: Readable.from([Buffer.from("streamed ")]),
        ContentLength: 9,
        ContentEncoding: "gzip",
      }),
    );
    expect(await stored("streamed")).toEqual({ body: "streamed ", encoding: "gzip" });
  });

  it("boto3 and the AWS CLI put plain bodies with ContentEncoding aws-chunked, empty ones included", async () => {
    const code = `
import sys, json, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
out = {}
for key, body in (("boto-plain", b"boto body"), ("boto-empty", b"")):
    s3.put_object(Bucket=sys.argv[2], Key=key, Body=body, ContentEncoding="aws-chunked")
    got = s3.get_object(Bucket=sys.argv[2], Key=key)
    out[key] = [got["Body"].read().decode(), got.get("ContentEncoding")]
print(json.dumps(out))
`;
    const boto = await runAwsTool(boto3Python(), ["-c", code, emulator.endpoint, bucket], {
      region: emulator.region,
    });
    expect(boto.stderr).toBe("");
    expect(JSON.parse(boto.stdout)).toEqual({ "boto-plain": ["boto body", null], "boto-empty": ["", null] });

    const dir = tempDir();
    for (const [key, body] of [
      ["cli-plain", "cli body"],
      ["cli-empty", ""],
    ] as const) {
      const file = join(dir, key);
      writeFileSync(file, body);
      const put = await runAwsTool(
        awsCli(),
        [
          "s3api",
          "put-object",
          "--bucket",
          bucket,
          "--key",
          key,
          "--body",
          file,
          "--content-encoding",
          "aws-chunked",
          "--endpoint-url",
          emulator.endpoint,
        ],
        { region: emulator.region },
      );
      expect(put.code, put.stderr).toBe(0);
      expect(await stored(key)).toEqual({ body, encoding: undefined });
    }
  });
});
