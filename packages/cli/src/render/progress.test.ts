import { PassThrough } from "node:stream";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { createEventRenderer } from "./events.js";
import { createProgressBars } from "./progress.js";

/** A stream that says it is a terminal, so cli-progress draws bars on it. */
function fakeTerminal() {
  const ok = () => true;
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    columns: 100,
    cursorTo: ok,
    moveCursor: ok,
    clearLine: ok,
    clearScreenDown: ok,
  });
  let text = "";
  stream.on("data", (d: Buffer) => {
    text += d;
  });
  return { stream, text: () => text };
}

describe("progress bars on a terminal", () => {
  it("writes every logged line: before any bar, while bars run, and after they stop", () => {
    const { stream, text } = fakeTerminal();
    const bars = createProgressBars(stream);
    bars.log("before any bar");
    bars.bytes("upload data.csv", 10, 100);
    bars.log("while a bar runs");
    bars.stop();
    bars.log("after stop");
    for (const line of ["before any bar", "while a bar runs", "after stop"]) expect(text()).toContain(line);
  });
});

describe("the scoring bar on a terminal", () => {
  it("follows the bytes read when the row count is unknown, instead of showing 100% from the start", () => {
    const { stream, text } = fakeTerminal();
    const io = { stdout: stream, stderr: stream, env: {}, cwd: "." };
    const renderer = createEventRenderer(io, {}, pc.createColors(false));
    renderer.sink({
      type: "score.progress",
      rowsDone: 500,
      rowsFailed: 0,
      rowsPerSecond: 1000,
      bytesRead: 250,
      totalBytes: 1000,
    });
    renderer.close();
    expect(text()).toContain("25%");
    expect(text()).not.toContain("100%");
    expect(text()).toContain("500 rows");
  });
});
