import { extname } from "node:path";
import { MlshipError } from "@mlship/core";
import type { OutputFormat } from "../output.js";
import type { InputFormat } from "./units.js";

export function inputFormat(path: string, format: InputFormat | undefined): InputFormat {
  if (path.toLowerCase().endsWith(".gz")) {
    // Resume seeks to a byte offset, which a gzip stream cannot do.
    throw new MlshipError("E_INVALID_INPUT", `${path} is compressed; the scorer reads plain files`, {
      where: path,
      hint: "Decompress it first (gunzip -k).",
    });
  }
  if (format) return format;
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  return "csv";
}

export function outputFormat(path: string | undefined, format: OutputFormat | undefined): OutputFormat {
  if (format) return format;
  const ext = path ? extname(path).toLowerCase() : "";
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  return ext === ".jsonl" || ext === ".ndjson" ? "jsonl" : "csv";
}
