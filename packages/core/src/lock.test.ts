import { mkdtempSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isMlshipError } from "./errors.js";
import { acquireFileLock } from "./lock.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "mlship-lock-"));

describe("acquireFileLock", () => {
  it("names the holder's pid when it finds the lock created but not yet filled", async () => {
    const path = join(tempDir(), "x.lock");
    writeFileSync(path, ""); // the holder's O_EXCL create, before its write
    const holder = {
      pid: process.pid,
      host: hostname(),
      what: "deploying x",
      since: new Date().toISOString(),
    };
    setTimeout(() => void writeFile(path, JSON.stringify(holder)), 30);
    const error = await acquireFileLock(path, "deploying x").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMlshipError(error) && error.code).toBe("E_CONFLICT");
    expect((error as Error).message).toContain(`pid ${process.pid}`);
  });

  it("still refuses a lock file that never becomes readable, without naming a holder", async () => {
    const path = join(tempDir(), "y.lock");
    writeFileSync(path, "not json");
    await expect(acquireFileLock(path, "scoring")).rejects.toMatchObject({
      code: "E_CONFLICT",
      message: `Another process holds the lock ${path}`,
    });
  });

  it("takes a free lock and releases it", async () => {
    const path = join(tempDir(), "z.lock");
    const lock = await acquireFileLock(path, "scoring");
    await lock.release();
    await (await acquireFileLock(path, "scoring again")).release();
  });
});
