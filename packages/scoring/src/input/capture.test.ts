import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mlshipRejection, tempDir } from "@mlship/testing";
import { describe, expect, it } from "vitest";
import { captureToDataset } from "./capture.js";

/** A record as SageMaker data capture writes it. */
const record = (input: object, output: object | undefined, eventId: string) =>
  JSON.stringify({
    captureData: { endpointInput: input, ...(output ? { endpointOutput: output } : {}) },
    eventMetadata: { eventId, inferenceTime: "2026-12-06T12:00:00Z" },
    eventVersion: "0",
  });

describe("captureToDataset", () => {
  it("reads CSV, JSON and base64 captured requests under the hour folders into named rows with the old answers", async () => {
    const dir = tempDir();
    const hour = join(dir, "AllTraffic", "2026", "12", "06", "12");
    mkdirSync(hour, { recursive: true });
    writeFileSync(
      join(hour, "00-01-000-a.jsonl"),
      [
        record(
          { observedContentType: "text/csv", mode: "INPUT", data: "1,2\n3,4", encoding: "CSV" },
          { observedContentType: "application/json", mode: "OUTPUT", data: "[0.1,0.9]", encoding: "JSON" },
          "e1",
        ),
        record(
          {
            observedContentType: "application/json",
            mode: "INPUT",
            data: '{"instances":[[5,6]]}',
            encoding: "JSON",
          },
          { observedContentType: "text/csv; charset=utf-8", mode: "OUTPUT", data: "0.5", encoding: "CSV" },
          "e2",
        ),
      ].join("\n"),
    );
    writeFileSync(
      join(hour, "00-02-000-b.jsonl"),
      `${record({ observedContentType: "text/csv", mode: "INPUT", data: Buffer.from("7,8").toString("base64"), encoding: "BASE64" }, undefined, "e3")}\n`,
    );
    const out = join(tempDir(), "captured.jsonl");
    expect(await captureToDataset(dir, out, ["a", "b"])).toEqual({ rows: 4, files: 2 });
    expect(
      readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        a: 1,
        b: 2,
        capture_event_id: "e1",
        capture_inference_time: "2026-12-06T12:00:00Z",
        captured_output: 0.1,
      },
      {
        a: 3,
        b: 4,
        capture_event_id: "e1",
        capture_inference_time: "2026-12-06T12:00:00Z",
        captured_output: 0.9,
      },
      {
        a: 5,
        b: 6,
        capture_event_id: "e2",
        capture_inference_time: "2026-12-06T12:00:00Z",
        captured_output: 0.5,
      },
      {
        a: 7,
        b: 8,
        capture_event_id: "e3",
        capture_inference_time: "2026-12-06T12:00:00Z",
        captured_output: null,
      },
    ]);
  });

  it("names the file and line of what it cannot score", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "x.jsonl"),
      `${record({ observedContentType: "text/csv", data: "1,2,3", encoding: "CSV" }, undefined, "e")}\n`,
    );
    const out = join(tempDir(), "o.jsonl");
    const wrongCount = await mlshipRejection(captureToDataset(dir, out, ["a", "b"]));
    expect(wrongCount).toMatchObject({ code: "E_INVALID_INPUT", where: `${join(dir, "x.jsonl")}:1` });
    expect((await mlshipRejection(captureToDataset(dir, out, []))).code).toBe("E_USAGE");
    expect((await mlshipRejection(captureToDataset(tempDir(), out, ["a"]))).message).toMatch(
      /No data capture files/,
    );
    writeFileSync(join(dir, "x.jsonl"), '{"captureData":{"endpointOutput":{"data":"1"}}}\n');
    expect((await mlshipRejection(captureToDataset(dir, out, ["a"]))).message).toMatch(
      /captured no endpointInput/,
    );
  });
});
