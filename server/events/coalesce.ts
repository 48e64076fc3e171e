/**
 * Coalescing for busy event streams: a subscriber that only needs to know "something changed" (a
 * list that refetches) gets the first change at once, then at most one batch per window, however
 * many events arrive — workers may complete hundreds of runs a second.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How a batch gathers its items: a list of them by default; a summary (a count, the first few ids)
 * when the consumer needs no more, so that a subscriber that does not read holds a summary while
 * the source runs on (its items are taken from the source as they come: gathered in a list, a
 * client that stopped reading held every change made meanwhile).
 */
export interface Gather<T, B> {
  start(): B;
  add(batch: B, item: T): void;
}

const listOf = <T>(): Gather<T, T[]> => ({ start: () => [], add: (batch, item) => void batch.push(item) });

/**
 * Yields the items of `source`, gathered (`gather`: a list unless told) into batches at least
 * `windowMs` apart. An error of `source` ends the stream with that error, after the items already
 * received.
 */
export async function* coalesce<T, B = T[]>(source: AsyncIterator<T[]>, windowMs: number, gather: Gather<T, B> = listOf<T>() as never): AsyncGenerator<B> {
  let pending = gather.start();
  let pendingCount = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  const waiting: { wake: (() => void) | null } = { wake: null };
  // The pump runs on its own; its failure is kept for the consumer here, never left unhandled.
  const pump = (async () => {
    try {
      for (let next = await source.next(); !next.done; next = await source.next()) {
        if (!next.value.length) continue;
        for (const item of next.value) gather.add(pending, item);
        pendingCount += next.value.length;
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
      if (!pendingCount) {
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((resolve) => (waiting.wake = resolve));
        waiting.wake = null;
        continue;
      }
      const wait = lastYield + windowMs - performance.now();
      if (wait > 0) await sleep(wait);
      const batch = pending;
      pending = gather.start();
      pendingCount = 0;
      lastYield = performance.now();
      yield batch;
    }
  } finally {
    await source.return?.();
    await pump;
  }
}
