import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp.js";

describe("tempDir", () => {
  let previous: string | undefined;

  it("creates a fresh directory", () => {
    previous = tempDir("mlship-temp-test-");
    expect(existsSync(previous)).toBe(true);
    writeFileSync(join(previous, "f.txt"), "x");
    expect(tempDir()).not.toBe(previous);
  });

  it("removed the previous test's directory when that test finished", () => {
    expect(previous).toBeDefined();
    expect(existsSync(previous as string)).toBe(false);
  });
});
