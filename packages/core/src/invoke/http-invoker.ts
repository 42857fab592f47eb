import { Pool } from "undici";
import { abortError, isMlshipError, MlshipError } from "../errors.js";
import { type EventSink, emit } from "../events.js";
import type { InvokeRequest, InvokeResponse, Invoker } from "../targets.js";
import {
  backoffDelay,
  parseRetryAfter,
  RETRYABLE_NETWORK_CODES,
  RETRYABLE_STATUS,
  sleep,
} from "./backoff.js";
import { dispatch } from "./dispatch.js";

export interface HttpInvokerOptions {
  /** Base URL of a server speaking the SageMaker container contract, e.g. `http://127.0.0.1:8080` or `https://host/prefix`. */
  url: string;
  /** Default `/invocations`, appended to the base URL's path. */
  invocationsPath?: string;
  /** Default `/ping`. */
  pingPath?: string;
  /** Sent as `Authorization: Bearer …`; never appears in errors or events. */
  bearerToken?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Per attempt: time to the response headers, and between body chunks. Default 60 000 (InvokeEndpoint's limit). */
  timeoutMs?: number;
  /** Extra attempts after a 429/502/503/504 or a reset connection. Default 3. */
  retries?: number;
  /** Keep-alive connections in the pool. Default 32. */
  connections?: number;
  /** Receives `invoke.retry` events. */
  events?: EventSink;
  /** First backoff delay; doubles per attempt (with jitter). Default 100. */
  retryBaseDelayMs?: number;
  /** Cap on one backoff delay, including a server's Retry-After. Default 10 000. */
  maxRetryDelayMs?: number;
  /** TLS settings for https URLs: a private CA, or (tests only) accepting self-signed certificates. */
  tls?: { ca?: string | Uint8Array; rejectUnauthorized?: boolean; servername?: string };
}

export interface HttpInvoker extends Invoker {
  /** True when `GET /ping` answers 2xx; false on any other answer or a connection failure. Never retries. */
  ping(signal?: AbortSignal): Promise<boolean>;
  /** Closes the pool's connections; later calls fail with E_NETWORK. */
  close(): Promise<void>;
}

const EXCERPT = 1000;
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

const errorCode = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};

function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new MlshipError("E_CONFIG", `Invalid invoker URL '${url}'`, {
      cause: error,
      hint: "Use e.g. http://127.0.0.1:8080.",
    });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new MlshipError("E_CONFIG", `Invoker URL must be http(s), got '${parsed.protocol}'`, {
      details: { protocol: parsed.protocol },
    });
  }
  return parsed;
}

function statusError(status: number, body: string, where: string, attempts: number): MlshipError {
  const excerpt = body.length > EXCERPT ? `${body.slice(0, EXCERPT)}…` : body;
  const oneLine = excerpt.replace(/\s+/g, " ").trim().slice(0, 200);
  const details = { status, body: excerpt, attempts };
  const message = `${where} answered HTTP ${status}${oneLine ? `: ${oneLine}` : ""}`;
  if (status === 413) {
    return new MlshipError("E_PAYLOAD_TOO_LARGE", message, {
      where,
      details,
      hint: "Send fewer rows per request.",
    });
  }
  if (status === 415) {
    return new MlshipError("E_UNSUPPORTED_MEDIA_TYPE", message, {
      where,
      details,
      hint: "The model's input_fn does not accept this content type; try text/csv or application/json.",
    });
  }
  const hint =
    status === 401 || status === 403
      ? "Check the bearer token and the endpoint's access rules."
      : RETRYABLE_STATUS.has(status)
        ? `Still failing after ${attempts} attempts; the endpoint is overloaded or unavailable.`
        : undefined;
  return new MlshipError("E_MODEL_ERROR", message, { where, details, hint });
}

/**
 * An Invoker for any server speaking the SageMaker container contract (`POST /invocations`, `GET /ping`)
 * over plain HTTP(S), on an undici Pool with keep-alive. Retries 429/502/503/504 and reset connections
 * with exponential backoff and jitter (each retry emits `invoke.retry`); other non-2xx answers reject
 * with E_MODEL_ERROR (413 -> E_PAYLOAD_TOO_LARGE, 415 -> E_UNSUPPORTED_MEDIA_TYPE).
 */
export function createHttpInvoker(options: HttpInvokerOptions): HttpInvoker {
  const base = parseBaseUrl(options.url);
  const prefix = base.pathname.replace(/\/+$/, "");
  const invocationsPath = `${prefix}${options.invocationsPath ?? "/invocations"}`;
  const pingPath = `${prefix}${options.pingPath ?? "/ping"}`;
  // Origin + path only: never userinfo or query, which may carry credentials.
  const where = `${base.origin}${invocationsPath}`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const retries = Math.max(0, options.retries ?? 3);
  const backoff = { baseMs: options.retryBaseDelayMs ?? 100, maxMs: options.maxRetryDelayMs ?? 10_000 };
  const ctx = { events: options.events };
  const ca = options.tls?.ca;
  const connect = options.tls && {
    ...options.tls,
    ca: ca === undefined || typeof ca === "string" ? ca : Buffer.from(ca),
  };
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 32,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(connect ? { connect } : {}),
  });
  const fixedHeaders: Record<string, string> = { ...options.headers };
  if (options.bearerToken) fixedHeaders.authorization = `Bearer ${options.bearerToken}`;

  async function attempt(
    request: InvokeRequest,
    headers: Record<string, string>,
    n: number,
  ): Promise<InvokeResponse | { retry: string; retryAfterMs?: number }> {
    const res = await dispatch(
      pool,
      { method: "POST", path: invocationsPath, headers, body: request.body },
      request.signal,
    );
    if (res.statusCode >= 200 && res.statusCode < 300) {
      const response: InvokeResponse = {
        body: res.body,
        contentType: res.headers["content-type"] ?? request.accept ?? "application/octet-stream",
      };
      const attrs = res.headers["x-amzn-sagemaker-custom-attributes"];
      if (attrs !== undefined) response.customAttributes = attrs;
      return response;
    }
    if (RETRYABLE_STATUS.has(res.statusCode) && n <= retries) {
      return { retry: `HTTP ${res.statusCode}`, retryAfterMs: parseRetryAfter(res.headers["retry-after"]) };
    }
    let text = new TextDecoder().decode(res.body);
    // A server that echoes the request (a debug proxy, a gateway's error page) must not put the token into the error.
    if (options.bearerToken) text = text.replaceAll(options.bearerToken, "<redacted>");
    throw statusError(res.statusCode, text, where, n);
  }

  function failure(error: unknown, request: InvokeRequest, n: number): MlshipError {
    if (isMlshipError(error)) return error;
    if (request.signal?.aborted) return abortError(request.signal, `Invocation of ${where}`);
    const code = errorCode(error);
    if (code && TIMEOUT_CODES.has(code)) {
      return new MlshipError("E_TIMEOUT", `${where} did not answer within ${timeoutMs} ms`, {
        where,
        cause: error,
        details: { timeoutMs, attempts: n },
        hint: "Raise timeoutMs or send fewer rows per request.",
      });
    }
    return new MlshipError(
      "E_NETWORK",
      `Cannot reach ${where}: ${(error as Error)?.message ?? String(error)}`,
      {
        where,
        cause: error,
        details: { code, attempts: n },
      },
    );
  }

  return {
    async invoke(request) {
      const headers: Record<string, string> = { ...fixedHeaders, "content-type": request.contentType };
      if (request.accept) headers.accept = request.accept;
      if (request.customAttributes) headers["x-amzn-sagemaker-custom-attributes"] = request.customAttributes;
      if (request.targetVariant) headers["x-amzn-sagemaker-target-variant"] = request.targetVariant;
      for (let n = 1; ; n++) {
        let reason: string;
        let retryAfterMs: number | undefined;
        try {
          const result = await attempt(request, headers, n);
          if (!("retry" in result)) return result;
          reason = result.retry;
          retryAfterMs = result.retryAfterMs;
        } catch (error) {
          const code = errorCode(error);
          const retryable =
            !isMlshipError(error) &&
            !request.signal?.aborted &&
            code !== undefined &&
            RETRYABLE_NETWORK_CODES.has(code);
          if (!retryable || n > retries) throw failure(error, request, n);
          reason = code;
        }
        const delayMs = backoffDelay(n, { ...backoff, retryAfterMs });
        emit(ctx, { type: "invoke.retry", attempt: n, delayMs, reason });
        try {
          await sleep(delayMs, request.signal);
        } catch {
          throw abortError(request.signal as AbortSignal, `Invocation of ${where}`);
        }
      }
    },

    async ping(signal) {
      try {
        const res = await dispatch(pool, { method: "GET", path: pingPath, headers: fixedHeaders }, signal);
        return res.statusCode >= 200 && res.statusCode < 300;
      } catch {
        return false;
      }
    },

    async close() {
      if (!pool.closed) await pool.close();
    },
  };
}
