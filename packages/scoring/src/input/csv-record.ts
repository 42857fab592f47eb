import { MlshipError } from "@mlship/core";

/**
 * The scorer's CSV semantics, shared by every path that reads CSV input (the general reader and any fast
 * path), so they give the same rows and the same errors:
 * - a record is one line, or several while a quoted field is open; line numbers are file lines, 1-based,
 *   counting the header and every line break (also those inside quoted fields);
 * - a quote opens a field only at the field's start (`15" screen` is text), `""` inside a quoted field is
 *   a quote, and a closing quote must end its field (`"ab"c` is an error), as Python's csv module with
 *   `strict=True` reads;
 * - a quoted field still open at the end of the file, or one that spans lines and is closed by a quote
 *   followed by anything but a comma or the line's end (a stray quote that swallowed the lines between),
 *   is `E_INVALID_INPUT` at the line it opens on (lenient mode: that line alone fails, and reading goes on
 *   from the next line). Python's csv module with strict=True refuses both too.
 */
export function splitRecord<T>(
  record: string,
  line: number,
  field: (text: string, quoted: boolean) => T,
): T[] {
  const out: T[] = [];
  let p = 0;
  for (;;) {
    if (record.charCodeAt(p) === 34) {
      let text = "";
      let from = p + 1;
      for (;;) {
        const q = record.indexOf('"', from);
        if (q === -1) throw recordError(line, record, p, "a quoted field is not closed");
        text += record.slice(from, q);
        if (record.charCodeAt(q + 1) === 34) {
          text += '"';
          from = q + 2;
          continue;
        }
        p = q + 1;
        break;
      }
      out.push(field(text, true));
      if (p === record.length) return out;
      if (record.charCodeAt(p) !== 44) throw recordError(line, record, p, "',' expected after '\"'");
      p++;
    } else {
      const comma = record.indexOf(",", p);
      out.push(field(comma === -1 ? record.slice(p) : record.slice(p, comma), false));
      if (comma === -1) return out;
      p = comma + 1;
    }
  }
}

function recordError(line: number, record: string, at: number, what: string): MlshipError {
  let n = line;
  for (let i = record.indexOf("\n"); i !== -1 && i < at; i = record.indexOf("\n", i + 1)) n++;
  return new MlshipError("E_INVALID_INPUT", `Line ${n}: ${what}`, {
    where: `line ${n}`,
    details: { line: n },
  });
}

/** A row error naming its file line (the output's error column carries the message). */
export const lineError = (line: number, message: string, details: Record<string, unknown> = {}) =>
  new MlshipError("E_INVALID_INPUT", `Line ${line}: ${message}`, {
    where: `line ${line}`,
    details: { line, ...details },
  });

export function unterminatedQuoteError(path: string, line: number): MlshipError {
  return new MlshipError(
    "E_INVALID_INPUT",
    `${path} line ${line}: a quoted field opens here and is never closed properly; every row after it would be read wrong`,
    {
      where: `${path}:${line}`,
      details: { line },
      hint: "Fix the quote on that line, or pass --lenient-quotes to fail that row alone and read on from the next line.",
    },
  );
}
