import { Transform, type TransformCallback } from "node:stream";
import { AwsApiError } from "../aws-error.js";

type State = "size" | "data" | "data-end" | "trailer" | "done";

const MAX_LINE = 4096;

/**
 * Decodes an `aws-chunked` body (`Content-Encoding: aws-chunked`, as the SDK sends streamed uploads with
 * flexible checksums): `<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailer: value>\r\n\r\n`.
 * Emits only the payload bytes; the trailing headers (e.g. `x-amz-checksum-crc32`) are collected in
 * `trailers` and are complete once the stream has ended.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  private state: State = "size";
  private line = "";
  private remaining = 0;
  private crlfSeen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // Some clients end right after the last trailer line without the final empty line.
    if (this.state === "trailer" && this.line.length > 0) this.addTrailer(this.line);
    if (this.state === "done" || this.state === "trailer") callback();
    else callback(new AwsApiError("IncompleteBody", "The aws-chunked request body ended early", 400));
  }

  private consume(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case "size":
        case "trailer": {
          const nl = chunk.indexOf(0x0a, i);
          const end = nl === -1 ? chunk.length : nl + 1;
          this.line += chunk.toString("latin1", i, end);
          i = end;
          if (this.line.length > MAX_LINE) throw malformed("chunk header line too long");
          if (nl !== -1) this.endLine(this.line.replace(/\r?\n$/, ""));
          break;
        }
        case "data": {
          const take = Math.min(this.remaining, chunk.length - i);
          this.push(chunk.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.state = "data-end";
            this.crlfSeen = 0;
          }
          break;
        }
        case "data-end": {
          const expected = this.crlfSeen === 0 ? 0x0d : 0x0a;
          if (chunk[i] !== expected) throw malformed("chunk data not followed by CRLF");
          i += 1;
          this.crlfSeen += 1;
          if (this.crlfSeen === 2) this.state = "size";
          break;
        }
        case "done":
          // Anything after the terminating empty line is ignored, as S3 does.
          return;
      }
    }
  }

  private endLine(line: string): void {
    this.line = "";
    if (this.state === "size") {
      const hex = line.split(";", 1)[0]?.trim() ?? "";
      if (!/^[0-9a-fA-F]+$/.test(hex)) throw malformed(`bad chunk size "${hex}"`);
      const size = Number.parseInt(hex, 16);
      if (size === 0) {
        this.state = "trailer";
      } else {
        this.remaining = size;
        this.state = "data";
      }
      return;
    }
    if (line === "") {
      this.state = "done";
      return;
    }
    this.addTrailer(line);
  }

  private addTrailer(line: string): void {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed(`bad trailer "${line}"`);
    this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
}

function malformed(detail: string): AwsApiError {
  return new AwsApiError("InvalidRequest", `Malformed aws-chunked body: ${detail}`, 400);
}
