import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiError } from "../aws-error.js";

/** A fresh request id in the style of AWS (`x-amz-request-id` / `x-amzn-RequestId`). */
export function requestId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

/** Reads a whole (small, API-sized) request body; bodies over `limit` are refused with a 413 AWS error. */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw new AwsApiError("RequestEntityTooLarge", `Request body exceeds ${limit} bytes`, 413);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Sends a complete response. */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body?: Buffer | string,
): void {
  const payload = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, "content-length": payload?.length ?? 0 });
  res.end(payload);
}

/** Sleeps for `ms` without keeping the process alive on its own. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
