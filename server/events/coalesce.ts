/**
 * Coalescing for busy event streams: a subscriber that only needs to know "something changed" (a
 * list that refetches) gets the first change at once, then at most one batch per window, however
 * many events arrive — workers may complete hundreds of runs a second.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Yields every item of `source`, grouped so that batches are at least `windowMs` apart. An error of
 * `source` ends the stream with that error, after the items already received.
 */
export async function* coalesce<T>(source: AsyncIterator<T[]>, windowMs: number): AsyncGenerator<T[]> {
  let pending: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  const waiting: { wake: (() => void) | null } = { wake: null };
  // The pump runs on its own; its failure is kept for the consumer here, never left unhandled.
  const pump = (async () => {
    try {
      for (let next = await source.next(); !next.done; next = await source.next()) {
        if (!next.value.length) continue;
        pending.push(...next.value);
        waiting.wake?.();
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      waiting.wake?.();
    }
  })();
  let lastYield = -Infinity;
  try {
    for (;;) {
      if (!pending.length) {
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((resolve) => (waiting.wake = resolve));
        waiting.wake = null;
        continue;
      }
      const wait = lastYield + windowMs - performance.now();
      if (wait > 0) await sleep(wait);
      const batch = pending;
      pending = [];
      lastYield = performance.now();
      yield batch;
    }
  } finally {
    await source.return?.();
    await pump;
  }
}
