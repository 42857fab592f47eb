import { stat } from "node:fs/promises";
import { MlshipError } from "@mlship/core";
import { type InputBatch, inputBatchBuilder } from "./batch.js";
import { readRecords } from "./lines.js";
import { recordAdder } from "./records.js";
import type { InputOptions, InputSource } from "./source.js";
import { resolveColumns } from "./source.js";

const parseLine = (line: string, lineNo: number): unknown => {
  try {
    return JSON.parse(line);
  } catch (error) {
    return new MlshipError("E_INVALID_INPUT", `Line ${lineNo}: invalid JSON: ${(error as Error).message}`, {
      cause: error,
      where: `line ${lineNo}`,
      details: { line: lineNo },
    });
  }
};

async function firstObject(path: string, encoding: string | undefined): Promise<Record<string, unknown>> {
  let found: unknown;
  for await (const _ of readRecords(
    path,
    (line, _end, _ascii, _quoteFree, lineNo) => {
      if (found === undefined) found = parseLine(line, lineNo);
    },
    { highWaterMark: 64 * 1024, encoding },
  )) {
    if (found !== undefined) break;
  }
  if (found === undefined || found === null || typeof found !== "object" || Array.isArray(found)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `${path}: the first JSON line must be an object of feature values`,
      found instanceof Error ? { where: path, cause: found } : { where: path },
    );
  }
  return found as Record<string, unknown>;
}

/** JSON Lines, one object per line; columns are the first object's keys. */
export async function openJsonlInput(options: InputOptions): Promise<InputSource> {
  const columns = Object.keys(await firstObject(options.path, options.textEncoding));
  const { features, kept } = resolveColumns(columns, options);
  const size = (await stat(options.path)).size;
  let position = options.resume?.offset ?? 0;
  return {
    columns,
    features,
    kept,
    size,
    totalRows: undefined,
    position: () => position,
    async *batches(): AsyncGenerator<InputBatch> {
      const builder = inputBatchBuilder(options, kept);
      const add = recordAdder(options, features, kept, builder);
      const onRecord = (line: string, end: number, _ascii: boolean, _quoteFree: boolean, lineNo: number) => {
        position = end;
        add(parseLine(line, lineNo), end);
      };
      for await (const _ of readRecords(options.path, onRecord, {
        start: position,
        encoding: options.textEncoding,
        signal: options.signal,
      })) {
        while (builder.ready.length) yield builder.ready.shift() as InputBatch;
      }
      builder.end();
      while (builder.ready.length) yield builder.ready.shift() as InputBatch;
    },
  };
}
