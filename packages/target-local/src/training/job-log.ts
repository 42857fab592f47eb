import { createWriteStream, type WriteStream } from "node:fs";
import { emit, type MetricParser, type MetricValue, type OperationContext } from "@mlship/core";
import { CURRENT_HOST } from "./toolkit-env.js";

export type LogStream = "stdout" | "stderr";

/** Metric parsing for a JobLog: every line is searched, each value emitted and passed on. */
export interface JobLogMetrics {
  parser: MetricParser;
  onMetric?: (value: MetricValue) => void;
}

/** One training job's log: the log file (`<ISO time> <line>`), `training.log` events and `onLog`. */
export class JobLog {
  readonly file: string;
  readonly stream: string;
  private readonly out: WriteStream;
  private readonly recentStderr: string[] = [];
  private readonly job: string;
  private readonly ctx: OperationContext | undefined;
  private readonly onLog: ((line: string, stream: LogStream) => void) | undefined;
  private readonly metrics: JobLogMetrics | undefined;

  constructor(
    file: string,
    job: string,
    ctx: OperationContext | undefined,
    onLog: ((line: string, stream: LogStream) => void) | undefined,
    startedAt: Date,
    metrics?: JobLogMetrics,
  ) {
    this.metrics = metrics;
    this.file = file;
    this.job = job;
    this.ctx = ctx;
    this.onLog = onLog;
    // CloudWatch's stream name for SageMaker training: <job>/algo-1-<epoch seconds>.
    this.stream = `${job}/${CURRENT_HOST}-${Math.floor(startedAt.getTime() / 1000)}`;
    this.out = createWriteStream(file, { flags: "w" }); // a re-run in the same workDir starts a new log
    this.out.on("error", () => {}); // a full disk must not crash the job; events still flow
  }

  line(message: string, stream: LogStream = "stdout"): void {
    const timestamp = Date.now();
    this.out.write(`${new Date(timestamp).toISOString()} ${message}\n`);
    if (stream === "stderr") {
      this.recentStderr.push(message);
      if (this.recentStderr.length > 20) this.recentStderr.shift();
    }
    emit(this.ctx, { type: "training.log", job: this.job, message, timestamp, stream: this.stream });
    try {
      this.onLog?.(message, stream);
    } catch {
      // A listener's bug must not fail the job.
    }
    for (const value of this.metrics?.parser.line(message, timestamp) ?? []) {
      emit(this.ctx, { type: "training.metric", job: this.job, ...value });
      try {
        this.metrics?.onMetric?.(value);
      } catch {
        // as above
      }
    }
  }

  /** The last value of each metric (SageMaker's FinalMetricDataList). */
  finalMetrics(): MetricValue[] {
    return this.metrics?.parser.final() ?? [];
  }

  /** The last non-empty stderr lines, for a failure reason. */
  lastStderr(count: number): string[] {
    return this.recentStderr.filter((l) => l.trim() !== "").slice(-count);
  }

  close(): Promise<void> {
    return new Promise((done) => this.out.end(done));
  }
}

/** Parses a log file line written by JobLog. */
export function parseLogLine(line: string): { timestamp: number; message: string } | undefined {
  const space = line.indexOf(" ");
  if (space < 20) return undefined;
  const timestamp = Date.parse(line.slice(0, space));
  if (Number.isNaN(timestamp)) return undefined;
  return { timestamp, message: line.slice(space + 1) };
}
