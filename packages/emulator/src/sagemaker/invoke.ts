import { request } from "node:http";
import { AwsApiError } from "../aws-error.js";
import { type AccountScope, endpointLogGroup, logGroupArn } from "./arn.js";
import { type Endpoints, SERVING_STATUSES } from "./endpoints.js";
import { INVOKE_TIMEOUT_MS, type LiveVariant, unavailable } from "./serving.js";

export interface InvokeRequest {
  endpointName: string;
  body: Buffer;
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  targetVariant?: string;
  inferenceId?: string;
  /** Async invocations allow bodies above 6 MB and a longer model timeout. */
  limits?: { maxBodyBytes: number; timeoutMs: number };
}

export interface InvokeResponse {
  status: number;
  body: Buffer;
  contentType: string;
  customAttributes?: string;
  invokedVariant: string;
}

/** InvokeEndpoint's documented request body limit: 6 MB. */
export const MAX_INVOKE_BODY_BYTES = 6 * 1024 * 1024;

const CUSTOM_ATTRIBUTES = "x-amzn-sagemaker-custom-attributes";

/**
 * InvokeEndpoint: picks a variant (TargetVariant, else by weight), proxies the body to its serving
 * process over a keep-alive connection and maps failures the way SageMaker Runtime reports them.
 */
export async function invokeEndpoint(
  scope: AccountScope,
  endpoints: Endpoints,
  req: InvokeRequest,
  /** Told of every invocation sent to an instance (the Invocations metric autoscaling tracks). */
  onInvoke?: (endpointName: string, variantName: string) => void,
): Promise<InvokeResponse> {
  const maxBytes = req.limits?.maxBodyBytes ?? MAX_INVOKE_BODY_BYTES;
  if (req.body.length > maxBytes) {
    throw new AwsApiError("ValidationError", `HTTP content length exceeded ${maxBytes} bytes.`, 413);
  }
  const found = endpoints.lookup(req.endpointName);
  if (!found) {
    throw new AwsApiError(
      "ValidationError",
      `Endpoint ${req.endpointName} of account ${scope.accountId} not found.`,
    );
  }
  const { record, variants } = found;
  if (!SERVING_STATUSES.has(record.EndpointStatus) || variants.length === 0) {
    throw new AwsApiError(
      "ValidationError",
      `Endpoint ${record.EndpointName} of account ${scope.accountId} is in status ${record.EndpointStatus} and cannot serve requests.`,
    );
  }
  const variant = pickVariant(variants, req.targetVariant, record.EndpointName);
  const logGroup = endpointLogGroup(record.EndpointName);
  const modelError = (status: number, message: string) => {
    const kind = status >= 400 && status < 500 ? "client" : "server";
    return new AwsApiError(
      "ModelError",
      `Received ${kind} error (${status}) from primary with message "${message}". See https://${scope.region}.console.aws.amazon.com/cloudwatch/home?region=${scope.region}#logEventViewer:group=${logGroup} in account ${scope.accountId} for more information.`,
      424,
      { OriginalStatusCode: status, OriginalMessage: message, LogStreamArn: logGroupArn(scope, logGroup) },
    );
  };
  const down = unavailable(variant);
  if (down) throw modelError(0, down);
  // A serverless variant takes MaxConcurrency requests at once; SageMaker throttles the rest.
  if (variant.maxConcurrency !== undefined && variant.inflight() >= variant.maxConcurrency) {
    throw new AwsApiError("ThrottlingException", "Rate exceeded");
  }

  let answer: { status: number; body: Buffer; headers: Record<string, string | string[] | undefined> };
  onInvoke?.(record.EndpointName, variant.variantName);
  try {
    answer = await variant.track(post(variant, req));
  } catch (error) {
    if (error instanceof Error && error.name === "TimeoutError") {
      throw modelError(
        0,
        "Your invocation timed out while waiting for a response from container primary. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.",
      );
    }
    throw modelError(
      0,
      unavailable(variant) ??
        `Could not reach the model server: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (answer.status < 200 || answer.status > 299)
    throw modelError(answer.status, answer.body.toString("utf8"));
  const custom = answer.headers[CUSTOM_ATTRIBUTES];
  return {
    status: 200,
    body: answer.body,
    contentType: headerValue(answer.headers["content-type"]) ?? "application/json",
    customAttributes: headerValue(custom),
    invokedVariant: variant.variantName,
  };
}

function pickVariant(
  instances: readonly LiveVariant[],
  target: string | undefined,
  endpointName: string,
): LiveVariant {
  let name = target;
  if (name !== undefined) {
    if (!instances.some((v) => v.variantName === name)) {
      throw new AwsApiError(
        "ValidationError",
        `Target variant ${target} not found for endpoint ${endpointName}.`,
      );
    }
  } else {
    // Traffic splits by variant weight, however many instances each variant runs.
    const variants = [...new Map(instances.map((v) => [v.variantName, v.weight])).entries()];
    const total = variants.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = Math.random() * total;
    name = variants[variants.length - 1]?.[0];
    for (const [variantName, weight] of variants) {
      roll -= weight;
      if (roll < 0) {
        name = variantName;
        break;
      }
    }
  }
  // Within a variant, the least busy healthy instance takes the request.
  const candidates = instances.filter((v) => v.variantName === name);
  const healthy = candidates.filter((v) => unavailable(v) === undefined);
  const pool = healthy.length > 0 ? healthy : candidates;
  return pool.reduce((best, v) => (v.inflight() < best.inflight() ? v : best), pool[0] as LiveVariant);
}

function post(
  variant: LiveVariant,
  req: InvokeRequest,
): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  const headers: Record<string, string | number> = { "content-length": req.body.length };
  if (req.contentType) headers["content-type"] = req.contentType;
  if (req.accept) headers.accept = req.accept;
  if (req.customAttributes !== undefined) headers[CUSTOM_ATTRIBUTES] = req.customAttributes;
  if (req.inferenceId !== undefined) headers["x-amzn-sagemaker-inference-id"] = req.inferenceId;
  const url = new URL("/invocations", variant.server.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: "POST",
        headers,
        agent: variant.agent,
        signal: AbortSignal.timeout(req.limits?.timeoutMs ?? INVOKE_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on("error", reject);
      },
    );
    outgoing.on("error", (error) => {
      // AbortSignal.timeout aborts with a TimeoutError as the cause.
      const cause = (error as { cause?: unknown }).cause;
      reject(cause instanceof Error && cause.name === "TimeoutError" ? cause : error);
    });
    outgoing.end(req.body);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
