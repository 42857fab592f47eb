import { describe, expect, it } from "vitest";
import { convertedName, fileKind } from "./data-files.js";
import { needsConversion } from "./stager.js";

describe("data files", () => {
  it("knows the supported extensions, case-insensitively", () => {
    expect(fileKind("train.CSV")).toBe("csv");
    expect(fileKind("a/b/part-0.json.gz")).toBe("json.gz");
    expect(fileKind("x.jsonl")).toBe("jsonl");
    expect(fileKind("x.parquet")).toBe("parquet");
    expect(fileKind("x.txt")).toBe("txt");
    expect(fileKind("x.csv.gz")).toBeUndefined();
    expect(fileKind("x.xlsx")).toBeUndefined();
    expect(fileKind("README")).toBeUndefined();
  });

  it("names converted files after their source", () => {
    expect(convertedName("sub/train.json.gz", "json.gz", "csv")).toBe("sub/train.csv");
    expect(convertedName("t.parquet", "parquet", "jsonl")).toBe("t.jsonl");
  });

  it("converts only when the options ask for something the file is not", () => {
    expect(needsConversion("csv", { channel: "c" })).toBe(false);
    expect(needsConversion("csv", { channel: "c", format: "csv", header: true })).toBe(false);
    expect(needsConversion("csv", { channel: "c", header: false })).toBe(true);
    expect(needsConversion("csv", { channel: "c", format: "jsonl" })).toBe(true);
    expect(needsConversion("jsonl", { channel: "c", header: false })).toBe(false);
    expect(needsConversion("jsonl", { channel: "c", labelColumn: "y" })).toBe(true);
    expect(needsConversion("json", { channel: "c" })).toBe(false);
    expect(needsConversion("json", { channel: "c", format: "jsonl" })).toBe(true);
    expect(needsConversion("parquet", { channel: "c", format: "csv" })).toBe(true);
    expect(needsConversion("txt", { channel: "c" })).toBe(false);
  });
});
