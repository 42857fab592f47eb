import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiError } from "./aws-error.js";
import type { Faults } from "./faults.js";
import { readBody } from "./http/io.js";
import { parseJsonInput, sendJson, sendJsonError } from "./http/json-protocol.js";

/** awsJson1_1 operation handlers by operation name (`GetLogEvents`, `GetAuthorizationToken`...). */
export type JsonOperations = Record<string, (input: Record<string, unknown>) => unknown>;

export interface JsonService {
  /** SigV4 service name, also the fault-rule service. */
  service: string;
  /** `X-Amz-Target` prefix, e.g. `Logs_20140328`. */
  targetPrefix: string;
  /** Handles an operation; throws AwsApiError. */
  call(operation: string, input: Record<string, unknown>): Promise<unknown>;
}

const CONTENT_TYPE = "application/x-amz-json-1.1";

/** Wraps a handler table as a JsonService; names outside the table are unknown operations. */
export function jsonService(service: string, targetPrefix: string, operations: JsonOperations): JsonService {
  return {
    service,
    targetPrefix,
    async call(operation, input) {
      const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (!handler) throw unknownOperation(targetPrefix, operation);
      return handler(input);
    },
  };
}

export function unknownOperation(targetPrefix: string, operation: string): AwsApiError {
  return new AwsApiError(
    "UnknownOperationException",
    `The operation ${targetPrefix}.${operation} is not supported by the mlship emulator`,
    400,
  );
}

/** Serves one awsJson1_1 request (`POST /`, `X-Amz-Target: <prefix>.<Operation>`, JSON body). */
export async function handleJson(
  svc: JsonService,
  faults: Faults,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const target = String(req.headers["x-amz-target"] ?? "");
    const dot = target.lastIndexOf(".");
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    if (req.method !== "POST" || dot < 0 || prefix !== svc.targetPrefix) {
      req.resume();
      throw new AwsApiError(
        "UnknownOperationException",
        `Expected POST with X-Amz-Target ${svc.targetPrefix}.<Operation>, got ${req.method} "${target}"`,
        400,
      );
    }
    const input = parseJsonInput(await readBody(req));
    const fault = await faults.apply(svc.service, operation, res);
    if (fault) throw fault;
    sendJson(res, 200, await svc.call(operation, input), CONTENT_TYPE);
  } catch (error) {
    req.resume();
    sendJsonError(res, error, CONTENT_TYPE);
  }
}
