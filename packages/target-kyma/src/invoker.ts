import { readFile } from "node:fs/promises";
import {
  CONTENT_TYPES,
  createHttpInvoker,
  deserialize,
  type EventSink,
  type HttpInvoker,
  type InvokeResponse,
  type Invoker,
  MlshipError,
  mediaType,
  serialize,
  type Values,
} from "@mlship/core";

export const TOKEN_ENV = "MLSHIP_KYMA_TOKEN";

export interface KymaInvokerOptions {
  /** `https://<host>` of the APIRule (or any base URL serving /invocations and /ping). */
  url: string;
  /** Bearer token for a jwt APIRule; default env MLSHIP_KYMA_TOKEN. Never logged. */
  token?: string;
  /** Send no token even if one is configured (noAuth APIRules). */
  anonymous?: boolean;
  timeoutMs?: number;
  retries?: number;
  events?: EventSink;
}

/** An invoker for a model exposed by an APIRule: HTTPS POST /invocations, GET /ping, retries on 502/503/504/resets. */
export function createKymaInvoker(options: KymaInvokerOptions): HttpInvoker {
  const token = options.anonymous ? undefined : (options.token ?? process.env[TOKEN_ENV] ?? undefined);
  return createHttpInvoker({
    url: options.url,
    ...(token ? { bearerToken: token } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.events ? { events: options.events } : {}),
  });
}

/** The seed's `invoke_kyma_endpoint` inputs: a payload (text, bytes or values) or a payload file. */
export interface KymaPayloadInput {
  /** `text/csv`, `application/json` or `application/x-npy`. */
  contentType: string;
  /** Body as text/bytes, or values serialised with the content type's codec. */
  payload?: string | Uint8Array | Values;
  /** File whose bytes are the body. */
  payloadPath?: string;
  /** Default `application/json`, as in the seed. */
  accept?: string;
}

/** The request body for a payload or payload file; exactly one of the two. */
export async function payloadBody(input: KymaPayloadInput): Promise<Uint8Array | string> {
  const given = (input.payload !== undefined ? 1 : 0) + (input.payloadPath !== undefined ? 1 : 0);
  if (given !== 1) {
    throw new MlshipError("E_USAGE", "Give exactly one of payload and payloadPath", {
      where: given === 0 ? "payload" : "payloadPath",
    });
  }
  if (input.payloadPath !== undefined) {
    try {
      return new Uint8Array(await readFile(input.payloadPath));
    } catch (error) {
      throw new MlshipError("E_INVALID_INPUT", `Cannot read payload file ${input.payloadPath}`, {
        cause: error,
        where: input.payloadPath,
      });
    }
  }
  const payload = input.payload as string | Uint8Array | Values;
  if (typeof payload === "string" || payload instanceof Uint8Array) return payload;
  return serialize(payload, input.contentType);
}

export interface KymaInvokeResult extends InvokeResponse {
  /** The response decoded with core's codecs when its content type has one. */
  values?: Values;
}

/**
 * Invokes a deployed model like the seed's `invoke_kyma_endpoint(api, content_type, payload_path, payload, accept)`.
 * `api` is the deployment URL (`https://<host>`) or an invoker (e.g. `target.invoker(name)`).
 */
export async function invokeKymaEndpoint(
  api: string | Invoker,
  input: KymaPayloadInput & { token?: string },
): Promise<KymaInvokeResult> {
  const body = await payloadBody(input);
  const accept = input.accept ?? CONTENT_TYPES.json;
  const owned =
    typeof api === "string"
      ? createKymaInvoker({ url: api, ...(input.token ? { token: input.token } : {}) })
      : undefined;
  const invoker = owned ?? (api as Invoker);
  try {
    const res = await invoker.invoke({ body, contentType: input.contentType, accept });
    const known = (Object.values(CONTENT_TYPES) as string[]).includes(mediaType(res.contentType));
    return known ? { ...res, values: deserialize(res.body, res.contentType) } : res;
  } finally {
    await owned?.close();
  }
}
