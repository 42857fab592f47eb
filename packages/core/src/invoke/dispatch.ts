import type { Dispatcher } from "undici";

export interface RawResponse {
  statusCode: number;
  /** content-type, retry-after and x-amzn-sagemaker-custom-attributes only (lower-cased names). */
  headers: Record<string, string>;
  body: Uint8Array;
}

// Only these response headers are ever read; skipping the others saves decoding every name on the hot path.
const WANTED = new Set(["content-type", "retry-after", "x-amzn-sagemaker-custom-attributes"]);
const WANTED_LENGTHS = new Set([...WANTED].map((h) => h.length));

function parseRawHeaders(raw: Buffer[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as Buffer;
    if (!WANTED_LENGTHS.has(name.length)) continue;
    const key = name.toString("latin1").toLowerCase();
    if (WANTED.has(key)) headers[key] = (raw[i + 1] as Buffer).toString("latin1");
  }
  return headers;
}

/**
 * One request through undici's dispatcher, buffering the whole answer. This skips `request()`'s
 * Readable body stream, which costs more CPU than the rest of a small request on loopback (see
 * bench/invoke). Aborting `signal` aborts the request with the signal's reason.
 */
export function dispatch(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal?: AbortSignal,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let statusCode = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let abortRequest: ((err?: Error) => void) | undefined;
    const onAbort = () => abortRequest?.(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => signal?.removeEventListener("abort", onAbort);
    dispatcher.dispatch(options, {
      onConnect(abort) {
        abortRequest = abort;
        if (signal?.aborted) abort(signal.reason);
      },
      onHeaders(status, rawHeaders) {
        statusCode = status;
        headers = parseRawHeaders(rawHeaders);
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        done();
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        resolve({ statusCode, headers, body });
      },
      onError(error) {
        done();
        reject(error);
      },
    });
  });
}
