import type { Values } from "@mlship/core";

// Core (and its dependencies) load only when a default decoder runs: scripts with their own
// inputFn/outputFn start faster, as Python's server imports numpy only for its defaults.
let core: Promise<typeof import("@mlship/core")> | undefined;
const loadCore = () => {
  core ??= import("@mlship/core");
  return core;
};

const mediaType = (value: string): string => (value.split(";")[0] ?? "").trim().toLowerCase();
const isUnsupported = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === "E_UNSUPPORTED_MEDIA_TYPE";

/** What a Node inference script exports (named exports, or the same names on its default export). */
export interface Hooks {
  modelFn(modelDir: string): unknown;
  inputFn(body: Buffer, contentType: string): unknown;
  predictFn(input: unknown, model: unknown): unknown;
  outputFn(prediction: unknown, accept: string): unknown;
  transformFn?: (model: unknown, body: Buffer, contentType: string, accept: string) => unknown;
}

type Fn = (...args: never[]) => unknown;

/** A request the default decoders cannot parse: 400, not a model error. */
class BadRequestError extends Error {
  override name = "BadRequestError";
}

export const defaultInputFn = async (body: Buffer, contentType: string): Promise<Values> => {
  const { deserialize } = await loadCore();
  try {
    return deserialize(body, contentType);
  } catch (error) {
    if (isUnsupported(error)) throw error;
    throw new BadRequestError(
      `Cannot decode the ${mediaType(contentType)} body: ${(error as Error).message}`,
    );
  }
};

export const defaultPredictFn = (input: unknown, model: unknown): unknown => {
  const predict = (model as { predict?: unknown } | null)?.predict;
  if (typeof predict !== "function") {
    throw new Error("the script exports no predictFn and the model has no predict() method");
  }
  return (predict as Fn).call(model, input as never);
};

export const defaultOutputFn = async (
  prediction: unknown,
  accept: string,
): Promise<{ body: Uint8Array; contentType: string }> => {
  const { serialize } = await loadCore();
  const values = ArrayBuffer.isView(prediction)
    ? Array.from(prediction as unknown as ArrayLike<number>)
    : prediction;
  if (!Array.isArray(values)) throw new Error("predictFn must return an array (or define outputFn)");
  return { body: serialize(values as Values, accept), contentType: mediaType(accept) };
};

export async function loadHooks(url: string, program: string): Promise<Hooks> {
  const mod = (await import(url)) as Record<string, unknown>;
  const fromDefault = (mod.default ?? {}) as Record<string, unknown>;
  const pick = (name: string): Fn | undefined => {
    const value = mod[name] ?? fromDefault[name];
    return typeof value === "function" ? (value as Fn) : undefined;
  };
  const modelFn = pick("modelFn");
  if (!modelFn) throw new Error(`${program} does not export modelFn(modelDir); it is required`);
  return {
    modelFn: modelFn as Hooks["modelFn"],
    inputFn: (pick("inputFn") ?? defaultInputFn) as Hooks["inputFn"],
    predictFn: (pick("predictFn") ?? defaultPredictFn) as Hooks["predictFn"],
    outputFn: (pick("outputFn") ?? defaultOutputFn) as Hooks["outputFn"],
    transformFn: pick("transformFn") as Hooks["transformFn"],
  };
}

/** Hooks may return bytes/a string (typed as `accept`), `{ body, contentType }` or `[body, contentType]`. */
function toResponse(result: unknown, accept: string): { body: Uint8Array; contentType: string } {
  let body = result;
  let contentType = accept.includes("*") ? "application/json" : mediaType(accept);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    typeof result[1] === "string" &&
    !Array.isArray(result[0])
  ) {
    [body, contentType] = result as [unknown, string];
  } else if (result && typeof result === "object" && "body" in result && !ArrayBuffer.isView(result)) {
    const r = result as { body: unknown; contentType?: string };
    body = r.body;
    contentType = r.contentType ?? contentType;
  }
  if (typeof body === "string") return { body: Buffer.from(body), contentType };
  if (body instanceof Uint8Array) return { body, contentType };
  return { body: Buffer.from(JSON.stringify(body)), contentType };
}

export async function transform(
  hooks: Hooks,
  model: unknown,
  body: Buffer,
  contentType: string,
  accept: string,
): Promise<{ body: Uint8Array; contentType: string }> {
  if (hooks.transformFn) return toResponse(await hooks.transformFn(model, body, contentType, accept), accept);
  const input = await hooks.inputFn(body, contentType);
  const prediction = await hooks.predictFn(input, model);
  return toResponse(await hooks.outputFn(prediction, accept), accept);
}

/** 415 for unsupported types, 400 for bodies the defaults cannot parse, 500 for everything else. */
export function statusOf(error: unknown): number {
  if (isUnsupported(error)) return 415;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "UnsupportedFormatError") return 415;
  if (error instanceof BadRequestError) return 400;
  return 500;
}
