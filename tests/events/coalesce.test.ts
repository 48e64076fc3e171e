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
});
