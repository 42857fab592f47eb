import { INVOKE_TIMEOUT_MS, type LiveVariant } from "./serving.js";

export interface ResizeRequest {
  /** The endpoint's live instances (all variants); replaced, never mutated in place, so readers see a consistent list. */
  entry: { variants: LiveVariant[] };
  variantName: string;
  desired: number;
  /** False once an update or delete owns the endpoint: started instances are then stopped, not added. */
  owns(): boolean;
  start(): Promise<LiveVariant>;
  /** Called with the variant's running instance count each time it changes. */
  counted(count: number): void;
}

/**
 * Adds or removes instances of one variant until it runs `desired` of them. A new instance takes
 * requests only once it answers /ping; a removed one leaves the routing list first and stops after the
 * requests it is serving have finished, so no request is dropped in either direction.
 */
export async function resizeVariant(r: ResizeRequest): Promise<boolean> {
  const mine = () => r.entry.variants.filter((v) => v.variantName === r.variantName);
  await Promise.resolve();
  while (r.owns() && mine().length < r.desired) {
    let added: LiveVariant;
    try {
      added = await r.start();
    } catch {
      return false;
    }
    if (!r.owns()) {
      await added.close().catch(() => {});
      return false;
    }
    r.entry.variants = [...r.entry.variants, added];
    r.counted(mine().length);
  }
  const surplus = mine().length - r.desired;
  if (!r.owns() || surplus <= 0) return r.owns();
  // The least busy instances go first: they drain soonest.
  const leaving = new Set(
    mine()
      .sort((a, b) => a.inflight() - b.inflight())
      .slice(0, surplus),
  );
  r.entry.variants = r.entry.variants.filter((v) => !leaving.has(v));
  r.counted(mine().length);
  await Promise.allSettled(
    [...leaving].map(async (v) => {
      await v.drained(INVOKE_TIMEOUT_MS);
      await v.close();
    }),
  );
  return true;
}
