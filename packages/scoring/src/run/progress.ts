import { type EventSink, emit } from "@mlship/core";
import type { InputSource } from "../input/source.js";
import type { Tally } from "./tally.js";

type ProgressEvent = Extract<Parameters<EventSink>[0], { type: "score.progress" }>;

/** Emits `score.progress`: rows done and failed, this run's rate, and an ETA from how far reading got. */
export function progressReporter(
  input: Pick<InputSource, "position" | "size" | "totalRows">,
  tally: Tally,
  started: number,
  resumedAt: number,
  options: { events?: EventSink | undefined },
): () => void {
  const startPosition = input.position();
  return () => {
    const elapsed = (performance.now() - started) / 1000;
    const done = tally.rows - resumedAt;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const event: ProgressEvent = {
      type: "score.progress",
      rowsDone: tally.rows,
      rowsFailed: tally.failed,
      rowsPerSecond: Math.round(rate),
    };
    if (input.totalRows !== undefined) event.totalRows = input.totalRows;
    if (input.size !== undefined) {
      event.bytesRead = input.position();
      event.totalBytes = input.size;
    }
    if (input.size !== undefined && input.size > startPosition) {
      // Of what this run has to read (a resumed run starts part-way).
      const fraction = (input.position() - startPosition) / (input.size - startPosition);
      if (fraction > 0 && fraction < 1 && elapsed > 0)
        event.etaSeconds = Math.round((elapsed * (1 - fraction)) / fraction);
      else if (fraction >= 1) event.etaSeconds = 0;
    }
    emit(options, event);
  };
}
