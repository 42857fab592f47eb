import { type JsonPath, parseJsonPath } from "./json-path.js";

/**
 * Batch transform's record handling: how a record is filtered before the model sees it (InputFilter),
 * how the model's answer for a mini-batch is cut back into one answer per record, and how an answer is
 * joined with its input record (JoinSource: Input) and filtered (OutputFilter). CSV records are arrays
 * of fields; JSON records are values, joined as SageMaker documents (`SageMakerOutput`, `SageMakerInput`).
 */
export interface DataProcessing {
  inputFilter?: JsonPath;
  outputFilter?: JsonPath;
  join: boolean;
  /** Input records are CSV lines (ContentType text/csv), else JSON. */
  csvInput: boolean;
  /** The model answers CSV / JSON Lines (one line per record), else one JSON document per request. */
  lineOutput: boolean;
  /** The model answers CSV (fields, not JSON values). */
  csvOutput: boolean;
}

/** The job's DataProcessing member, parsed; throws an Error naming the invalid expression. */
export function dataProcessing(
  spec: { InputFilter?: string; OutputFilter?: string; JoinSource?: string } | undefined,
  contentType: string | undefined,
  accept: string | undefined,
): DataProcessing {
  const path = (text: string | undefined) => (text && text !== "$" ? parseJsonPath(text) : undefined);
  return {
    inputFilter: path(spec?.InputFilter),
    outputFilter: path(spec?.OutputFilter),
    join: spec?.JoinSource === "Input",
    csvInput: mediaType(contentType) === "text/csv",
    ...answerFormat(accept),
  };
}

/** How answers of this media type are cut into records (the container's Content-Type, else the job's Accept). */
export function answerFormat(
  contentType: string | undefined,
): Pick<DataProcessing, "csvOutput" | "lineOutput"> {
  const type = mediaType(contentType);
  return {
    csvOutput: type === "text/csv",
    lineOutput: ["text/csv", "application/jsonlines", "application/x-jsonlines"].includes(type),
  };
}

/** Whether answers must be cut into one per record (joining or filtering them). */
export const perRecordOutput = (dp: DataProcessing): boolean => dp.join || dp.outputFilter !== undefined;

/** The record as the model receives it. */
export function filterInput(dp: DataProcessing, record: string): string {
  if (!dp.inputFilter) return record;
  if (dp.csvInput) return csvLine(asFields(dp.inputFilter.select(csvFields(record))));
  return JSON.stringify(dp.inputFilter.select(JSON.parse(record)));
}

/** One answer per record of a mini-batch of `count` records; throws when the answer does not split so. */
export function splitAnswer(dp: DataProcessing, body: string, count: number): string[] {
  if (dp.lineOutput) {
    const lines = body.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    if (lines.at(-1) === "") lines.pop();
    if (lines.length !== count) {
      throw new Error(`The model answered ${lines.length} lines for a mini-batch of ${count} records.`);
    }
    return lines;
  }
  if (count === 1) return [body.trim()];
  const value: unknown = JSON.parse(body);
  if (!Array.isArray(value) || value.length !== count) {
    throw new Error(
      `The model answered ${Array.isArray(value) ? `${value.length} values` : "one JSON value"} for a mini-batch of ${count} records.`,
    );
  }
  return value.map((v) => JSON.stringify(v));
}

/** The output record: the answer, joined with its input record and filtered as the job asks. */
export function outputRecord(dp: DataProcessing, input: string, answer: string): string {
  if (dp.csvInput) {
    const answerFields = dp.csvOutput ? csvFields(answer) : [answer];
    const joined = dp.join ? [...csvFields(input), ...answerFields] : answerFields;
    return csvLine(asFields(dp.outputFilter ? dp.outputFilter.select(joined) : joined));
  }
  const out: unknown = dp.csvOutput ? answer : JSON.parse(answer);
  let joined: unknown = out;
  if (dp.join) {
    const record: unknown = JSON.parse(input);
    joined =
      typeof record === "object" && record !== null && !Array.isArray(record)
        ? { ...record, SageMakerOutput: out }
        : { SageMakerInput: record, SageMakerOutput: out };
  }
  return JSON.stringify(dp.outputFilter ? dp.outputFilter.select(joined) : joined);
}

/** RFC 4180 fields of one CSV line, as their text. */
export function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  if (quoted) throw new Error("Unterminated quoted field in CSV record");
  fields.push(field);
  return fields;
}

function csvLine(fields: readonly unknown[]): string {
  return fields
    .map((f) => {
      const text = typeof f === "string" ? f : JSON.stringify(f);
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(",");
}

const asFields = (selected: unknown): unknown[] => (Array.isArray(selected) ? selected : [selected]);

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
