import cliProgress from "cli-progress";
import { formatBytes } from "./format.js";

export interface ProgressBars {
  bytes(label: string, loaded: number, total?: number): void;
  rows(label: string, done: number, total: number | undefined, info: string): void;
  /** A bar over any measure (bytes of input read), with `info` as the only text. */
  fraction(label: string, done: number, total: number, info: string): void;
  /** Prints a line above the bars. */
  log(text: string): void;
  stop(): void;
}

/** One multibar on a TTY; a bar per label, created on first use. */
export function createProgressBars(stream: NodeJS.WritableStream): ProgressBars {
  const multi = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      clearOnComplete: false,
      hideCursor: true,
      format: "{label} [{bar}] {percentage}% {info}",
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const bar = (label: string, total: number) => {
    let b = bars.get(label);
    if (!b) {
      b = multi.create(Math.max(total, 1), 0, { label, info: "" });
      bars.set(label, b);
    }
    if (total > 0) b.setTotal(total);
    return b;
  };
  return {
    bytes(label, loaded, total) {
      bar(label, total ?? loaded).update(loaded, {
        label,
        info: `${formatBytes(loaded)}${total ? ` / ${formatBytes(total)}` : ""}`,
      });
    },
    rows(label, done, total, info) {
      bar(label, total ?? done).update(done, {
        label,
        info: `${done}${total ? `/${total}` : ""} rows ${info}`,
      });
    },
    fraction(label, done, total, info) {
      bar(label, total).update(done, { label, info });
    },
    log(text) {
      // MultiBar.log only buffers; the buffer is written on the next redraw, and never when no bar is running
      // (before the first bar, after stop()). Write directly then, and redraw at once otherwise, so no line is lost.
      if (!multi.isActive) {
        stream.write(`${text}\n`);
        return;
      }
      multi.log(`${text}\n`);
      multi.update();
    },
    stop() {
      multi.stop();
    },
  };
}
