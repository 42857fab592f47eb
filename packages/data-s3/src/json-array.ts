import { StringDecoder } from "node:string_decoder";
import { MlshipError } from "@mlship/core";

/**
 * Yields the elements of a top-level JSON array read from `chunks`, one `JSON.parse` per element,
 * so a large `[{...}, {...}, ...]` file is never held whole in memory. Strings and nesting are
 * tracked to find element boundaries; the elements themselves are parsed by `JSON.parse`.
 */
export async function* jsonArrayElements(
  chunks: AsyncIterable<Buffer | string>,
  where: string,
): AsyncGenerator<unknown> {
  const decoder = new StringDecoder("utf8");
  let state: "before" | "element" | "done" = "before";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pending = ""; // text of the element being read
  let index = 0;
  let sawAny = false;

  const fail = (message: string): never => {
    throw new MlshipError("E_INVALID_INPUT", `${where}: ${message}`, {
      where: `${where} element ${index}`,
      hint: "A .json data file must hold one array of row objects, or one JSON object per line.",
    });
  };
  const finishElement = (): unknown => {
    const text = pending.trim();
    pending = "";
    if (text === "") fail(`empty element at index ${index}`);
    try {
      return JSON.parse(text);
    } catch (error) {
      return fail(`element ${index} is not valid JSON (${(error as Error).message})`);
    }
  };

  const feed = function* (text: string): Generator<unknown> {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (state === "element") {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c /* \ */) escaped = true;
          else if (c === 0x22 /* " */) inString = false;
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
        else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
          if (depth === 0) {
            if (c === 0x7d) fail("unbalanced }");
            // "]" closing the top-level array
            pending += text.slice(start, i);
            if (pending.trim() !== "" || sawAny) {
              yield finishElement();
              index++;
            }
            state = "done";
            start = i + 1;
            continue;
          }
          depth--;
        } else if (c === 0x2c /* , */ && depth === 0) {
          pending += text.slice(start, i);
          yield finishElement();
          index++;
          sawAny = true;
          start = i + 1;
        }
      } else if (isSpace(c)) {
        // whitespace between tokens
      } else if (state === "before") {
        if (c !== 0x5b) fail("expected a JSON array");
        state = "element";
        start = i + 1;
      } else {
        fail("unexpected content after the closing ]");
      }
    }
    if (state === "element") pending += text.slice(start);
  };

  for await (const chunk of chunks) {
    yield* feed(typeof chunk === "string" ? chunk : decoder.write(chunk));
  }
  yield* feed(decoder.end());
  if ((state as string) !== "done")
    fail(state === "before" ? "the file is empty" : "the array is not closed (truncated file?)");
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}
