import type { ServerResponse } from "node:http";
import { AwsApiError } from "../aws-error.js";
import { requestId, send } from "./io.js";

/** Parses an awsJson1_1 body; an empty body is `{}` as the SDK sends for operations without input. */
export function parseJsonInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new AwsApiError("SerializationException", "Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AwsApiError("SerializationException", "Request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** Sends a JSON document (awsJson1_1 / restJson1 success). `Date` values become epoch seconds as AWS does. */
export function sendJson(res: ServerResponse, status: number, output: unknown, contentType: string): void {
  const body = JSON.stringify(output ?? {}, epochDates);
  send(res, status, { "content-type": contentType, "x-amzn-requestid": requestId() }, body);
}

/** JSON replacer: `Date` members become epoch seconds, the JSON protocols' timestamp format. */
function epochDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

/** Converts any thrown value into the AWS error it should be answered as. */
export function toAwsError(error: unknown): AwsApiError {
  if (error instanceof AwsApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AwsApiError("InternalFailure", message, 500);
}

/**
 * Sends an error in the JSON protocols' shape: `__type` + `message` in the body and `x-amzn-ErrorType`,
 * which is what the SDK reads to pick the exception class.
 */
export function sendJsonError(res: ServerResponse, error: unknown, contentType: string): void {
  const e = toAwsError(error);
  const body = JSON.stringify({ __type: e.code, message: e.message, ...e.extra });
  send(
    res,
    e.status,
    {
      "content-type": contentType,
      "x-amzn-requestid": requestId(),
      "x-amzn-errortype": e.code,
      ...e.headers,
    },
    body,
  );
}
