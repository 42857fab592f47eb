import type { DataRef } from "./data.js";
import type { DeploymentStatus, TrainingStatus } from "./targets.js";
import type { TuningStatus } from "./tuning.js";

/** Every event long-running work emits. The CLI renders them, `--events` prints them as JSON lines. */
export type MlshipEvent =
  | { type: "upload.progress"; key: string; loaded: number; total?: number }
  | { type: "download.progress"; key: string; loaded: number; total?: number }
  | {
      type: "training.status";
      job: string;
      status: TrainingStatus;
      secondaryStatus?: string;
      message?: string;
    }
  | { type: "training.log"; job: string; message: string; timestamp: number; stream?: string }
  /** Local data was staged for a job (a training or tuning job's name): what `cleanupStagedData` removes. */
  | { type: "data.staged"; job: string; ref: DataRef }
  /** A metric value parsed from the job's log (one per match of a metric definition). */
  | { type: "training.metric"; job: string; name: string; value: number; timestamp: number }
  /** A tuning job's progress: its status, counters and the best trial so far (one event per change). */
  | {
      type: "tuning.status";
      name: string;
      status: TuningStatus;
      counters: Record<string, number>;
      best?: { jobName: string; objective: number };
    }
  /** A tuning job's child training job changed status (or reported its objective). */
  | { type: "tuning.trial"; name: string; jobName: string; status: string; objective?: number }
  | { type: "deploy.status"; name: string; status: DeploymentStatus; message?: string }
  | { type: "deploy.log"; name: string; message: string; timestamp: number; stream?: string }
  | { type: "transform.status"; job: string; status: string; message?: string }
  | { type: "transform.log"; job: string; message: string; timestamp: number; stream?: string }
  | { type: "invoke.retry"; attempt: number; delayMs: number; reason: string }
  | {
      /** An asynchronous invocation: queued (and being waited for), or finished with its output or error object. */
      type: "invoke.async";
      inferenceId: string;
      status: "Queued" | "Completed" | "Failed";
      elapsedMs: number;
      /** Where the output (Queued, Completed) or the error (Failed) is written. */
      location: string;
    }
  | {
      type: "score.progress";
      rowsDone: number;
      rowsFailed: number;
      rowsPerSecond: number;
      totalRows?: number;
      etaSeconds?: number;
      /** Input bytes read so far and the input's size: progress when the row count is unknown. */
      bytesRead?: number;
      totalBytes?: number;
    }
  | { type: "log"; level: "debug" | "info" | "warn"; message: string };

export type MlshipEventType = MlshipEvent["type"];
export type EventOf<T extends MlshipEventType> = Extract<MlshipEvent, { type: T }>;

/** Receives events. Must not throw and must return quickly. */
export type EventSink = (event: MlshipEvent) => void;

/** What every long operation receives: a way to stop it and a place to report to. */
export interface OperationContext {
  signal?: AbortSignal;
  events?: EventSink;
}

export const noopSink: EventSink = () => {};

/** A sink that keeps every event, for tests and for callers that want a transcript. */
export function collectingSink(): EventSink & {
  readonly events: MlshipEvent[];
  of<T extends MlshipEventType>(type: T): EventOf<T>[];
} {
  const events: MlshipEvent[] = [];
  const sink = ((e: MlshipEvent) => {
    events.push(e);
  }) as EventSink & { events: MlshipEvent[]; of<T extends MlshipEventType>(type: T): EventOf<T>[] };
  sink.events = events;
  sink.of = <T extends MlshipEventType>(type: T) => events.filter((e): e is EventOf<T> => e.type === type);
  return sink;
}

/** Emits to `ctx.events` if there is one; sink errors are swallowed so reporting never breaks work. */
export function emit(ctx: OperationContext | undefined, event: MlshipEvent): void {
  try {
    ctx?.events?.(event);
  } catch {
    // A broken listener must not fail a training job or an upload.
  }
}
