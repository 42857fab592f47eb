import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder } from "./chunked.js";

async function decode(
  wire: Buffer,
  pieceSize: number,
): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < wire.length; i += pieceSize) pieces.push(wire.subarray(i, i + pieceSize));
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  Readable.from(pieces).pipe(decoder);
  for await (const chunk of decoder) out.push(chunk as Buffer);
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

function frame(
  chunks: Buffer[],
  options: { signed?: boolean; trailers?: string[]; finalCrlf?: boolean } = {},
): Buffer {
  const sig = (n: number) => (options.signed ? `;chunk-signature=${"ab".repeat(32)}${n}` : "");
  const parts: Buffer[] = [];
  for (const c of chunks)
    parts.push(Buffer.from(`${c.length.toString(16)}${sig(1)}\r\n`), c, Buffer.from("\r\n"));
  parts.push(Buffer.from(`0${sig(0)}\r\n`));
  for (const t of options.trailers ?? []) parts.push(Buffer.from(`${t}\r\n`));
  if (options.finalCrlf !== false) parts.push(Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

describe("AwsChunkedDecoder", () => {
  it("strips unsigned framing and collects trailers, whatever the network split", async () => {
    const a = randomBytes(65_536);
    const b = randomBytes(1000);
    const wire = frame([a, b], { trailers: ["x-amz-checksum-crc32:AAAAAA=="] });
    for (const size of [1, 7, 4096, wire.length]) {
      const { data, trailers } = await decode(wire, size);
      expect(data.equals(Buffer.concat([a, b]))).toBe(true);
      expect(trailers).toEqual({ "x-amz-checksum-crc32": "AAAAAA==" });
    }
  });

  it("handles signed chunks with a trailer signature, and a body without the final empty line", async () => {
    const payload = Buffer.from("hello\r\nworld");
    const signed = frame([payload], {
      signed: true,
      trailers: ["x-amz-checksum-sha256:abc=", "x-amz-trailer-signature:def"],
    });
    const { data, trailers } = await decode(signed, 3);
    expect(data.toString()).toBe("hello\r\nworld");
    expect(trailers["x-amz-checksum-sha256"]).toBe("abc=");
    const open = await decode(
      frame([payload], { trailers: ["x-amz-checksum-crc32:x"], finalCrlf: false }),
      5,
    );
    expect(open.trailers).toEqual({ "x-amz-checksum-crc32": "x" });
  });

  it("rejects bodies that end early or are not framed", async () => {
    const truncated = frame([Buffer.alloc(100)]).subarray(0, 50);
    await expect(decode(truncated, 10)).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(Buffer.from("zz\r\nhello"), 4)).rejects.toMatchObject({ code: "InvalidRequest" });
    await expect(decode(Buffer.from("2\r\nhiXX0\r\n\r\n"), 4)).rejects.toMatchObject({
      code: "InvalidRequest",
    });
  });
});
