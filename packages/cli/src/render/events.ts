import type { EventSink, MlshipEvent } from "@mlship/core";
import type { CliIO, Colors, GlobalOptions } from "../io.js";
import { formatBytes, formatDuration } from "./format.js";
import { createProgressBars, type ProgressBars } from "./progress.js";

export interface EventRenderer {
  sink: EventSink;
  /** Stops bars and flushes; call before printing the result. */
  close(): void;
}

/**
 * Turns events into what a person (or a program) wants to see on stderr:
 * `--events` JSON lines, `--quiet`/`--json` nothing, a TTY bars and status lines, otherwise timestamped lines.
 */
export function createEventRenderer(io: CliIO, opts: GlobalOptions, colors: Colors): EventRenderer {
  const out = io.stderr;
  if (opts.events) {
    return {
      sink: (e) => out.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`),
      close() {},
    };
  }
  if (opts.quiet || opts.json) return { sink: () => {}, close() {} };

  const bars: ProgressBars | undefined = out.isTTY ? createProgressBars(out) : undefined;
  const line = (text: string) => {
    if (bars) bars.log(text);
    else out.write(`${new Date().toISOString()} ${text}\n`);
  };
  const verbose = Boolean(opts.verbose);

  const sink: EventSink = (e: MlshipEvent) => {
    switch (e.type) {
      case "upload.progress":
      case "download.progress": {
        const verb = e.type === "upload.progress" ? "upload" : "download";
        if (bars) bars.bytes(`${verb} ${e.key}`, e.loaded, e.total);
        else if (e.total !== undefined && e.loaded >= e.total)
          line(`${verb}ed ${e.key} (${formatBytes(e.loaded)})`);
        return;
      }
      case "score.progress": {
        const eta = e.etaSeconds === undefined ? "" : `, ETA ${formatDuration(e.etaSeconds)}`;
        const rate = `${Math.round(e.rowsPerSecond)} rows/s${eta}`;
        // Without a row count (CSV, JSON Lines) the bar follows the bytes read, not rows over rows (always 100%).
        if (bars && e.totalRows === undefined && e.totalBytes && e.bytesRead !== undefined)
          bars.fraction(
            "scoring",
            e.bytesRead,
            e.totalBytes,
            `${e.rowsDone} rows, ${formatBytes(e.bytesRead)} / ${formatBytes(e.totalBytes)}, ${rate}`,
          );
        else if (bars) bars.rows("scoring", e.rowsDone, e.totalRows, rate);
        else
          line(
            `scored ${e.rowsDone} rows (${e.rowsFailed} failed, ${Math.round(e.rowsPerSecond)} rows/s${eta})`,
          );
        return;
      }
      case "training.status":
        line(
          `${colors.cyan(e.job)} ${colors.bold(e.status)}${e.secondaryStatus ? ` / ${e.secondaryStatus}` : ""}${e.message ? `: ${e.message}` : ""}`,
        );
        return;
      case "training.log":
        line(colors.dim(e.message));
        return;
      case "data.staged":
        line(
          `${colors.cyan(e.job)} staged ${e.ref.channel} to ${e.ref.uri} (${e.ref.objects.length} object(s), ${formatBytes(e.ref.bytes)})`,
        );
        return;
      case "training.metric":
        line(`${colors.cyan(e.job)} metric ${e.name} = ${e.value}`);
        return;
      case "tuning.trial":
        line(
          `${colors.cyan(e.name)} ${e.jobName} ${colors.bold(e.status)}${e.objective !== undefined ? ` objective ${e.objective}` : ""}`,
        );
        return;
      case "tuning.status": {
        const c = e.counters;
        const done = `${c.Completed ?? 0} completed, ${c.InProgress ?? 0} running, ${(c.RetryableError ?? 0) + (c.NonRetryableError ?? 0)} failed, ${c.Stopped ?? 0} stopped`;
        const best = e.best ? `; best ${e.best.jobName} = ${e.best.objective}` : "";
        line(`${colors.cyan(e.name)} ${colors.bold(e.status)}: ${done}${best}`);
        return;
      }
      case "deploy.status":
        line(`${colors.cyan(e.name)} ${colors.bold(e.status)}${e.message ? `: ${e.message}` : ""}`);
        return;
      case "deploy.log":
        line(colors.dim(e.message));
        return;
      case "transform.status":
        line(`${colors.cyan(e.job)} ${colors.bold(e.status)}${e.message ? `: ${e.message}` : ""}`);
        return;
      case "transform.log":
        line(colors.dim(e.message));
        return;
      case "invoke.retry":
        if (verbose) line(colors.yellow(`retry ${e.attempt} in ${e.delayMs} ms: ${e.reason}`));
        return;
      case "invoke.async":
        line(
          `${colors.cyan(e.inferenceId)} ${colors.bold(e.status === "Queued" ? "waiting" : e.status)} (${formatDuration(e.elapsedMs / 1000)}) ${e.location}`,
        );
        return;
      case "log":
        if (e.level !== "debug" || verbose) line(e.level === "warn" ? colors.yellow(e.message) : e.message);
        return;
    }
  };
  return { sink, close: () => bars?.stop() };
}
