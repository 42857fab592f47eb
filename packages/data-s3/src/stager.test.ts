import { createHash } from "node:crypto";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { collectingSink, isMlshipError, type Row } from "@mlship/core";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { tempDir } from "@mlship/testing";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Client } from "./client.js";
import { S3DataStager } from "./stager.js";

let emulator: Emulator;
let client: S3Client;
let bucketCounter = 0;

beforeAll(async () => {
  emulator = await startEmulator();
  const { credentials } = emulatorClientConfig(emulator);
  client = createS3Client({ endpoint: emulator.endpoint, region: emulator.region, credentials });
});
afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

/** A fresh bucket name per test, so tests never see each other's objects. */
const freshBucket = () => `stage-test-${process.pid}-${++bucketCounter}`;

function stager(options: Partial<ConstructorParameters<typeof S3DataStager>[0]> = {}) {
  return new S3DataStager({ client, region: emulator.region, bucket: freshBucket(), ...options });
}

async function bytesOf(uri: string): Promise<Buffer> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as RegExpExecArray;
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}
const textOf = async (uri: string) => (await bytesOf(uri)).toString("utf8");
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

async function keysIn(bucket: string): Promise<string[]> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (res.Contents ?? []).map((o) => o.Key as string).sort();
}
async function openUploads(bucket: string): Promise<number> {
  const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return res.Uploads?.length ?? 0;
}
async function bucketExists(bucket: string): Promise<boolean> {
  return client.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    () => false,
  );
}

async function fault(rule: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${emulator.endpoint}/_mlship/faults`, {
    method: "POST",
    body: JSON.stringify(rule),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { fault: { id: string } }).fault.id;
}
async function clearFaults(): Promise<void> {
  await fetch(`${emulator.endpoint}/_mlship/faults`, { method: "DELETE" });
}

const iris: Row[] = [
  { sepal_length: 5.1, sepal_width: 3.5, species: "setosa", label: 0 },
  { sepal_length: 7, sepal_width: 3.2, species: "versi,color", label: 1 },
  { sepal_length: 6.3, sepal_width: 3.3, species: 'virg"inica', label: 2 },
];

describe("S3DataStager: tables", () => {
  it("stages rows as CSV with a header and describes exactly what it wrote", async () => {
    const s = stager({ prefix: "exp" });
    const ref = await s.stage(iris, { channel: "train", run: "r1" });
    const expected =
      'sepal_length,sepal_width,species,label\n5.1,3.5,setosa,0\n7,3.2,"versi,color",1\n6.3,3.3,"virg""inica",2\n';
    const [object] = ref.objects;
    expect(ref).toEqual({
      uri: `${ref.uri.split("/exp/")[0]}/exp/r1/train/`,
      channel: "train",
      contentType: "text/csv",
      rows: 3,
      bytes: Buffer.byteLength(expected),
      sha256: sha256(expected),
      objects: [`${ref.uri}data.csv`],
    });
    expect(await textOf(object as string)).toBe(expected);
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(object as string) as RegExpExecArray;
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe("text/csv");
    expect(key).toBe("exp/r1/train/data.csv");
  });

  it("writes headerless CSV with the label first for built-in algorithms, and JSON Lines with it last", async () => {
    const s = stager();
    const csv = await s.stage(iris, { channel: "train", header: false, labelColumn: "label" });
    expect(await textOf(csv.objects[0] as string)).toBe(
      '0,5.1,3.5,setosa\n1,7,3.2,"versi,color"\n2,6.3,3.3,"virg""inica"\n',
    );
    const jsonl = await s.stage(iris, {
      channel: "test",
      format: "jsonl",
      labelColumn: "label",
      labelFirst: false,
    });
    expect(jsonl.contentType).toBe("application/jsonlines");
    expect(jsonl.objects[0]).toMatch(/\/test\/data\.jsonl$/);
    const lines = (await textOf(jsonl.objects[0] as string)).trimEnd().split("\n");
    expect(lines[0]).toBe('{"sepal_length":5.1,"sepal_width":3.5,"species":"setosa","label":0}');
    expect(lines.map((l) => JSON.parse(l))).toEqual(iris);
    // Both channels of one stager share its run.
    expect(csv.uri.replace(/train\/$/, "")).toBe(jsonl.uri.replace(/test\/$/, ""));
    expect(csv.uri).toContain(`/${s.run}/`);
  });

  it("stages a column object, typed arrays included", async () => {
    const ref = await stager().stage(
      { x: Float64Array.from([0.5, 1.5]) as unknown as number[], y: ["a", "b"], ok: [true, false] },
      { channel: "train", fileName: "cols.csv" },
    );
    expect(ref.objects[0]).toMatch(/\/cols\.csv$/);
    expect(await textOf(ref.objects[0] as string)).toBe("x,y,ok\n0.5,a,true\n1.5,b,false\n");
    expect(ref.rows).toBe(2);
  });

  it("stages an async iterable and a sync generator of rows", async () => {
    async function* rowsAsync() {
      for (let i = 0; i < 1000; i++) yield { id: i, sq: i * i };
    }
    function* rowsSync() {
      for (let i = 0; i < 1000; i++) yield { id: i, sq: i * i };
    }
    const expected = `id,sq\n${Array.from({ length: 1000 }, (_, i) => `${i},${i * i}\n`).join("")}`;
    const s = stager();
    const a = await s.stage(rowsAsync(), { channel: "a" });
    const b = await s.stage(rowsSync(), { channel: "b" });
    expect(await textOf(a.objects[0] as string)).toBe(expected);
    expect(await textOf(b.objects[0] as string)).toBe(expected);
    expect(a.rows).toBe(1000);
    expect(a.sha256).toBe(sha256(expected));
  });

  it("writes the same bytes for every table source shape, in both formats", async () => {
    const rows = [
      { id: 1, name: "a,b", ok: true, score: 0.25 },
      { id: 2, name: 'q"x', ok: false, score: null },
    ];
    const sources: Record<string, () => unknown> = {
      rows: () => rows,
      columns: () => ({ id: [1, 2], name: ["a,b", 'q"x'], ok: [true, false], score: [0.25, null] }),
      asyncIterable: () =>
        (async function* () {
          yield* rows;
        })(),
      iterable: () => new Set(rows),
    };
    const expected = {
      csv: 'id,name,ok,score\n1,"a,b",true,0.25\n2,"q""x",false,\n',
      jsonl:
        '{"id":1,"name":"a,b","ok":true,"score":0.25}\n{"id":2,"name":"q\\"x","ok":false,"score":null}\n',
    };
    const s = stager();
    for (const [shape, source] of Object.entries(sources)) {
      for (const format of ["csv", "jsonl"] as const) {
        const ref = await s.stage(source() as never, { channel: `${shape}-${format}`, format });
        expect(await textOf(ref.objects[0] as string), `${shape} ${format}`).toBe(expected[format]);
        expect(ref.rows).toBe(2);
        expect(ref.sha256).toBe(sha256(expected[format]));
      }
    }
  });

  it("uses multipart for a large stream and reports upload.progress", async () => {
    async function* big() {
      for (let i = 0; i < 250_000; i++) yield { id: i, text: "x".repeat(40), value: i / 7 };
    }
    const events = collectingSink();
    const s = stager({ partSize: 5 * 1024 * 1024 });
    const ref = await s.stage(big(), { channel: "train" }, { events });
    expect(ref.rows).toBe(250_000);
    expect(ref.bytes).toBeGreaterThan(10 * 1024 * 1024);
    const body = await bytesOf(ref.objects[0] as string);
    expect(body.length).toBe(ref.bytes);
    expect(sha256(body)).toBe(ref.sha256);
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(ref.objects[0] as string) as RegExpExecArray;
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ETag).toMatch(/-\d+"$/); // multipart ETag
    const progress = events.of("upload.progress");
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)?.loaded).toBe(ref.bytes);
    expect(progress[0]?.key).toBe(ref.objects[0]);
  });
});

describe("S3DataStager: files", () => {
  it("uploads each supported file type byte for byte, with its content type", async () => {
    const dir = tempDir();
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: "x", data: [1.5, 2.5, 3.5], type: "DOUBLE" },
        { name: "label", data: [0, 1, 0], type: "INT32" },
      ],
    });
    const files: Record<string, [Buffer, string, string?]> = {
      "train.csv": [Buffer.from("a,b\n1,2\n"), "text/csv"],
      "train.jsonl": [Buffer.from('{"a":1}\n{"a":2}\n'), "application/jsonlines"],
      "train.json": [Buffer.from('[{"a":1},{"a":2}]'), "application/json"],
      "train.json.gz": [gzipSync('[{"a":1}]'), "application/json", "gzip"],
      "notes.txt": [Buffer.from("free text\n"), "text/plain"],
      "train.parquet": [Buffer.from(parquet), "application/x-parquet"],
    };
    const s = stager();
    for (const [name, [content, type, encoding]] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), content);
      const ref = await s.stage({ path: path.join(dir, name) }, { channel: name.replaceAll(".", "-") });
      expect(ref.contentType).toBe(type);
      expect(ref.objects).toEqual([`${ref.uri}${name}`]);
      expect(ref.rows).toBeUndefined();
      expect(ref.bytes).toBe(content.length);
      expect(ref.sha256).toBe(sha256(content));
      expect((await bytesOf(ref.objects[0] as string)).equals(content)).toBe(true);
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(ref.objects[0] as string) as RegExpExecArray;
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentType).toBe(type);
      expect(head.ContentEncoding).toBe(encoding);
    }
  });

  it("stages a directory: nested files in key order, hidden and empty files skipped, one sha256", async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "part", "b"), { recursive: true });
    writeFileSync(path.join(dir, "part", "a.csv"), "x\n1\n");
    writeFileSync(path.join(dir, "part", "b", "c.csv"), "x\n2\n");
    writeFileSync(path.join(dir, "0.csv"), "x\n0\n");
    writeFileSync(path.join(dir, "empty.csv"), "");
    writeFileSync(path.join(dir, "_SUCCESS"), "");
    writeFileSync(path.join(dir, ".DS_Store"), "junk");
    const ref = await stager().stage({ path: dir }, { channel: "train" });
    expect(ref.objects).toEqual([`${ref.uri}0.csv`, `${ref.uri}part/a.csv`, `${ref.uri}part/b/c.csv`]);
    expect(ref.sha256).toBe(sha256("x\n0\nx\n1\nx\n2\n"));
    expect(ref.bytes).toBe(12);
    expect(await textOf(ref.objects[2] as string)).toBe("x\n2\n");
  });

  it("converts files when asked: CSV to JSON Lines, JSON and JSON.gz to CSV with the label first, CSV without header", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "d.csv"),
      'id,score,name\n1,0.5,a\n2,,"b,c"\n12345678901234567890,1e3,007\n',
    );
    writeFileSync(path.join(dir, "d.json"), '[{"f":1.5,"y":1},{"y":0,"f":2}]');
    writeFileSync(path.join(dir, "d.json.gz"), gzipSync('[{"f":1.5,"y":1},{"y":0,"f":2}]'));
    writeFileSync(path.join(dir, "lines.json"), '{"f":1,"y":0}\n{"f":2,"y":1}\n');
    const s = stager();

    const jsonl = await s.stage({ path: path.join(dir, "d.csv") }, { channel: "a", format: "jsonl" });
    expect(jsonl.objects).toEqual([`${jsonl.uri}d.jsonl`]);
    expect(jsonl.rows).toBe(3);
    expect(await textOf(jsonl.objects[0] as string)).toBe(
      '{"id":1,"score":0.5,"name":"a"}\n{"id":2,"score":null,"name":"b,c"}\n' +
        '{"id":12345678901234567890,"score":1e3,"name":"007"}\n',
    );

    for (const name of ["d.json", "d.json.gz", "lines.json"]) {
      const csv = await s.stage(
        { path: path.join(dir, name) },
        { channel: name.replaceAll(".", "-"), labelColumn: "y" },
      );
      expect(csv.contentType).toBe("text/csv");
      expect(csv.objects[0]).toMatch(/\/(d|lines)\.csv$/);
      const expected = name === "lines.json" ? "y,f\n0,1\n1,2\n" : "y,f\n1,1.5\n0,2\n";
      expect(await textOf(csv.objects[0] as string)).toBe(expected);
      expect(csv.rows).toBe(2);
    }

    const headerless = await s.stage({ path: path.join(dir, "d.csv") }, { channel: "h", header: false });
    expect(await textOf(headerless.objects[0] as string)).toBe(
      '1,0.5,a\n2,,"b,c"\n12345678901234567890,1e3,007\n',
    );
  });

  it("converts Parquet to CSV (hyparquet), one row group at a time", async () => {
    const dir = tempDir();
    const n = 2500;
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: "x", data: Array.from({ length: n }, (_, i) => i / 2), type: "DOUBLE" },
        {
          name: "big",
          data: Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n),
          type: "INT64",
        },
        { name: "label", data: Array.from({ length: n }, (_, i) => i % 2 === 0), type: "BOOLEAN" },
      ],
      rowGroupSize: 1000,
    });
    writeFileSync(path.join(dir, "t.parquet"), Buffer.from(parquet));
    const ref = await stager().stage(
      { path: path.join(dir, "t.parquet") },
      { channel: "train", format: "csv", labelColumn: "label" },
    );
    const lines = (await textOf(ref.objects[0] as string)).trimEnd().split("\n");
    expect(ref.rows).toBe(n);
    expect(lines[0]).toBe("label,x,big");
    expect(lines[1]).toBe("true,0,0");
    expect(lines[2500]).toBe(`false,${2499 / 2},24990000000000`);
  });

  it("writes every converted file of a directory in the first file's column order", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a.jsonl"), '{"x":1,"y":0}\n');
    writeFileSync(path.join(dir, "b.jsonl"), '{"y":1,"x":2}\n');
    const ref = await stager().stage({ path: dir }, { channel: "train", format: "csv" });
    expect(ref.objects.map((o) => o.slice(ref.uri.length))).toEqual(["a.csv", "b.csv"]);
    expect(await textOf(ref.objects[1] as string)).toBe("x,y\n2,1\n");
    expect(ref.rows).toBe(2);
  });
});

describe("S3DataStager: bucket", () => {
  it("defaults to sagemaker-<region>-<account> from STS and creates it where the client is", async () => {
    const s = new S3DataStager({ client, region: "us-east-1" });
    const ref = await s.stage([{ a: 1 }], { channel: "train" });
    expect(ref.uri.startsWith("s3://sagemaker-us-east-1-000000000000/mlship-data/")).toBe(true);
    expect(await bucketExists("sagemaker-us-east-1-000000000000")).toBe(true);
    await s.cleanup(ref);
  });

  it("creates a bucket outside us-east-1 with its LocationConstraint", async () => {
    const { credentials } = emulatorClientConfig(emulator);
    const eu = createS3Client({ endpoint: emulator.endpoint, region: "eu-west-1", credentials });
    const bucket = freshBucket();
    const s = new S3DataStager({ client: eu, region: "eu-west-1", bucket });
    await s.stage([{ a: 1 }], { channel: "train" });
    const location = await eu.send(new GetBucketLocationCommand({ Bucket: bucket }));
    expect(location.LocationConstraint).toBe("eu-west-1");
    eu.destroy();
  });

  it("puts tags and the SSE-KMS key on every object", async () => {
    // The emulator does not keep SSE settings, so the request headers are read off the wire.
    const { credentials } = emulatorClientConfig(emulator);
    const watched = createS3Client({ endpoint: emulator.endpoint, region: emulator.region, credentials });
    const sent: Array<Record<string, string>> = [];
    watched.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: "finalizeRequest", name: "recordHeaders" },
    );
    const s = new S3DataStager({
      client: watched,
      region: emulator.region,
      bucket: freshBucket(),
      tags: { project: "mlship" },
      kmsKeyId: "alias/mlship",
    });
    const ref = await s.stage([{ a: 1 }], { channel: "train", tags: { run: "r 1&2" } });
    const put = sent.find((h) => h["x-amz-tagging"] !== undefined);
    expect(put?.["x-amz-server-side-encryption"]).toBe("aws:kms");
    expect(put?.["x-amz-server-side-encryption-aws-kms-key-id"]).toBe("alias/mlship");
    watched.destroy();
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(ref.objects[0] as string) as RegExpExecArray;
    const tagging = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    expect(Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({
      project: "mlship",
      run: "r 1&2",
    });
  });

  it("says clearly when the bucket belongs to someone else (403) or the name is taken (409)", async () => {
    try {
      await fault({
        service: "s3",
        operation: "HeadBucket",
        kind: "error",
        status: 403,
        code: "AccessDenied",
        count: 1,
      });
      const e403 = await stager()
        .stage([{ a: 1 }], { channel: "train" })
        .catch((e: unknown) => e);
      expect(isMlshipError(e403) && e403.code).toBe("E_PERMISSION");
      expect((e403 as Error).message).toMatch(/exists but is not accessible to you/);
      expect(isMlshipError(e403) && e403.hint).toMatch(/another AWS account/);

      await fault({
        service: "s3",
        operation: "CreateBucket",
        kind: "error",
        status: 409,
        code: "BucketAlreadyExists",
        count: 1,
      });
      const e409 = await stager()
        .stage([{ a: 1 }], { channel: "train" })
        .catch((e: unknown) => e);
      expect(isMlshipError(e409) && e409.code).toBe("E_PERMISSION");
      expect((e409 as Error).message).toMatch(/taken by another AWS account/);
    } finally {
      await clearFaults();
    }
  });
});

describe("S3DataStager: bad input fails before anything is created", () => {
  const cases: Array<[string, () => unknown, Record<string, unknown>, RegExp]> = [
    ["an empty array", () => [], {}, /empty dataset/],
    ["an empty stream", () => (async function* () {})(), {}, /empty dataset/],
    ["empty columns", () => ({ a: [], b: [] }), {}, /empty dataset/],
    [
      "columns of different lengths",
      () => ({ a: [1, 2], b: [1] }),
      {},
      /column "b" has 1 values but column "a" has 2/,
    ],
    [
      "inconsistent rows",
      () => [
        { a: 1, b: 2 },
        { a: 1, c: 3 },
      ],
      {},
      /rows\[1\] has different columns/,
    ],
    [
      "an object cell",
      () => [{ a: 1 }, { a: { nested: true } }],
      {},
      /rows\[1\], column "a": an object cannot be written/,
    ],
    ["a function cell", () => [{ a: () => 1 }], {}, /a function cannot be written/],
    ["NaN in JSON Lines", () => [{ a: Number.NaN }], { format: "jsonl" }, /NaN is not valid JSON/],
    [
      "a missing label column",
      () => [{ a: 1 }],
      { labelColumn: "target" },
      /label column "target" is not in the data/,
    ],
    ["a bad channel", () => [{ a: 1 }], { channel: "tr/ain" }, /invalid channel name/],
    ["a bad format", () => [{ a: 1 }], { format: "xlsx" }, /unknown format/],
    ["a string source", () => "data.csv", {}, /a string is not a data source: pass \{ path: "data.csv" \}/],
    ["an empty path", () => ({ path: "" }), {}, /empty path/],
    ["an invalid bucket", () => [{ a: 1 }], { bucket: "My_Bucket" }, /invalid bucket name "My_Bucket"/],
  ];

  for (const [what, source, extra, message] of cases) {
    it(`refuses ${what}`, async () => {
      const s = stager();
      const bucket = freshBucket();
      const error = await s
        .stage(source() as never, { channel: "train", bucket, ...extra } as never)
        .catch((e: unknown) => e);
      expect(isMlshipError(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect(await bucketExists(bucket)).toBe(false);
    });
  }

  it("refuses missing, unreadable, unknown and empty files", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "data.xlsx"), "x");
    writeFileSync(path.join(dir, "empty.csv"), "");
    writeFileSync(path.join(dir, "header-only.csv"), "a,b\n");
    writeFileSync(path.join(dir, "ragged.csv"), "a,b\n1,2\n3\n");
    writeFileSync(path.join(dir, "corrupt.json.gz"), Buffer.from("not gzip at all"));
    symlinkSync(path.join(dir, "gone.csv"), path.join(dir, "dangling.csv"));
    const emptyDir = path.join(dir, "nothing");
    mkdirSync(emptyDir);
    writeFileSync(path.join(emptyDir, "_SUCCESS"), "");
    const badDir = path.join(dir, "bad");
    mkdirSync(badDir);
    symlinkSync(path.join(dir, "gone.csv"), path.join(badDir, "broken.csv"));
    const s = stager();
    const bucket = freshBucket();
    const expectations: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ["missing.csv", {}, "E_NOT_FOUND", /no such file/],
      ["dangling.csv", {}, "E_NOT_FOUND", /no such file/],
      ["data.xlsx", {}, "E_INVALID_INPUT", /unsupported data file extension: data\.xlsx/],
      ["empty.csv", {}, "E_INVALID_INPUT", /empty dataset/],
      ["header-only.csv", { format: "jsonl" }, "E_INVALID_INPUT", /has a header but no rows/],
      ["ragged.csv", { format: "jsonl" }, "E_INVALID_INPUT", /ragged\.csv/],
      ["corrupt.json.gz", { format: "csv" }, "E_INVALID_INPUT", /cannot read corrupt\.json\.gz/],
      ["nothing", {}, "E_INVALID_INPUT", /empty dataset: no non-empty data files/],
      ["bad", {}, "E_INVALID_INPUT", /cannot read .*broken\.csv/],
      ["header-only.csv", { labelColumn: "zz" }, "E_INVALID_INPUT", /label column "zz"/],
    ];
    for (const [name, extra, code, message] of expectations) {
      const error = await s
        .stage({ path: path.join(dir, name) }, { channel: "c", bucket, ...extra })
        .catch((e: unknown) => e);
      expect(isMlshipError(error) && error.code, `${name}: ${String(error)}`).toBe(code);
      expect((error as Error).message, name).toMatch(message);
    }
    // ragged.csv's bad record is found while streaming (after the header), so the bucket may exist by then;
    // nothing may be left in it.
    if (await bucketExists(bucket)) expect(await keysIn(bucket)).toEqual([]);
  });

  it("does not overwrite existing data unless told to", async () => {
    const s = stager();
    const first = await s.stage([{ a: 1 }], { channel: "train", run: "fixed" });
    const again = await s.stage([{ a: 2 }], { channel: "train", run: "fixed" }).catch((e: unknown) => e);
    expect(isMlshipError(again) && again.code).toBe("E_ALREADY_EXISTS");
    expect(await textOf(first.objects[0] as string)).toBe("a\n1\n");
    await s.stage([{ a: 2 }], { channel: "train", run: "fixed", overwrite: true });
    expect(await textOf(first.objects[0] as string)).toBe("a\n2\n");

    const dir = tempDir();
    for (let i = 0; i < 12; i++) writeFileSync(path.join(dir, `part-${i}.csv`), `x\n${i}\n`);
    await s.stage({ path: dir }, { channel: "parts", run: "fixed" });
    writeFileSync(path.join(dir, "part-3.csv"), "x\nchanged\n");
    const dirAgain = await s
      .stage({ path: dir }, { channel: "parts", run: "fixed" })
      .catch((e: unknown) => e);
    expect(isMlshipError(dirAgain) && dirAgain.code).toBe("E_ALREADY_EXISTS");
    expect(await textOf(first.objects[0]?.replace("/train/data.csv", "/parts/part-3.csv") as string)).toBe(
      "x\n3\n",
    );
  });

  it("refuses fileName for a directory", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a.csv"), "x\n1\n");
    await expect(stager().stage({ path: dir }, { channel: "train", fileName: "all.csv" })).rejects.toThrow(
      /fileName names the object of a table or a single file/,
    );
  });
});

describe("S3DataStager: failures midway leave nothing behind", () => {
  /** Rows of ~100 bytes: 120,000 of them are ~12 MB, i.e. several 5 MiB parts. */
  async function* rowsThenThrow(n: number, error: () => unknown) {
    for (let i = 0; i < n; i++) yield { id: i, pad: "p".repeat(90) };
    throw error();
  }

  it("aborts the multipart upload when the stream throws after many rows", async () => {
    const s = stager({ partSize: 5 * 1024 * 1024 });
    const events = collectingSink();
    const error = await s
      .stage(
        rowsThenThrow(120_000, () => new Error("database connection lost")),
        { channel: "train" },
        { events },
      )
      .catch((e: unknown) => e);
    expect(isMlshipError(error) && error.code).toBe("E_UPLOAD_FAILED");
    expect((error as Error).message).toMatch(
      /row stream failed while reading row 120000: database connection lost/,
    );
    expect(events.of("upload.progress").length).toBeGreaterThan(0); // parts had been sent
    expect(await keysIn(lastBucket())).toEqual([]);
    expect(await openUploads(lastBucket())).toBe(0);
  });

  it("reports a row with other columns by index and aborts the upload", async () => {
    async function* rows() {
      for (let i = 0; i < 100_000; i++) yield { id: i, pad: "p".repeat(90) };
      yield { id: 1, other: 2 };
    }
    const s = stager({ partSize: 5 * 1024 * 1024 });
    const error = await s.stage(rows(), { channel: "train" }).catch((e: unknown) => e);
    expect(isMlshipError(error) && error.where).toBe("row 100000");
    expect((error as Error).message).toMatch(
      /different columns than the first row: missing "pad"; unexpected "other"/,
    );
    expect(await keysIn(lastBucket())).toEqual([]);
    expect(await openUploads(lastBucket())).toBe(0);
  });

  it("aborts on the AbortSignal, even while the source is stalled", async () => {
    const controller = new AbortController();
    let produced = 0;
    async function* rows() {
      for (;;) {
        produced++;
        if (produced === 100_000) await new Promise(() => {}); // stalls forever
        yield { id: produced, pad: "p".repeat(90) };
      }
    }
    const events = collectingSink();
    const sink = (e: Parameters<typeof events>[0]) => {
      events(e);
      if (e.type === "upload.progress") controller.abort(new Error("user pressed Ctrl-C"));
    };
    const s = stager({ partSize: 5 * 1024 * 1024 });
    const error = await s
      .stage(rows(), { channel: "train" }, { signal: controller.signal, events: sink })
      .catch((e: unknown) => e);
    expect(isMlshipError(error) && error.code).toBe("E_ABORTED");
    expect(await keysIn(lastBucket())).toEqual([]);
    expect(await openUploads(lastBucket())).toBe(0);
  });

  it("aborts while S3 is slow to answer the bucket and existing-object checks", async () => {
    const bucket = freshBucket();
    const s = stager({ bucket });
    await s.stage([{ x: 1 }], { channel: "warm" }); // the bucket now exists
    for (const operation of ["HeadBucket", "HeadObject"]) {
      const slow = operation === "HeadBucket" ? stager() : s;
      const controller = new AbortController();
      await fault({ service: "s3", operation, kind: "latency", latencyMs: 20_000 });
      try {
        setTimeout(() => controller.abort(), 100);
        const error = await slow
          .stage([{ x: 1 }], { channel: "train" }, { signal: controller.signal })
          .catch((e: unknown) => e);
        expect(isMlshipError(error) && error.code, operation).toBe("E_ABORTED");
      } finally {
        await clearFaults();
      }
    }
    expect(await keysIn(bucket)).toEqual([`mlship-data/${s.run}/warm/data.csv`]);
  }, 10_000);

  it("aborts when S3 refuses parts, and deletes earlier files of a directory", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a.csv"), "x\n1\n");
    writeFileSync(path.join(dir, "b.csv"), `x\n${"1\n".repeat(6 * 1024 * 1024)}`); // 12 MiB: multipart
    const s = stager({ partSize: 5 * 1024 * 1024 });
    try {
      await fault({ service: "s3", operation: "UploadPart", kind: "error", status: 500 });
      const error = await s.stage({ path: dir }, { channel: "train" }).catch((e: unknown) => e);
      expect(isMlshipError(error), String(error)).toBe(true);
    } finally {
      await clearFaults();
    }
    expect(await keysIn(lastBucket())).toEqual([]);
    expect(await openUploads(lastBucket())).toBe(0);
  });
});

describe("S3DataStager.cleanup", () => {
  it("removes exactly the objects of one staging, nothing else under the prefix", async () => {
    const bucket = freshBucket();
    const s = new S3DataStager({ client, region: emulator.region, bucket });
    const dir = tempDir();
    writeFileSync(path.join(dir, "a.csv"), "x\n1\n");
    writeFileSync(path.join(dir, "b.csv"), "x\n2\n");
    const train = await s.stage({ path: dir }, { channel: "train" });
    const test = await s.stage([{ x: 3 }], { channel: "test" });
    // Someone else's file inside the channel prefix, and a neighbour outside it.
    const [, , trainKey] = /^s3:\/\/([^/]+)\/(.*)$/.exec(train.uri) as RegExpExecArray;
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${trainKey}user-notes.txt`, Body: "mine" }),
    );
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "other/keep.csv", Body: "keep" }));

    await s.cleanup(train);
    const left = await keysIn(bucket);
    expect(left).toEqual(
      [
        `${trainKey}user-notes.txt`,
        ...test.objects.map((o) => o.slice(`s3://${bucket}/`.length)),
        "other/keep.csv",
      ].sort(),
    );
    await s.cleanup(train); // idempotent
    expect(await bucketExists(bucket)).toBe(true);
  });

  it("deletes in batches of 1000", async () => {
    const bucket = freshBucket();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const keys = Array.from({ length: 1203 }, (_, i) => `p/run/train/part-${String(i).padStart(5, "0")}.csv`);
    // Writing 1203 objects is slow; a sample from both batches shows the deletes reach every batch.
    const sample = keys.filter((_, i) => i % 100 === 0 || i === 999 || i === 1000 || i === 1202);
    await Promise.all(
      sample.map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x" }))),
    );
    expect(await keysIn(bucket)).toHaveLength(sample.length);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "p/run/train/not-ours.csv", Body: "x" }));
    const counter = await fault({ service: "s3", operation: "DeleteObjects", kind: "latency", latencyMs: 1 });
    try {
      const s = new S3DataStager({ client, region: emulator.region, bucket });
      await s.cleanup({
        uri: `s3://${bucket}/p/run/train/`,
        channel: "train",
        contentType: "text/csv",
        bytes: keys.length,
        sha256: "",
        objects: keys.map((k) => `s3://${bucket}/${k}`),
      });
      const faults = (await (await fetch(`${emulator.endpoint}/_mlship/faults`)).json()) as {
        faults: Array<{ id: string; hits: number }>;
      };
      expect(faults.faults.find((f) => f.id === counter)?.hits).toBe(2);
    } finally {
      await clearFaults();
    }
    expect(await keysIn(bucket)).toEqual(["p/run/train/not-ours.csv"]);
  });

  it("refuses a DataRef whose objects are not below its uri", async () => {
    const bucket = freshBucket();
    const s = new S3DataStager({ client, region: emulator.region, bucket });
    const ref = await s.stage([{ a: 1 }], { channel: "train" });
    const edited = { ...ref, objects: [...ref.objects, `s3://${bucket}/elsewhere/important.csv`] };
    await expect(s.cleanup(edited)).rejects.toMatchObject({ code: "E_INVALID_INPUT" });
    await expect(s.cleanup({ ...ref, objects: [ref.uri] })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
    });
    expect(await keysIn(bucket)).toHaveLength(1); // nothing was deleted
  });
});

function lastBucket(): string {
  return `stage-test-${process.pid}-${bucketCounter}`;
}
