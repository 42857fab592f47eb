import type { Readable } from "node:stream";

/** Calls `onLine` for every complete line of `stream` (and the unterminated rest at its end). */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n/);
    rest = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  });
  stream.on("end", () => {
    if (rest !== "") onLine(rest);
    rest = "";
  });
}
