import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DataRef } from "@mlship/core";
import { afterAll, describe, expect, it } from "vitest";
import { endpointOrigin, StagingRecords } from "./staged-data.js";

const root = mkdtempSync(join(tmpdir(), "mlship-staged-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ref = (channel: string, file = "data.csv"): DataRef => ({
  uri: `s3://b/mlship-data/job-1/${channel}/`,
  channel,
  contentType: "text/csv",
  bytes: 10,
  sha256: "0".repeat(64),
  objects: [`s3://b/mlship-data/job-1/${channel}/${file}`],
});

describe("StagingRecords", () => {
  const records = new StagingRecords({ MLSHIP_STATE_DIR: root });
  const entry = { job: "job-1", kind: "training" as const, target: "sagemaker" };

  it("adds each channel to the job's record, a re-staged channel replacing its entry, readable by a later run", () => {
    records.add(entry, ref("train"));
    records.add(entry, ref("test"));
    records.add(entry, ref("train", "again.csv"));
    const later = new StagingRecords({ MLSHIP_STATE_DIR: root }).read("job-1");
    expect(later?.refs.map((r) => r.objects[0])).toEqual([
      "s3://b/mlship-data/job-1/test/data.csv",
      "s3://b/mlship-data/job-1/train/again.csv",
    ]);
    expect(readdirSync(join(root, "staged"))).toEqual(["job-1.json"]); // no temporary file left behind
  });

  it("starts a fresh record when the job's data was already cleaned up", () => {
    const before = records.read("job-1");
    records.write({ ...(before as NonNullable<typeof before>), cleanedAt: "2026-12-06T15:00:00.000Z" });
    records.add(entry, ref("valid"));
    const after = records.read("job-1");
    expect(after?.cleanedAt).toBeUndefined();
    expect(after?.refs.map((r) => r.channel)).toEqual(["valid"]);
  });

  it("keeps a name that is not a plain job name inside its folder, and says which record is damaged", () => {
    records.add({ ...entry, job: "../escape" }, ref("train"));
    expect(readdirSync(root).sort()).toEqual(["staged"]);
    expect(records.read("../escape")?.job).toBe("../escape");
    mkdirSync(join(root, "staged"), { recursive: true });
    writeFileSync(join(root, "staged", "broken.json"), "{ not json");
    expect(() => records.read("broken")).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    expect(records.read("never-staged")).toBeUndefined();
  });

  it("records an endpoint as its origin only: no credentials, no path", () => {
    expect(endpointOrigin("http://user:secret@127.0.0.1:4566/some/path")).toBe("http://127.0.0.1:4566");
    expect(endpointOrigin(undefined)).toBeUndefined();
    expect(endpointOrigin("not a url")).toBeUndefined();
  });
});
