import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiError } from "./aws-error.js";
import type { Faults } from "./faults.js";
import { readBody, requestId, send } from "./http/io.js";
import { sendJsonError } from "./http/json-protocol.js";
import type { AsyncInvokeRequest, AsyncInvokeResponse } from "./sagemaker/async-invoke.js";
import { type InvokeRequest, type InvokeResponse, MAX_INVOKE_BODY_BYTES } from "./sagemaker/invoke.js";

/** The part of the SageMaker service the Runtime API calls. */
export interface EndpointInvoker {
  invokeEndpoint(req: InvokeRequest): Promise<InvokeResponse>;
  invokeEndpointAsync?(req: AsyncInvokeRequest): AsyncInvokeResponse;
}

const INVOKE_PATH = /^\/endpoints\/([^/]+)\/(invocations|async-invocations|invocations-response-stream)$/;

export function isRuntimePath(path: string): boolean {
  return INVOKE_PATH.test(path);
}

/**
 * SageMaker Runtime (restJson1): `POST /endpoints/<name>/invocations`. Headers map to InvokeEndpoint's
 * members; errors come back with `x-amzn-ErrorType` and a JSON body, ModelError carrying the model's
 * original status and message.
 */
export async function handleRuntime(
  invoker: EndpointInvoker | undefined,
  faults: Faults,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const m = INVOKE_PATH.exec(url.pathname);
    if (!m || req.method !== "POST") {
      throw new AwsApiError(
        "UnknownOperationException",
        `No SageMaker Runtime operation at ${req.method} ${url.pathname}`,
      );
    }
    if (m[2] === "async-invocations") {
      await handleAsync(invoker, faults, req, res, decodeURIComponent(m[1] as string));
      return;
    }
    if (m[2] !== "invocations") {
      throw new AwsApiError(
        "UnknownOperationException",
        "InvokeEndpointWithResponseStream is not supported by the mlship emulator",
      );
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_INVOKE_BODY_BYTES) throw tooLarge();
    let body: Buffer;
    try {
      body = await readBody(req, MAX_INVOKE_BODY_BYTES);
    } catch (error) {
      if (error instanceof AwsApiError && error.status === 413) throw tooLarge();
      throw error;
    }
    const fault = await faults.apply("runtime.sagemaker", "InvokeEndpoint", res);
    if (fault) throw fault;
    if (!invoker)
      throw new AwsApiError("ServiceUnavailable", "SageMaker is not available in this emulator", 503);
    const h = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const out = await invoker.invokeEndpoint({
      endpointName: decodeURIComponent(m[1] as string),
      body,
      contentType: h("content-type"),
      accept: h("accept"),
      customAttributes: h("x-amzn-sagemaker-custom-attributes"),
      targetVariant: h("x-amzn-sagemaker-target-variant"),
      inferenceId: h("x-amzn-sagemaker-inference-id"),
    });
    const headers: Record<string, string> = {
      "content-type": out.contentType,
      "x-amzn-requestid": requestId(),
      "x-amzn-invoked-production-variant": out.invokedVariant,
    };
    if (out.customAttributes !== undefined)
      headers["x-amzn-sagemaker-custom-attributes"] = out.customAttributes;
    send(res, out.status, headers, out.body);
  } catch (error) {
    req.resume();
    sendJsonError(res, error, "application/json");
  }
}

/**
 * InvokeEndpointAsync (`POST /endpoints/<name>/async-invocations`): the request names its input in S3 by
 * header and gets 202 with the InferenceId, and the output and failure locations as headers.
 */
async function handleAsync(
  invoker: EndpointInvoker | undefined,
  faults: Faults,
  req: IncomingMessage,
  res: ServerResponse,
  endpointName: string,
): Promise<void> {
  req.resume();
  const fault = await faults.apply("runtime.sagemaker", "InvokeEndpointAsync", res);
  if (fault) throw fault;
  if (!invoker?.invokeEndpointAsync)
    throw new AwsApiError("ServiceUnavailable", "SageMaker is not available in this emulator", 503);
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const timeout = h("x-amzn-sagemaker-invocationtimeoutseconds");
  const out = invoker.invokeEndpointAsync({
    endpointName,
    inputLocation: h("x-amzn-sagemaker-inputlocation"),
    contentType: h("x-amzn-sagemaker-content-type"),
    accept: h("x-amzn-sagemaker-accept"),
    customAttributes: h("x-amzn-sagemaker-custom-attributes"),
    inferenceId: h("x-amzn-sagemaker-inference-id"),
    invocationTimeoutSeconds: timeout === undefined ? undefined : Number(timeout),
  });
  send(
    res,
    202,
    {
      "content-type": "application/json",
      "x-amzn-requestid": requestId(),
      "x-amzn-sagemaker-outputlocation": out.OutputLocation,
      "x-amzn-sagemaker-failurelocation": out.FailureLocation,
    },
    JSON.stringify({ InferenceId: out.InferenceId }),
  );
}

function tooLarge(): AwsApiError {
  return new AwsApiError(
    "ValidationError",
    `Request payload size exceeds the maximum allowed of ${MAX_INVOKE_BODY_BYTES} bytes (6 MB)`,
    413,
  );
}
