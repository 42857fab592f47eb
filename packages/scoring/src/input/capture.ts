import { createWriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { type Cell, decodeCsv, MlshipError } from "@mlship/core";

/** The columns a captured dataset carries besides the features, for comparing a new score with the old. */
export const CAPTURE_COLUMNS = ["capture_event_id", "capture_inference_time", "captured_output"] as const;

interface CapturePayload {
  observedContentType?: string;
  data?: string;
  encoding?: string;
}

interface CaptureRecord {
  captureData?: { endpointInput?: CapturePayload; endpointOutput?: CapturePayload };
  eventMetadata?: { eventId?: string; inferenceTime?: string };
}

export interface CaptureDataset {
  /** Rows written (a captured request may hold several). */
  rows: number;
  /** Capture files read. */
  files: number;
}

/**
 * Turns SageMaker data capture (the JSON Lines files under `<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/`,
 * copied to a local folder) into a JSON Lines dataset `score` reads: one object per captured row with the
 * features named `features` (captured CSV has no header), plus the capture's event id, time and the answer the
 * model gave then (`captured_output`; per row when the answer is a list of one value per row). Records
 * without a captured input (Output-only capture) are refused: there is nothing to score.
 */
export async function captureToDataset(
  dir: string,
  out: string,
  features: readonly string[],
): Promise<CaptureDataset> {
  if (features.length === 0) {
    throw new MlshipError("E_USAGE", "Scoring captured traffic needs the feature names", {
      where: "--features",
      hint: "Captured CSV has no header: pass --features in the order the model expects.",
    });
  }
  const files = (await listJsonl(dir)).sort();
  if (files.length === 0) {
    throw new MlshipError("E_INVALID_INPUT", `No data capture files (*.jsonl) under ${dir}`, {
      where: dir,
      hint: "Copy the capture prefix first, e.g. aws s3 cp --recursive s3://<bucket>/<prefix>/<endpoint>/ ./capture/",
    });
  }
  const stream = createWriteStream(out);
  let rows = 0;
  for (const file of files) {
    const lines = (await readFile(file, "utf8")).split("\n");
    for (const [i, line] of lines.entries()) {
      if (line.trim() === "") continue;
      const where = `${file}:${i + 1}`;
      const record = parseRecord(line, where);
      const input = record.captureData?.endpointInput;
      if (!input) {
        throw new MlshipError("E_INVALID_INPUT", `${where}: the record captured no endpointInput`, {
          where,
          hint: "Capture with CaptureMode Input (mlship deploy --capture does) to score captured traffic later.",
        });
      }
      const inputs = payloadRows(input, where);
      const outputs = outputPerRow(record.captureData?.endpointOutput, inputs.length);
      for (const [j, cells] of inputs.entries()) {
        if (cells.length !== features.length) {
          throw new MlshipError(
            "E_INVALID_INPUT",
            `${where}: a captured row has ${cells.length} values, --features names ${features.length}`,
            { where },
          );
        }
        const row: Record<string, unknown> = Object.fromEntries(features.map((f, k) => [f, cells[k]]));
        row.capture_event_id = record.eventMetadata?.eventId ?? null;
        row.capture_inference_time = record.eventMetadata?.inferenceTime ?? null;
        row.captured_output = outputs[j] ?? null;
        if (!stream.write(`${JSON.stringify(row)}\n`))
          await new Promise<void>((r) => stream.once("drain", () => r()));
        rows++;
      }
    }
  }
  stream.end();
  await finished(stream);
  return { rows, files: files.length };
}

async function listJsonl(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith(".jsonl"))
      .map((e) => join(e.parentPath, e.name));
  } catch (cause) {
    throw new MlshipError(
      "E_NOT_FOUND",
      `Cannot read the capture folder ${dir}: ${(cause as Error).message}`,
      { where: dir, cause },
    );
  }
}

function parseRecord(line: string, where: string): CaptureRecord {
  try {
    return JSON.parse(line) as CaptureRecord;
  } catch (cause) {
    throw new MlshipError("E_INVALID_INPUT", `${where}: not a data capture record (invalid JSON)`, {
      where,
      cause,
    });
  }
}

/** The payload's text: CSV and JSON are stored as text, anything else base64. */
function payloadText(p: CapturePayload): string {
  return p.encoding === "BASE64" ? Buffer.from(p.data ?? "", "base64").toString("utf8") : (p.data ?? "");
}

/** Rows of values from a captured request, by its observed content type. */
function payloadRows(p: CapturePayload, where: string): Cell[][] {
  const type = (p.observedContentType ?? "").split(";", 1)[0]?.trim().toLowerCase();
  const text = payloadText(p);
  if (type === "text/csv") return decodeCsv(text);
  if (type === "application/json" || type === "application/jsonlines") {
    const parsed =
      type === "application/json"
        ? JSON.parse(text)
        : text
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
    const rows = (parsed as { instances?: unknown }).instances ?? parsed;
    if (Array.isArray(rows) && rows.every(Array.isArray)) return rows as Cell[][];
    if (Array.isArray(rows)) return [rows as Cell[]];
  }
  throw new MlshipError(
    "E_INVALID_INPUT",
    `${where}: captured input of type ${p.observedContentType ?? "unknown"} cannot be read as rows`,
    {
      where,
      hint: "Captured text/csv and JSON arrays (or {instances: [...]}) can be scored.",
    },
  );
}

/** The model's captured answer for each row when it is a list of one value per row, else the whole answer. */
function outputPerRow(p: CapturePayload | undefined, rows: number): Array<unknown> {
  if (!p) return [];
  const text = payloadText(p).trim();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text.includes("\n") ? text.split("\n") : text;
  }
  if (Array.isArray(parsed) && parsed.length === rows) return parsed;
  if (rows === 1) return [parsed];
  return Array.from({ length: rows }, () => (typeof parsed === "string" ? parsed : JSON.stringify(parsed)));
}
