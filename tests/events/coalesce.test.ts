/** Coalescing a busy stream: what happens when its source fails. */
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../server/events/coalesce.ts';

describe('coalesce', () => {
  it('ends with the error of its source after the items already received, instead of completing as if nothing happened', async () => {
    async function* source(): AsyncGenerator<number[]> {
      yield [1, 2];
      throw new TypeError('a malformed event');
    }
    const received: number[][] = [];
    const consumed = (async () => {
      for await (const batch of coalesce(source(), 10)) received.push(batch);
    })();
    await expect(consumed).rejects.toThrow('a malformed event');
    expect(received.flat()).toEqual([1, 2]);
  });

  it('gathers into a summary when told, so a consumer that does not read holds the summary, not every item (regression: operationRunsChanged held every change for a client that stopped reading)', async () => {
    let produced = 0;
    const total = 200_000;
    async function* source(): AsyncGenerator<number[]> {
      for (let i = 0; i < total; i += 1000) {
        produced += 1000;
        yield Array.from({ length: 1000 }, (_, j) => i + j);
      }
    }
    const summary = { start: () => ({ count: 0, first: [] as number[] }), add: (b: { count: number; first: number[] }, item: number) => { b.count++; if (b.first.length < 100) b.first.push(item); } };
    const batches = coalesce(source(), 10, summary);
    const first = await batches.next();
    // The pump took every item while the consumer held the first batch; the next batch is a summary of them.
    const second = await batches.next();
    await batches.return(undefined);
    expect(produced).toBe(total);
    const seen = [first.value!, second.value!];
    expect(seen.reduce((n, b) => n + b.count, 0)).toBe(total);
    for (const batch of seen) expect(batch.first.length).toBeLessThanOrEqual(100);
  });
});
