import {
  CONTENT_TYPES,
  deserialize,
  type EventSink,
  emit,
  type InvokeRequest,
  type InvokeResponse,
  type Invoker,
  MlshipError,
  serialize,
  type Values,
} from "@mlship/core";
import { wrapAwsError } from "@mlship/data-s3";
import type { RuntimeApi } from "./api.js";
import { readLogs } from "./logs.js";

/** InvokeEndpoint's payload limit. */
export const MAX_INVOKE_BYTES = 6 * 1024 * 1024;

export interface PredictOptions {
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  targetVariant?: string;
  signal?: AbortSignal;
}

/** An Invoker for one endpoint, plus `predict` (values in, values out) like the SDK's Predictor. */
export interface SageMakerInvoker extends Invoker {
  readonly endpointName: string;
  predict(values: Values, options?: PredictOptions): Promise<Values>;
}

const encoder = new TextEncoder();

interface ModelErrorShape {
  name?: string;
  message?: string;
  OriginalStatusCode?: number;
  OriginalMessage?: string;
  LogStreamArn?: string;
}

/**
 * Invokes `endpointName` through the runtime port. Throttling and 5xx are retried by the SDK client's retry
 * strategy (configured on the client: standard/adaptive, maxAttempts); a model's own non-2xx comes back as
 * ModelError and becomes E_MODEL_ERROR with the model's status and message.
 */
export function createSageMakerInvoker(
  runtime: RuntimeApi,
  endpointName: string,
  options: { events?: EventSink } = {},
): SageMakerInvoker {
  const onRetry = options.events
    ? (retry: { attempt: number; delayMs: number; reason: string }) =>
        emit(options, { type: "invoke.retry", ...retry })
    : undefined;
  async function invoke(request: InvokeRequest): Promise<InvokeResponse> {
    const body = typeof request.body === "string" ? encoder.encode(request.body) : request.body;
    if (body.byteLength > MAX_INVOKE_BYTES) {
      throw new MlshipError(
        "E_PAYLOAD_TOO_LARGE",
        `Request body is ${body.byteLength} bytes; InvokeEndpoint accepts at most ${MAX_INVOKE_BYTES} (6 MB)`,
        {
          hint: "Split the rows into smaller requests, e.g. with the scorer's batching (@mlship/scoring, --batch-size).",
          where: endpointName,
          details: { bytes: body.byteLength, limit: MAX_INVOKE_BYTES },
        },
      );
    }
    try {
      const res = await runtime.invokeEndpoint(
        {
          EndpointName: endpointName,
          Body: body,
          ContentType: request.contentType,
          ...(request.accept ? { Accept: request.accept } : {}),
          ...(request.customAttributes ? { CustomAttributes: request.customAttributes } : {}),
          ...(request.targetVariant ? { TargetVariant: request.targetVariant } : {}),
        },
        { abortSignal: request.signal, onRetry },
      );
      return {
        body: res.Body ?? new Uint8Array(),
        contentType: res.ContentType ?? request.accept ?? CONTENT_TYPES.json,
        ...(res.CustomAttributes ? { customAttributes: res.CustomAttributes } : {}),
      };
    } catch (e) {
      const err = e as ModelErrorShape;
      if (err?.name === "ModelError") {
        const message = err.OriginalMessage ?? err.message ?? "";
        throw new MlshipError(
          "E_MODEL_ERROR",
          `Endpoint ${endpointName}: the model answered ${err.OriginalStatusCode ?? "an error"}: ${message.slice(0, 500)}`,
          {
            cause: e,
            where: endpointName,
            hint: `The model's inference code rejected the request. ${readLogs(endpointName)}`,
            details: {
              status: err.OriginalStatusCode,
              originalStatusCode: err.OriginalStatusCode,
              body: message.slice(0, 2000),
              logStreamArn: err.LogStreamArn,
            },
          },
        );
      }
      throw wrapAwsError(e, `Invoking endpoint ${endpointName}`, {
        code: "E_INVOKE_FAILED",
        where: endpointName,
      });
    }
  }

  return {
    endpointName,
    invoke,
    async predict(values, options = {}) {
      const contentType = options.contentType ?? CONTENT_TYPES.csv;
      const res = await invoke({
        body: serialize(values, contentType),
        contentType,
        accept: options.accept ?? CONTENT_TYPES.json,
        customAttributes: options.customAttributes,
        targetVariant: options.targetVariant,
        signal: options.signal,
      });
      return deserialize(res.body, res.contentType);
    },
  };
}
