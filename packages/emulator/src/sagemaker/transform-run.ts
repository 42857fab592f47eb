import { createReadStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { type Agent, request } from "node:http";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import {
  answerFormat,
  type DataProcessing,
  filterInput,
  outputRecord,
  perRecordOutput,
  splitAnswer,
} from "./data-processing.js";

/** How one instance feeds a file to its model server (the job's settings). */
export interface FileTransform {
  serverUrl: string;
  agent: Agent;
  contentType?: string;
  accept?: string;
  splitLines: boolean;
  multiRecord: boolean;
  /** 0: no limit (SageMaker streams the payload then). */
  maxPayloadBytes: number;
  maxConcurrent: number;
  assembleLines: boolean;
  dataProcessing: DataProcessing;
  timeoutMs: number;
  retries: number;
  signal: AbortSignal;
  /** Per-record trouble, for the instance's data log. */
  dataLog(message: string): void;
}

/** Thrown when a file cannot be transformed; the message says which record and why. */
export class RecordError extends Error {
  override name = "RecordError";
}

interface MiniBatch {
  records: string[];
  /** What the model receives: the filtered records, one per line. */
  body: Buffer;
  firstRecord: number;
}

/**
 * Transforms one input file into `outFile`: records split by line, filtered, batched up to the payload
 * limit (MultiRecord) or one per request (SingleRecord), `maxConcurrent` requests in flight, answers
 * written in input order, joined and filtered per record when asked. Throws RecordError on a record the
 * model rejects (the caller then writes no output for this file, as SageMaker does).
 */
export async function transformFile(t: FileTransform, inFile: string, outFile: string): Promise<number> {
  await mkdir(dirname(outFile), { recursive: true });
  const out = await open(outFile, "w");
  const inflight: Array<Promise<string>> = [];
  let records = 0;
  try {
    const drainOne = async () => out.write(await (inflight.shift() as Promise<string>));
    for await (const batch of miniBatches(t, inFile)) {
      if (t.signal.aborted) throw t.signal.reason;
      records += batch.records.length;
      const answer = invoke(t, batch).then((body) => assemble(t, batch, body));
      answer.catch(() => {}); // awaited in order below; an early rejection must not go unhandled
      inflight.push(answer);
      if (inflight.length >= t.maxConcurrent) await drainOne();
    }
    while (inflight.length > 0) await drainOne();
  } finally {
    await out.close();
  }
  return records;
}

async function* miniBatches(t: FileTransform, inFile: string): AsyncGenerator<MiniBatch> {
  const stream = createReadStream(inFile);
  if (!t.splitLines) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    checkSize(t, body.length, 0);
    yield { records: [body.toString("utf8")], body, firstRecord: 0 };
    return;
  }
  let records: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  let index = 0;
  let first = 0;
  const flush = (): MiniBatch => {
    const batch = { records, body: Buffer.from(`${parts.join("\n")}\n`), firstRecord: first };
    records = [];
    parts = [];
    bytes = 0;
    return batch;
  };
  for await (const raw of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    const line = raw as string;
    if (line.trim() === "") continue;
    let filtered: string;
    try {
      filtered = filterInput(t.dataProcessing, line);
    } catch (error) {
      throw new RecordError(`Record ${index + 1}: InputFilter failed: ${(error as Error).message}`);
    }
    const size = Buffer.byteLength(filtered) + 1;
    checkSize(t, size, index);
    if (
      records.length > 0 &&
      (!t.multiRecord || (t.maxPayloadBytes > 0 && bytes + size > t.maxPayloadBytes))
    ) {
      yield flush();
    }
    if (records.length === 0) first = index;
    records.push(line);
    parts.push(filtered);
    bytes += size;
    index++;
  }
  if (records.length > 0) yield flush();
}

function checkSize(t: FileTransform, size: number, index: number): void {
  if (t.maxPayloadBytes > 0 && size > t.maxPayloadBytes) {
    throw new RecordError(
      `Record ${index + 1} is ${size} bytes, larger than MaxPayloadInMB (${t.maxPayloadBytes / 1024 / 1024} MB).`,
    );
  }
}

/** The answer for a mini-batch, as it goes into the output file. */
function assemble(t: FileTransform, batch: MiniBatch, answer: Answer): string {
  const { body } = answer;
  const sep = t.assembleLines ? "\n" : "";
  if (!perRecordOutput(t.dataProcessing)) return !sep || body.endsWith("\n") ? body : body + sep;
  // Cut as the container says it answered (a model may answer JSON whatever the Accept).
  const dp = answer.contentType
    ? { ...t.dataProcessing, ...answerFormat(answer.contentType) }
    : t.dataProcessing;
  let answers: string[];
  try {
    answers = splitAnswer(dp, body, batch.records.length);
  } catch (error) {
    throw new RecordError(`Records ${range(batch)}: ${(error as Error).message}`);
  }
  let text = "";
  for (let i = 0; i < answers.length; i++) {
    try {
      text += outputRecord(dp, batch.records[i] as string, answers[i] as string) + sep;
    } catch (error) {
      throw new RecordError(
        `Record ${batch.firstRecord + i + 1}: OutputFilter failed: ${(error as Error).message}`,
      );
    }
  }
  return text;
}

const range = (b: MiniBatch) => `${b.firstRecord + 1}-${b.firstRecord + b.records.length}`;

interface Answer {
  body: string;
  contentType?: string;
}

async function invoke(t: FileTransform, batch: MiniBatch): Promise<Answer> {
  let last = "";
  for (let attempt = 0; attempt <= t.retries; attempt++) {
    if (t.signal.aborted) throw t.signal.reason;
    const answer = await post(t, batch.body).catch((error: Error) => ({
      status: 0,
      body: error.message,
      contentType: undefined,
    }));
    if (answer.status >= 200 && answer.status < 300) return answer;
    last = answer.status
      ? `Bad HTTP status received from algorithm: ${answer.status}: ${answer.body.slice(0, 500)}`
      : `Could not reach the model server: ${answer.body}`;
    t.dataLog(`Records ${range(batch)}, attempt ${attempt + 1}: ${last}`);
  }
  throw new RecordError(`Records ${range(batch)}: ${last}`);
}

function post(t: FileTransform, body: Buffer): Promise<Answer & { status: number }> {
  const headers: Record<string, string | number> = { "content-length": body.length };
  if (t.contentType) headers["content-type"] = t.contentType;
  if (t.accept) headers.accept = t.accept;
  const signal = AbortSignal.any([t.signal, AbortSignal.timeout(t.timeoutMs)]);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL("/invocations", t.serverUrl),
      { method: "POST", headers, agent: t.agent, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 502,
            body: Buffer.concat(chunks).toString("utf8"),
            contentType: res.headers["content-type"],
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
