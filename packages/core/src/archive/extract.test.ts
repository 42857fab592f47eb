import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { Header } from "tar";
import { describe, expect, it } from "vitest";
import { isMlshipError } from "../errors.js";
import { extractTarGz } from "./extract.js";

const tempDir = () => mkdtempSync(path.join(tmpdir(), "mlship-extract-"));

interface CraftedEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link" | "FIFO" | "CharacterDevice";
  body?: string;
  linkpath?: string;
  /** Declared size, when it should differ from the body (never for real archives). */
  size?: number;
}

/** Builds a tar.gz byte by byte, so we can write what no well-behaved packer would. */
function craftTarGz(entries: CraftedEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    const header = new Header({
      path: e.path,
      type: e.type ?? "File",
      size: e.type === undefined || e.type === "File" ? body.length : 0,
      mode: e.type === "Directory" ? 0o755 : 0o644,
      mtime: new Date(0),
      linkpath: e.linkpath ?? "",
    });
    const block = Buffer.alloc(512);
    header.encode(block);
    blocks.push(block);
    if (body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function archive(entries: CraftedEntry[]): string {
  const file = path.join(tempDir(), "crafted.tar.gz");
  writeFileSync(file, craftTarGz(entries));
  return file;
}

async function refused(file: string, options?: { maxBytes?: number; maxEntries?: number }) {
  const parent = tempDir();
  const dest = path.join(parent, "out");
  const error = await extractTarGz(file, dest, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMlshipError(error), String(error)).toBe(true);
  // Refused before writing anything: not even the destination directory exists, nor anything next to it.
  expect(existsSync(dest)).toBe(false);
  expect(readdirSync(parent)).toEqual([]);
  return error as Error & { code: string; where?: string };
}

describe("extractTarGz", () => {
  it("extracts files, directories and links that stay inside", async () => {
    const file = archive([
      { path: "model/", type: "Directory" },
      { path: "model/model.joblib", body: "weights" },
      { path: "model/latest", type: "SymbolicLink", linkpath: "model.joblib" },
      { path: "model/up", type: "SymbolicLink", linkpath: "../model/model.joblib" },
      { path: "copy.joblib", type: "Link", linkpath: "model/model.joblib" },
      { path: "./notes/readme.txt", body: "hello" },
    ]);
    const dest = tempDir();
    const files = await extractTarGz(file, dest);
    expect(files).toEqual([
      path.join(dest, "model/model.joblib"),
      path.join(dest, "model/latest"),
      path.join(dest, "model/up"),
      path.join(dest, "copy.joblib"),
      path.join(dest, "notes/readme.txt"),
    ]);
    expect(readFileSync(path.join(dest, "model/latest"), "utf8")).toBe("weights");
    expect(lstatSync(path.join(dest, "model/latest")).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dest, "copy.joblib"), "utf8")).toBe("weights");
    expect(readFileSync(path.join(dest, "notes/readme.txt"), "utf8")).toBe("hello");
  });

  it("refuses absolute paths", async () => {
    const e = await refused(
      archive([
        { path: "ok.txt", body: "1" },
        { path: "/tmp/evil.txt", body: "x" },
      ]),
    );
    expect(e.message).toMatch(/absolute path \/tmp\/evil.txt/);
    expect(e.where).toMatch(/\/tmp\/evil.txt$/);
  });

  it("refuses .. in paths, even when it would land inside", async () => {
    await refused(archive([{ path: "../escape.txt", body: "x" }]));
    const e = await refused(archive([{ path: "a/../b.txt", body: "x" }]));
    expect(e.message).toMatch(/contains "\.\."/);
  });

  it("refuses symlinks that escape, directly or through other links", async () => {
    await refused(archive([{ path: "etc", type: "SymbolicLink", linkpath: "/etc" }]));
    await refused(archive([{ path: "up", type: "SymbolicLink", linkpath: "../outside" }]));
    await refused(archive([{ path: "a/b/up", type: "SymbolicLink", linkpath: "../../.." }]));
    // "here" -> "." is harmless alone, but "here/.." is the parent of the target directory.
    const e = await refused(
      archive([
        { path: "here", type: "SymbolicLink", linkpath: "." },
        { path: "x", type: "SymbolicLink", linkpath: "here/.." },
      ]),
    );
    expect(e.message).toMatch(/symlink x -> here\/\.\. escapes/);
  });

  it("refuses entries written through a symlink", async () => {
    const e = await refused(
      archive([
        { path: "d", type: "SymbolicLink", linkpath: "sub" },
        { path: "d/file.txt", body: "x" },
      ]),
    );
    expect(e.message).toMatch(/below the symlink d/);
  });

  it("refuses hard links that escape or point at nothing in the archive", async () => {
    await refused(archive([{ path: "h", type: "Link", linkpath: "../../etc/passwd" }]));
    await refused(archive([{ path: "h", type: "Link", linkpath: "/etc/passwd" }]));
    const e = await refused(archive([{ path: "h", type: "Link", linkpath: "not-in-archive" }]));
    expect(e.message).toMatch(/does not point to a file in the archive/);
  });

  it("refuses devices and FIFOs", async () => {
    const e = await refused(archive([{ path: "fifo", type: "FIFO" }]));
    expect(e.message).toMatch(/fifo is a FIFO/);
  });

  it("refuses archives over the size or entry limit", async () => {
    const big = archive([
      { path: "a.bin", body: "x".repeat(600) },
      { path: "b.bin", body: "y".repeat(600) },
    ]);
    const e = await refused(big, { maxBytes: 1000 });
    expect(e.message).toMatch(/more than 1000 bytes/);
    await refused(big, { maxEntries: 1 });
    const dest = tempDir();
    expect(await extractTarGz(big, dest, { maxBytes: 1200 })).toHaveLength(2);
  });

  it("reports a corrupt or missing archive clearly", async () => {
    const file = path.join(tempDir(), "bad.tar.gz");
    writeFileSync(file, gzipSync(Buffer.from("this is not a tar archive".repeat(40))));
    const e = await refused(file);
    expect(e.code).toBe("E_INVALID_INPUT");
    const missing = await refused(path.join(tempDir(), "missing.tar.gz"));
    expect(missing.code).toBe("E_NOT_FOUND");
  });
});
