import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { AwsApiError } from "../aws-error.js";

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  suppressEmptyNode: false,
});

/** A whole S3 response document: `<Root xmlns="…">…</Root>`. Undefined members are left out. */
export function xmlDocument(root: string, body: Record<string, unknown>, namespace = true): string {
  const content = namespace ? { "@_xmlns": S3_NAMESPACE, ...prune(body) } : prune(body);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: content })}`;
}

/** Parses a request document; `arrays` names the elements that may repeat (`Part`, `Object`, `Tag`). */
export function parseXml(body: Buffer, arrays: readonly string[]): Record<string, unknown> {
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => arrays.includes(name),
  });
  try {
    return parser.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw malformedXml();
  }
}

export function malformedXml(): AwsApiError {
  return new AwsApiError(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema.",
    400,
  );
}

function prune(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v)
      ? v.map((item) => (isPlainObject(item) ? prune(item) : item))
      : isPlainObject(v)
        ? prune(v)
        : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
