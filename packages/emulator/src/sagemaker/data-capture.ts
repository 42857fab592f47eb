import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectStore } from "@mlship/core";
import type { DataCaptureConfig } from "./endpoint-features.js";

/** One invocation as the Runtime saw it. */
export interface CapturedInvocation {
  endpointName: string;
  variantName: string;
  config: DataCaptureConfig | undefined;
  input: { body: Buffer; contentType: string };
  output: { body: Buffer; contentType: string };
  inferenceId?: string;
  time: Date;
}

export interface DataCapture {
  /** Samples the invocation at the config's percentage and buffers its record. */
  record(invocation: CapturedInvocation): void;
  /** Writes every buffered record to S3 (one object per endpoint, variant and hour). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Data capture as SageMaker writes it: JSON Lines under
 * `<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-SSS>-<uuid>.jsonl`, one record per sampled
 * invocation with `captureData.endpointInput`/`endpointOutput` (observedContentType, mode, data, encoding),
 * `eventMetadata` (eventId, inferenceId, inferenceTime) and `eventVersion` "0". Like SageMaker, records are
 * buffered and written in batches (every `flushMs`), not one object per request.
 */
export function createDataCapture(objectStore: ObjectStore, workDir: string, flushMs: number): DataCapture {
  const pending = new Map<string, string[]>();
  let writing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  function flush(): Promise<void> {
    const batches = [...pending.entries()];
    pending.clear();
    writing = writing.then(async () => {
      mkdirSync(workDir, { recursive: true });
      for (const [prefix, lines] of batches) {
        const now = new Date();
        const name = `${pad(now.getUTCMinutes())}-${pad(now.getUTCSeconds())}-${String(now.getUTCMilliseconds()).padStart(3, "0")}-${randomUUID()}.jsonl`;
        const file = join(workDir, name);
        writeFileSync(file, `${lines.join("\n")}\n`);
        try {
          await objectStore.upload(file, `${prefix}/${name}`);
        } catch {
          // A destination that cannot be written (no bucket) loses its records, as SageMaker's would.
        } finally {
          rmSync(file, { force: true });
        }
      }
    });
    return writing;
  }

  return {
    record(inv) {
      const config = inv.config;
      if (!config || config.EnableCapture === false) return;
      if (Math.random() * 100 >= config.InitialSamplingPercentage) return;
      const modes = new Set(config.CaptureOptions.map((o) => o.CaptureMode));
      const both = modes.has("InputAndOutput");
      const captureData: Record<string, unknown> = {};
      if (both || modes.has("Input")) captureData.endpointInput = payload(config, "INPUT", inv.input);
      if (both || modes.has("Output")) captureData.endpointOutput = payload(config, "OUTPUT", inv.output);
      const line = JSON.stringify({
        captureData,
        eventMetadata: {
          eventId: randomUUID(),
          ...(inv.inferenceId !== undefined ? { inferenceId: inv.inferenceId } : {}),
          inferenceTime: inv.time.toISOString().replace(/\.\d{3}Z$/, "Z"),
        },
        eventVersion: "0",
      });
      const t = inv.time;
      const prefix = `${config.DestinationS3Uri.replace(/\/+$/, "")}/${inv.endpointName}/${inv.variantName}/${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${pad(t.getUTCHours())}`;
      const lines = pending.get(prefix) ?? [];
      lines.push(line);
      pending.set(prefix, lines);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

function payload(
  config: DataCaptureConfig,
  mode: "INPUT" | "OUTPUT",
  part: { body: Buffer; contentType: string },
): Record<string, string> {
  // The observed type is matched without its parameters (`text/csv; charset=utf-8` is CSV).
  const type = part.contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  // Without CaptureContentTypeHeader SageMaker base64-encodes everything (the Python SDK sends
  // text/csv and application/json for you; the API itself has no default).
  const csv = config.CaptureContentTypeHeader?.CsvContentTypes ?? [];
  const json = config.CaptureContentTypeHeader?.JsonContentTypes ?? [];
  const encoding = csv.includes(type) ? "CSV" : json.includes(type) ? "JSON" : "BASE64";
  return {
    observedContentType: part.contentType,
    mode,
    data: encoding === "BASE64" ? part.body.toString("base64") : part.body.toString("utf8"),
    encoding,
  };
}

const pad = (n: number) => String(n).padStart(2, "0");
