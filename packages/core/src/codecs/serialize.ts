import { MlshipError } from "../errors.js";
import { CONTENT_TYPES, mediaType } from "./content-types.js";
import { decodeCsv, encodeCsv } from "./csv.js";
import { decodeJson, encodeJson } from "./json.js";
import { decodeNpy, encodeNpy, ndArrayToValues } from "./npy.js";
import type { Values } from "./values.js";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: false });

function unsupported(contentType: string): MlshipError {
  return new MlshipError("E_UNSUPPORTED_MEDIA_TYPE", `No codec for content type '${contentType}'`, {
    hint: `Use one of: ${Object.values(CONTENT_TYPES).join(", ")}.`,
    details: { contentType },
  });
}

/** Values to a request/response body in `contentType` (parameters such as `; charset=utf-8` are ignored). */
export function serialize(values: Values, contentType: string): Uint8Array {
  switch (mediaType(contentType)) {
    case CONTENT_TYPES.csv:
      return utf8.encode(encodeCsv(values));
    case CONTENT_TYPES.json:
      return utf8.encode(encodeJson(values));
    case CONTENT_TYPES.npy:
      return encodeNpy(values);
    default:
      throw unsupported(contentType);
  }
}

/** A body in `contentType` to Values. */
export function deserialize(body: Uint8Array, contentType: string): Values {
  switch (mediaType(contentType)) {
    case CONTENT_TYPES.csv:
      return decodeCsv(fromUtf8.decode(body));
    case CONTENT_TYPES.json:
      return decodeJson(fromUtf8.decode(body));
    case CONTENT_TYPES.npy:
      return ndArrayToValues(decodeNpy(body));
    default:
      throw unsupported(contentType);
  }
}
