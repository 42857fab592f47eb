import { stat } from "node:fs/promises";
import { type Cell, MlshipError } from "@mlship/core";
import type { Row } from "../model-source.js";
import { type InputBatch, inputBatchBuilder } from "./batch.js";
import { lineError, splitRecord } from "./csv-record.js";
import { asRowError, castField, csvRequestText, csvText } from "./encode.js";
import { readRecords } from "./lines.js";
import { type InputOptions, type InputSource, indexColumns, resolveColumns } from "./source.js";

async function readHeader(
  path: string,
  encoding: string | undefined,
): Promise<{ columns: string[]; end: number }> {
  let header: { text: string; end: number; line: number } | undefined;
  for await (const _ of readRecords(
    path,
    (text, end, _ascii, _quoteFree, line) => {
      header ??= { text, end, line };
    },
    { quotes: true, highWaterMark: 64 * 1024, encoding },
  )) {
    if (header) break;
  }
  if (!header) {
    throw new MlshipError("E_INVALID_INPUT", `${path} is empty: a CSV input needs a header row`, {
      where: path,
    });
  }
  // Raw: a column named `01`, `1.0` or `True` keeps its name (read as a value it would become 1 or true).
  let columns: string[];
  try {
    columns = splitRecord(header.text, header.line, (text) => text);
  } catch (error) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `${path}: the header row cannot be read: ${(error as Error).message}`,
      {
        where: `${path}:${header.line}`,
        cause: error,
      },
    );
  }
  return { columns, end: header.end };
}

const cellOf = (text: string, quoted: boolean): Cell => (quoted ? text : castField(text));

/**
 * CSV with a header row, streamed. Lines without quotes are cut at commas by hand — for a CSV model the
 * feature text is sliced out of the line as is, nothing is converted; lines with quotes go through
 * csv-parse. A line with the wrong number of fields becomes that row's error.
 */
export async function openCsvInput(options: InputOptions): Promise<InputSource> {
  const { columns, end: headerEnd } = await readHeader(options.path, options.textEncoding);
  const { features, kept } = resolveColumns(columns, options);
  const size = (await stat(options.path)).size;
  const width = columns.length;
  const featureIdx = indexColumns(columns, features, "feature");
  const labelIdx = options.label === undefined ? -1 : columns.indexOf(options.label);
  const keepIdx = indexColumns(columns, kept, "kept");
  const keepAll = options.keep === "all";
  const first = featureIdx[0] ?? 0;
  const contiguous = featureIdx.every((c, i) => c === first + i);
  const last = first + featureIdx.length - 1;
  const { encoding } = options;
  let position = options.resume?.offset ?? headerEnd;
  // commas[i] = index of the comma before field i (-1 for field 0); commas[width] = line length.
  const commas = new Int32Array(width + 1);

  function fieldsOf(line: string): number {
    commas[0] = -1;
    let n = 1;
    for (let p = line.indexOf(","); p !== -1; p = line.indexOf(",", p + 1)) {
      if (n >= width) return n + 1;
      commas[n++] = p;
    }
    commas[n] = line.length;
    return n;
  }
  const field = (line: string, i: number) => line.slice((commas[i] as number) + 1, commas[i + 1]);

  const raggedError = (got: number, line: number): MlshipError =>
    lineError(line, `the record has ${got} field(s); the header has ${width}`, {
      fields: got,
      expected: width,
    });

  function keepFromCells(cells: readonly Cell[]): unknown {
    if (options.keepAs === "csv") return csvText(keepIdx.map((i) => cells[i] ?? null));
    const out: Record<string, Cell> = {};
    for (let k = 0; k < kept.length; k++) out[kept[k] as string] = cells[keepIdx[k] as number] ?? null;
    return out;
  }

  return {
    columns,
    features,
    kept,
    size,
    totalRows: undefined,
    position: () => position,
    async *batches(): AsyncGenerator<InputBatch> {
      const builder = inputBatchBuilder(options, kept);
      const tooBig = (bytes: number) =>
        new MlshipError("E_PAYLOAD_TOO_LARGE", `The row alone is ${bytes} bytes, over the payload limit`, {
          details: { bytes, maxBytes: options.maxBytes },
        });

      /** A line with quotes (or for non-CSV models): full parse, then encode. */
      function slowRow(line: string, end: number, lineNo: number, cellsKnown?: Cell[]): void {
        let cells: Cell[];
        try {
          cells = cellsKnown ?? splitRecord(line, lineNo, cellOf);
        } catch (error) {
          // Kept columns stay in place, empty: the output keeps its width.
          builder.addError(asRowError(error), undefined, kept.length ? keepFromCells([]) : undefined, end);
          return;
        }
        const label = labelIdx === -1 ? undefined : cells[labelIdx];
        if (cells.length !== width) {
          builder.addError(
            raggedError(cells.length, lineNo),
            label,
            kept.length ? keepFromCells(cells) : undefined,
            end,
          );
          return;
        }
        const keep = kept.length ? keepFromCells(cells) : undefined;
        try {
          let unit: unknown;
          let bytes: number;
          if (encoding.kind === "row") {
            const row: Record<string, Cell> = {};
            for (let i = 0; i < width; i++) row[columns[i] as string] = cells[i] as Cell;
            unit = encoding.encode(row as Row);
            bytes = encoding.bytes(unit);
          } else {
            const values = featureIdx.map((i) => cells[i] as Cell);
            if (encoding.kind === "csv-slice") {
              unit = csvRequestText(values);
              bytes = Buffer.byteLength(unit as string) + 1;
            } else {
              unit = encoding.codec.encode(values);
              bytes = encoding.codec.unitBytes(unit as string);
            }
          }
          if (options.overheadBytes + bytes > options.maxBytes)
            builder.addError(tooBig(bytes), label, keep, end);
          else builder.add(unit as string, bytes, label, keep, end);
        } catch (error) {
          builder.addError(asRowError(error), label, keep, end);
        }
      }

      const slice = encoding.kind === "csv-slice";
      const onRecord = (line: string, end: number, ascii: boolean, quoteFree: boolean, lineNo: number) => {
        position = end;
        const quoted = !quoteFree && line.includes('"');
        if (!slice || quoted) {
          if (quoted) return slowRow(line, end, lineNo);
          // No quotes: split by hand, cast each field (JSON/NPY models, preprocess hooks).
          const n = fieldsOf(line);
          if (n !== width) return slowRow(line, end, lineNo, line.split(",").map(castField));
          const cells = new Array<Cell>(width);
          for (let i = 0; i < width; i++) cells[i] = castField(field(line, i));
          return slowRow(line, end, lineNo, cells);
        }
        const n = fieldsOf(line);
        const label = labelIdx === -1 ? undefined : n > labelIdx ? field(line, labelIdx) : undefined;
        let keep: unknown;
        if (n !== width) {
          // The output stays rectangular: missing fields are empty, extra ones are dropped.
          const parts = line.split(",");
          if (kept.length) {
            keep =
              options.keepAs === "csv"
                ? keepIdx.map((i) => parts[i] ?? "").join(",")
                : keepFromCells(Array.from({ length: width }, (_, i) => castField(parts[i] ?? "")));
          }
          return builder.addError(raggedError(parts.length, lineNo), label, keep, end);
        }
        if (kept.length) {
          if (keepAll && options.keepAs === "csv") keep = line;
          else
            keep =
              options.keepAs === "csv"
                ? keepIdx.map((i) => field(line, i)).join(",")
                : keepFromCells(Array.from({ length: width }, (_, i) => castField(field(line, i))));
        }
        let unit: string;
        if (contiguous) {
          unit =
            first === 0 && last === width - 1
              ? line
              : line.slice((commas[first] as number) + 1, commas[last + 1]);
        } else {
          unit = field(line, featureIdx[0] as number);
          for (let k = 1; k < featureIdx.length; k++) unit += `,${field(line, featureIdx[k] as number)}`;
        }
        const bytes = (ascii ? unit.length : Buffer.byteLength(unit)) + 1;
        if (options.overheadBytes + bytes > options.maxBytes)
          return builder.addError(tooBig(bytes), label, keep, end);
        builder.add(unit, bytes, label, keep, end);
      };

      // ASCII chunks without quotes, nothing kept, contiguous features: fields found in the chunk text itself,
      // one slice per row (the request unit) instead of a line string plus a unit.
      const onLines = (text: string, from: number, to: number, base: number, firstLine: number) => {
        let next = -1; // the next comma at or after the scan point (text.length: none)
        let lineNo = firstLine - 1;
        for (let ls = from; ls < to; ) {
          lineNo++;
          const nl = text.indexOf("\n", ls);
          const end = base + nl + 1 - from;
          let le = nl;
          if (le > ls && text.charCodeAt(le - 1) === 13) le--;
          const lineStart = ls;
          ls = nl + 1;
          if (le === lineStart) continue;
          commas[0] = lineStart - 1;
          let n = 1;
          if (next < lineStart) {
            next = text.indexOf(",", lineStart);
            if (next === -1) next = text.length;
          }
          while (next < le) {
            if (n >= width) {
              n++;
              break;
            }
            commas[n++] = next;
            next = text.indexOf(",", next + 1);
            if (next === -1) next = text.length;
          }
          if (n !== width) {
            onRecord(text.slice(lineStart, le), end, true, true, lineNo);
            continue;
          }
          commas[width] = le;
          position = end;
          const label =
            labelIdx === -1 ? undefined : text.slice((commas[labelIdx] as number) + 1, commas[labelIdx + 1]);
          const unit = text.slice((commas[first] as number) + 1, commas[last + 1]);
          const bytes = unit.length + 1;
          if (options.overheadBytes + bytes > options.maxBytes)
            builder.addError(tooBig(bytes), label, undefined, end);
          else builder.add(unit, bytes, label, undefined, end);
        }
      };

      // Lenient quotes: the line that opens a never-closed quoted field fails alone, the rest stay aligned.
      const onUnterminated = (_line: string, end: number, lineNo: number) => {
        position = end;
        const error = lineError(lineNo, "a quoted field opens here and is never closed properly");
        builder.addError(error, undefined, kept.length ? keepFromCells([]) : undefined, end);
      };
      for await (const _ of readRecords(options.path, onRecord, {
        start: position,
        quotes: true,
        encoding: options.textEncoding,
        onUnterminated: options.lenientQuotes ? onUnterminated : undefined,
        signal: options.signal,
        ...(slice && kept.length === 0 && contiguous ? { onLines } : {}),
      })) {
        while (builder.ready.length) yield builder.ready.shift() as InputBatch;
      }
      builder.end();
      while (builder.ready.length) yield builder.ready.shift() as InputBatch;
    },
  };
}
