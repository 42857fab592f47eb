// CompleteMultipartUpload as S3 answers it when retried and when it carries a whole-object checksum,
// through the real SDK (and its own retry path), boto3 and the AWS CLI.
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandInput,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { awsCli, boto3Python, runAwsTool, tempDir } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../emulator.js";
import { injectFault } from "../fault-client.js";
import { newBucket as createBucket, s3Error } from "./test-support.js";

let emulator: Emulator;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startEmulator();
  // The SDK's default retry strategy (3 attempts): a lost answer is retried as a transient error.
  s3 = new S3Client(emulatorClientConfig(emulator));
});

afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

const newBucket = () => createBucket(s3, "mpu");

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");
const crc32Base64 = (b: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString("base64");
};

describe("a retried CompleteMultipartUpload", () => {
  it("succeeds once through the SDK's own retry when the first answer is lost", async () => {
    const bucket = await newBucket();
    const data = randomBytes(6 * 1024 * 1024 + 17);
    await injectFault(emulator, {
      service: "s3",
      operation: "CompleteMultipartUpload",
      kind: "drop",
      count: 1,
    });
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: "big.bin", Body: data },
      partSize: 5 * 1024 * 1024,
    });
    const done = await upload.done();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(head.ETag).toBe(done.ETag);
    expect(head.ContentLength).toBe(data.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(
      Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).equals(data),
    ).toBe(true);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it("answers a repeat with the same result without rewriting the object; NoSuchUpload once the object is gone", async () => {
    const bucket = await newBucket();
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "k", ChecksumAlgorithm: "SHA256" }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "k",
        UploadId,
        PartNumber: 1,
        Body: "only part",
        ChecksumAlgorithm: "SHA256",
      }),
    );
    await injectFault(emulator, {
      service: "s3",
      operation: "CompleteMultipartUpload",
      kind: "drop",
      count: 1,
    });
    const input: CompleteMultipartUploadCommandInput = {
      Bucket: bucket,
      Key: "k",
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 }] },
    };
    const first = await s3.send(new CompleteMultipartUploadCommand(input));
    expect(first.$metadata.attempts).toBe(2);
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    const again = await s3.send(new CompleteMultipartUploadCommand(input));
    expect(again.$metadata.attempts).toBe(1);
    expect([again.ETag, again.ChecksumSHA256, again.ChecksumType]).toEqual([
      first.ETag,
      first.ChecksumSHA256,
      "COMPOSITE",
    ]);
    const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(after.LastModified).toEqual(before.LastModified);
    // A repeated abort of the completed upload is 204 too, and leaves the object alone.
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "k", UploadId }));
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    const gone = await s3Error(s3.send(new CompleteMultipartUploadCommand(input)));
    expect([gone.name, gone.$metadata.httpStatusCode]).toEqual(["NoSuchUpload", 404]);
  });
});

describe("the whole-object checksum sent with CompleteMultipartUpload", () => {
  it("is checked: a wrong value is BadDigest, a malformed one InvalidRequest, and nothing is stored", async () => {
    const bucket = await newBucket();
    const body = Buffer.from("composite part");
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "c", ChecksumAlgorithm: "SHA256" }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "c",
        UploadId,
        PartNumber: 1,
        Body: body,
        ChecksumAlgorithm: "SHA256",
      }),
    );
    const complete = (extra: Partial<CompleteMultipartUploadCommandInput>) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "c",
          UploadId,
          MultipartUpload: {
            Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 }],
          },
          ...extra,
        }),
      );
    const wrong = await s3Error(complete({ ChecksumSHA256: sha256(Buffer.from("something else")) }));
    expect([wrong.name, wrong.message]).toEqual([
      "BadDigest",
      "The SHA256 you specified did not match the calculated checksum.",
    ]);
    for (const malformed of ["abc", `${part.ChecksumSHA256}-x`, "Zm9v"]) {
      const bad = await s3Error(complete({ ChecksumSHA256: malformed }));
      expect([bad.name, bad.message]).toEqual([
        "InvalidRequest",
        "Value for x-amz-checksum-sha256 header is invalid.",
      ]);
    }
    const unlisted = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "c",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      ),
    );
    expect([unlisted.name, unlisted.message]).toEqual([
      "InvalidRequest",
      "The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.",
    ]);
    const mixed = await s3Error(complete({ ChecksumCRC32: crc32Base64(body) }));
    expect(mixed.name).toBe("InvalidRequest");
    await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "c" })));
    // The right composite value (the checksum of the part checksums, `-<parts>`) completes the upload.
    const composite = `${createHash("sha256")
      .update(Buffer.from(part.ChecksumSHA256 as string, "base64"))
      .digest("base64")}-1`;
    const done = await complete({ ChecksumSHA256: composite });
    expect(done.ChecksumSHA256).toBe(composite);
  });

  it("verifies a FULL_OBJECT checksum against the assembled object; an upload without an algorithm ignores it", async () => {
    const bucket = await newBucket();
    const body = Buffer.from("full object body");
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: "f",
        ChecksumAlgorithm: "CRC32",
        ChecksumType: "FULL_OBJECT",
      }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "f",
        UploadId,
        PartNumber: 1,
        Body: body,
        ChecksumAlgorithm: "CRC32",
      }),
    );
    const input = {
      Bucket: bucket,
      Key: "f",
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
    };
    const wrong = await s3Error(
      s3.send(new CompleteMultipartUploadCommand({ ...input, ChecksumCRC32: crc32Base64(Buffer.from("x")) })),
    );
    expect(wrong.name).toBe("BadDigest");
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ ...input, ChecksumCRC32: crc32Base64(body) }),
    );
    expect([done.ChecksumCRC32, done.ChecksumType]).toEqual([crc32Base64(body), "FULL_OBJECT"]);

    const plain = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "p" }));
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "p",
        UploadId: plain.UploadId,
        PartNumber: 1,
        Body: body,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "p",
        UploadId: plain.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] },
        ChecksumCRC64NVME: "AAAAAAAAAAA=",
      }),
    );
  });
});

describe("boto3 and the AWS CLI", () => {
  it("boto3: a wrong whole-object checksum is BadDigest, the right one completes, a repeat answers the same", async () => {
    const bucket = await newBucket();
    const code = `
import sys, json, base64, hashlib, boto3, botocore
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
bucket = sys.argv[2]
up = s3.create_multipart_upload(Bucket=bucket, Key="b", ChecksumAlgorithm="SHA256")["UploadId"]
part = s3.upload_part(Bucket=bucket, Key="b", UploadId=up, PartNumber=1, Body=b"boto3 part", ChecksumAlgorithm="SHA256")
parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]}]}
out = {}
try:
    s3.complete_multipart_upload(Bucket=bucket, Key="b", UploadId=up, MultipartUpload=parts,
        ChecksumSHA256=base64.b64encode(hashlib.sha256(b"wrong").digest()).decode())
except botocore.exceptions.ClientError as e:
    out["wrong"] = e.response["Error"]["Code"]
composite = base64.b64encode(hashlib.sha256(base64.b64decode(part["ChecksumSHA256"])).digest()).decode() + "-1"
first = s3.complete_multipart_upload(Bucket=bucket, Key="b", UploadId=up, MultipartUpload=parts, ChecksumSHA256=composite)
again = s3.complete_multipart_upload(Bucket=bucket, Key="b", UploadId=up, MultipartUpload=parts, ChecksumSHA256=composite)
out["etags"] = [first["ETag"], again["ETag"]]
out["checksum"] = first.get("ChecksumSHA256") == composite
out["body"] = s3.get_object(Bucket=bucket, Key="b")["Body"].read().decode()
print(json.dumps(out))
`;
    const run = await runAwsTool(boto3Python(), ["-c", code, emulator.endpoint, bucket], {
      region: emulator.region,
    });
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as { wrong: string; etags: string[]; checksum: boolean; body: string };
    expect(out.wrong).toBe("BadDigest");
    expect(out.etags[0]).toMatch(/-1"$/);
    expect(out.etags[1]).toBe(out.etags[0]);
    expect(out.checksum).toBe(true);
    expect(out.body).toBe("boto3 part");
  });

  it("AWS CLI: complete-multipart-upload refuses a wrong --checksum-sha256 and can be repeated", async () => {
    const bucket = await newBucket();
    const dir = tempDir();
    const partFile = join(dir, "part.bin");
    writeFileSync(partFile, "cli part");
    const cli = (...args: string[]) =>
      runAwsTool(awsCli(), ["s3api", ...args, "--endpoint-url", emulator.endpoint, "--output", "json"], {
        region: emulator.region,
      });
    const created = await cli(
      "create-multipart-upload",
      "--bucket",
      bucket,
      "--key",
      "cli",
      "--checksum-algorithm",
      "SHA256",
    );
    expect(created.code, created.stderr).toBe(0);
    const uploadId = JSON.parse(created.stdout).UploadId as string;
    const part = await cli(
      "upload-part",
      "--bucket",
      bucket,
      "--key",
      "cli",
      "--upload-id",
      uploadId,
      "--part-number",
      "1",
      "--body",
      partFile,
      "--checksum-algorithm",
      "SHA256",
    );
    expect(part.code, part.stderr).toBe(0);
    const { ETag, ChecksumSHA256 } = JSON.parse(part.stdout) as { ETag: string; ChecksumSHA256: string };
    const partsFile = join(dir, "parts.json");
    writeFileSync(partsFile, JSON.stringify({ Parts: [{ PartNumber: 1, ETag, ChecksumSHA256 }] }));
    const complete = (checksum: string) =>
      cli(
        "complete-multipart-upload",
        "--bucket",
        bucket,
        "--key",
        "cli",
        "--upload-id",
        uploadId,
        "--multipart-upload",
        `file://${partsFile}`,
        "--checksum-sha256",
        checksum,
      );
    const wrong = await complete(sha256(Buffer.from("wrong")));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("BadDigest");
    const composite = `${createHash("sha256").update(Buffer.from(ChecksumSHA256, "base64")).digest("base64")}-1`;
    const first = await complete(composite);
    expect(first.code, first.stderr).toBe(0);
    const again = await complete(composite);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).ETag).toBe(JSON.parse(first.stdout).ETag);
  });
});
