export interface OrderedRunOptions<B extends { seq: number }, R> {
  /** Batches being scored or waiting to be consumed, at most. */
  concurrency: number;
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
 * Sends batches concurrently and consumes their results in input order. A failed batch, or anything thrown
 * while consuming one, stops the run with that error (never a silent success missing rows).
 */
export async function runInOrder<B extends { seq: number }, R>(
  batches: AsyncIterable<B>,
  o: OrderedRunOptions<B, R>,
): Promise<RunFailure> {
  const completed = new Map<number, { batch: B; result: R }>();
  let nextSeq = 0;
  let pending = 0;
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
    completed.set(batch.seq, { batch, result });
    for (let c = completed.get(nextSeq); c; c = completed.get(nextSeq)) {
      completed.delete(nextSeq);
      nextSeq++;
      pending--;
      o.consume(c.batch, c.result);
    }
    o.afterConsume();
    wakeUp();
  };

  try {
    for await (const batch of batches) {
      if (failure !== undefined) break;
      while (pending >= o.concurrency && failure === undefined) await new Promise<void>((r) => (wake = r));
      if (failure !== undefined) break;
      pending++;
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
