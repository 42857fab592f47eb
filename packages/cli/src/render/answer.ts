import { CONTENT_TYPES, deserialize } from "@mlship/core";

/** Decoded values for the known types; undefined for anything else (printed as text). */
export function decodeAnswer(body: Uint8Array, contentType: string) {
  try {
    return deserialize(body, contentType);
  } catch {
    return undefined;
  }
}

export function renderAnswer(
  body: Uint8Array,
  contentType: string,
  decoded: ReturnType<typeof decodeAnswer>,
): string {
  if (decoded === undefined || contentType.startsWith(CONTENT_TYPES.csv)) {
    const text = Buffer.from(body).toString("utf8");
    return text.endsWith("\n") ? text : `${text}\n`;
  }
  if (contentType.startsWith(CONTENT_TYPES.npy)) {
    // An array has no column names: one line per row, values comma-separated, as the CSV answers print.
    return `${decoded.map((r) => (Array.isArray(r) ? r.join(",") : String(r))).join("\n")}\n`;
  }
  return `${JSON.stringify(decoded)}\n`;
}
