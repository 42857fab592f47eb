import { createHash } from "node:crypto";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { isMlshipError } from "@mlship/core";
import { extractTarGz } from "@mlship/core/archive";
import { tempDir } from "@mlship/testing";
import { list as listTar, type ReadEntry } from "tar";
import { describe, expect, it } from "vitest";
import { BUNDLE_MTIME, packSourceDir } from "./source-bundle.js";

function makeSource(root: string): void {
  mkdirSync(path.join(root, "pkg", "sub"), { recursive: true });
  writeFileSync(path.join(root, "train.py"), "print('train')\n");
  writeFileSync(path.join(root, "inference.py"), "def model_fn(d): pass\n");
  writeFileSync(path.join(root, "run.sh"), "#!/bin/sh\necho hi\n");
  chmodSync(path.join(root, "run.sh"), 0o700);
  chmodSync(path.join(root, "train.py"), 0o600);
  writeFileSync(path.join(root, "pkg", "__init__.py"), "");
  writeFileSync(path.join(root, "pkg", "sub", "util.py"), "X = 1\n");
  for (const excluded of [".git", "__pycache__", "node_modules", ".venv", path.join("pkg", "__pycache__")]) {
    mkdirSync(path.join(root, excluded), { recursive: true });
    writeFileSync(path.join(root, excluded, "junk.txt"), "junk");
  }
}

async function entriesOf(file: string) {
  const entries: Array<{
    path: string;
    type: string;
    mode?: number;
    mtime?: Date;
    uid?: number;
    uname?: string;
  }> = [];
  await listTar({
    file,
    onReadEntry: (e: ReadEntry) => {
      entries.push({ path: e.path, type: e.type, mode: e.mode, mtime: e.mtime, uid: e.uid, uname: e.uname });
    },
  });
  return entries;
}

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("packSourceDir", () => {
  it("gives the same bytes twice and after the files' mtimes change", async () => {
    const src = tempDir();
    const out = tempDir();
    makeSource(src);
    const a = await packSourceDir(src, path.join(out, "a.tar.gz"));
    const b = await packSourceDir(src, path.join(out, "b.tar.gz"));
    expect(sha(a.file)).toBe(sha(b.file));
    expect(a.sha256).toBe(sha(a.file));
    expect(a.bytes).toBe(readFileSync(a.file).length);

    const later = new Date(Date.now() + 3_600_000);
    utimesSync(path.join(src, "train.py"), later, later);
    utimesSync(path.join(src, "pkg"), later, later);
    const c = await packSourceDir(src, path.join(out, "c.tar.gz"));
    expect(c.sha256).toBe(a.sha256);

    writeFileSync(path.join(src, "train.py"), "print('changed')\n");
    const d = await packSourceDir(src, path.join(out, "d.tar.gz"));
    expect(d.sha256).not.toBe(a.sha256);
  });

  it("sorts entries, fixes mtime/owner/mode, excludes VCS and caches", async () => {
    const src = tempDir();
    const out = tempDir();
    makeSource(src);
    const bundle = await packSourceDir(src, path.join(out, "sourcedir.tar.gz"));
    const entries = await entriesOf(bundle.file);
    expect(entries.map((e) => e.path)).toEqual([
      "inference.py",
      "pkg/",
      "pkg/__init__.py",
      "pkg/sub/",
      "pkg/sub/util.py",
      "run.sh",
      "train.py",
    ]);
    for (const e of entries) {
      expect(e.mtime?.getTime()).toBe(BUNDLE_MTIME.getTime());
      expect(e.uid ?? 0).toBe(0);
      expect(e.uname ?? "").toBe("");
    }
    const mode = (p: string) => entries.find((e) => e.path === p)?.mode;
    expect(mode("run.sh")).toBe(0o755);
    expect(mode("train.py")).toBe(0o644);
    expect(mode("pkg/")).toBe(0o755);
  });

  it("writes a gzip header without timestamp", async () => {
    const src = tempDir();
    makeSource(src);
    const bundle = await packSourceDir(src, path.join(tempDir(), "s.tar.gz"));
    const bytes = readFileSync(bundle.file);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(bytes.readUInt32LE(4)).toBe(0); // MTIME field
    expect(gunzipSync(bytes).length % 512).toBe(0);
  });

  it("follows symlinks (files and directories) and stores their content", async () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, "shared.py"), "SHARED = True\n");
    mkdirSync(path.join(outside, "lib"));
    writeFileSync(path.join(outside, "lib", "helper.py"), "def h(): pass\n");
    const src = tempDir();
    writeFileSync(path.join(src, "train.py"), "import shared\n");
    symlinkSync(path.join(outside, "shared.py"), path.join(src, "shared.py"));
    symlinkSync(path.join(outside, "lib"), path.join(src, "lib"));
    const bundle = await packSourceDir(src, path.join(tempDir(), "s.tar.gz"));
    const entries = await entriesOf(bundle.file);
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["lib/", "Directory"],
      ["lib/helper.py", "File"],
      ["shared.py", "File"],
      ["train.py", "File"],
    ]);
    const dest = tempDir();
    await extractTarGz(bundle.file, dest);
    expect(readFileSync(path.join(dest, "shared.py"), "utf8")).toBe("SHARED = True\n");
    expect(readFileSync(path.join(dest, "lib", "helper.py"), "utf8")).toBe("def h(): pass\n");
  });

  it("does not pack the bundle into itself when written inside the source dir", async () => {
    const src = tempDir();
    writeFileSync(path.join(src, "train.py"), "x = 1\n");
    const first = await packSourceDir(src, path.join(src, "sourcedir.tar.gz"));
    const second = await packSourceDir(src, path.join(src, "sourcedir.tar.gz"));
    expect(second.sha256).toBe(first.sha256);
    expect((await entriesOf(second.file)).map((e) => e.path)).toEqual(["train.py"]);
  });

  it("packs only the named files with `only`, and refuses names outside the folder", async () => {
    const root = tempDir();
    makeSource(root);
    const out = path.join(tempDir(), "sourcedir.tar.gz");
    await packSourceDir(root, out, { only: ["train.py", "pkg/sub/util.py"] });
    expect((await entriesOf(out)).map((e) => e.path)).toEqual(["pkg/sub/util.py", "train.py"]);
    for (const bad of ["../train.py", "pkg", "missing.py", path.join(tempDir(), "x.py")]) {
      await expect(packSourceDir(root, out, { only: [bad] }), bad).rejects.toMatchObject({
        code: "E_INVALID_INPUT",
      });
    }
  });

  it("refuses a missing directory, a file, a dangling symlink and a symlink loop", async () => {
    const src = tempDir();
    const out = path.join(tempDir(), "s.tar.gz");
    await expect(packSourceDir(path.join(src, "nope"), out)).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
    });
    writeFileSync(path.join(src, "f.py"), "");
    await expect(packSourceDir(path.join(src, "f.py"), out)).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
    });

    const dangling = tempDir();
    symlinkSync(path.join(dangling, "missing.py"), path.join(dangling, "broken.py"));
    const e = await packSourceDir(dangling, out).catch((x: unknown) => x);
    expect(isMlshipError(e) && e.where).toBe(path.join(dangling, "broken.py"));

    const empty = tempDir();
    mkdirSync(path.join(empty, ".git"));
    writeFileSync(path.join(empty, ".git", "HEAD"), "ref");
    await expect(packSourceDir(empty, out)).rejects.toThrow(/nothing to pack/);

    const loop = tempDir();
    mkdirSync(path.join(loop, "a"));
    symlinkSync(loop, path.join(loop, "a", "back"));
    await expect(packSourceDir(loop, out)).rejects.toThrow(/symlink loop at a\/back/);
  });
});

describe("packSourceDir + the hardened extractor", () => {
  it("round-trips a packed source bundle", async () => {
    const src = tempDir();
    mkdirSync(path.join(src, "pkg"));
    writeFileSync(path.join(src, "train.py"), "print(1)\n");
    writeFileSync(path.join(src, "pkg", "a.py"), "A = 2\n");
    linkSync(path.join(src, "pkg", "a.py"), path.join(src, "pkg", "b.py")); // hard link: stored as a copy
    const bundle = await packSourceDir(src, path.join(tempDir(), "s.tar.gz"));
    const types: string[] = [];
    await listTar({
      file: bundle.file,
      onReadEntry: (e: ReadEntry) => void types.push(`${e.path}:${e.type}`),
    });
    expect(types).toEqual(["pkg/:Directory", "pkg/a.py:File", "pkg/b.py:File", "train.py:File"]);
    const dest = tempDir();
    await extractTarGz(bundle.file, dest);
    expect(readFileSync(path.join(dest, "pkg", "b.py"), "utf8")).toBe("A = 2\n");
  });
});
