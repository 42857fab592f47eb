export interface OrderedRunOptions<B extends { seq: number }, R> {
  /** Batches being scored at once, at most: a slot frees when its answer arrives. */
  concurrency: number;
  /** Answered batches waiting for an earlier one, at most: keeps memory flat when one answer is slow. */
  maxWaiting: number;
  score(batch: B): Promise<R>;
  /** Called strictly in `seq` order. */
  consume(batch: B, result: R): void;
  /** After each answer, once the batches it unblocked were consumed. */
  afterConsume(): void;
  /** Asked after each batch is sent: the reader waits for what it returns (write backpressure). */
  backpressure(): Promise<void> | undefined;
  /** Called once, with the first failure: the run stops reading and cancels what is in flight. */
  abort(error: unknown): void;
}

/** The run's first failure (a failed batch, a throw while consuming one, a reader error), if any. */
export type RunFailure = { error: unknown } | undefined;

/**
 * Sends batches concurrently and consumes their results in input order. A request slot frees as soon as its
 * answer arrives, not when its batch is written: one slow answer no longer idles the other slots (measured on
 * pinned cores, bench/score). Answers that came early wait in `completed`, bounded by `maxWaiting`. A failed batch, or anything thrown
 * while consuming one, stops the run with that error (never a silent success missing rows).
 */
export async function runInOrder<B extends { seq: number }, R>(
  batches: AsyncIterable<B>,
  o: OrderedRunOptions<B, R>,
): Promise<RunFailure> {
  const completed = new Map<number, { batch: B; result: R }>();
  let nextSeq = 0;
  let inFlight = 0;
  let failure: RunFailure;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (error: unknown) => {
    if (failure === undefined) {
      failure = { error };
      o.abort(error);
    }
    wakeUp();
  };
  const inflight = new Set<Promise<void>>();
  const answered = (batch: B, result: R) => {
    inFlight--;
    completed.set(batch.seq, { batch, result });
    for (let c = completed.get(nextSeq); c; c = completed.get(nextSeq)) {
      completed.delete(nextSeq);
      nextSeq++;
      o.consume(c.batch, c.result);
    }
    o.afterConsume();
    wakeUp();
  };

  try {
    for await (const batch of batches) {
      if (failure !== undefined) break;
      // Waiting on a full `completed` cannot deadlock: the batch it waits for is in flight.
      while ((inFlight >= o.concurrency || completed.size >= o.maxWaiting) && failure === undefined)
        await new Promise<void>((r) => (wake = r));
      if (failure !== undefined) break;
      inFlight++;
      const job = o
        .score(batch)
        .then((result) => answered(batch, result))
        .catch(fail);
      inflight.add(job);
      void job.finally(() => inflight.delete(job));
      const wait = o.backpressure();
      if (wait) await wait;
    }
  } catch (error) {
    fail(error);
  }
  await Promise.allSettled([...inflight]);
  return failure;
}
