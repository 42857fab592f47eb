import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiError } from "./aws-error.js";
import type { FaultRuleInput, Faults } from "./faults.js";
import { readBody } from "./http/io.js";
import { parseJsonInput, sendJson, sendJsonError } from "./http/json-protocol.js";

export interface ControlContext {
  faults: Faults;
  info(): Record<string, unknown>;
  /** Forwards `/_mlship/sagemaker/<action>` (e.g. `crash-endpoint`, `fail-training-job`). */
  sagemakerFault?: (action: string, params: Record<string, unknown>) => Promise<unknown>;
}

const JSON_TYPE = "application/json";

/**
 * The emulator's own control routes under `/_mlship/` (not AWS APIs): health, fault rules, and
 * SageMaker faults. Documented in the README.
 */
export async function handleControl(
  ctx: ControlContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const path = url.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    if (path === "/_mlship/health" && method === "GET") {
      sendJson(res, 200, { ok: true, ...ctx.info() }, JSON_TYPE);
      return;
    }
    if (path === "/_mlship/faults") {
      if (method === "GET") {
        sendJson(res, 200, { faults: ctx.faults.list() }, JSON_TYPE);
        return;
      }
      if (method === "POST") {
        const input = parseJsonInput(await readBody(req, 1024 * 1024)) as unknown as FaultRuleInput;
        sendJson(res, 201, { fault: ctx.faults.add(input) }, JSON_TYPE);
        return;
      }
      if (method === "DELETE") {
        ctx.faults.clear();
        sendJson(res, 200, {}, JSON_TYPE);
        return;
      }
    }
    const rule = /^\/_mlship\/faults\/([^/]+)$/.exec(path);
    if (rule && method === "DELETE") {
      if (!ctx.faults.remove(decodeURIComponent(rule[1] as string))) {
        throw new AwsApiError("ResourceNotFoundException", `No fault rule ${rule[1]}`, 404);
      }
      sendJson(res, 200, {}, JSON_TYPE);
      return;
    }
    const sagemaker = /^\/_mlship\/sagemaker\/([a-z0-9-]+)$/.exec(path);
    if (sagemaker && method === "POST") {
      if (!ctx.sagemakerFault) throw new AwsApiError("ServiceUnavailable", "SageMaker is not available", 503);
      const params = parseJsonInput(await readBody(req, 1024 * 1024));
      sendJson(res, 200, (await ctx.sagemakerFault(sagemaker[1] as string, params)) ?? {}, JSON_TYPE);
      return;
    }
    throw new AwsApiError("NotFound", `No control route ${method} ${url.pathname}`, 404);
  } catch (error) {
    req.resume();
    sendJsonError(res, error, JSON_TYPE);
  }
}
