import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createContext } from "./context.js";
import type { CliIO } from "./io.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-cli-context-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(): CliIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d;
  });
  stderr.on("data", (d: Buffer) => {
    err += d;
  });
  return { stdout, stderr, env: {}, cwd: dir, out: () => out, err: () => err };
}

describe("printing a command's result", () => {
  it("--quiet prints the result alone: no events, but the result itself", () => {
    const streams = io();
    const ctx = createContext(streams, { quiet: true }, new AbortController().signal);
    ctx.events({ type: "log", level: "info", message: "working" });
    ctx.print({ answer: 1 }, () => "0.93\n");
    expect(streams.out()).toBe("0.93\n");
    expect(streams.err()).toBe("");
  });

  it("--json prints the result as JSON, whatever --quiet says", () => {
    const streams = io();
    createContext(streams, { quiet: true, json: true }, new AbortController().signal).print(
      { answer: 1 },
      () => "human\n",
    );
    expect(JSON.parse(streams.out())).toEqual({ answer: 1 });
  });
});
