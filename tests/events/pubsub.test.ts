/**
 * The pub/sub contract, for every transport available here: in-process always, Redis when
 * REDIS_URL is set (two separate PubSub instances stand for two replicas).
 */
import { describe, expect, it } from 'vitest';
import { createInProcessPubSub, createRedisPubSub, type PubSub } from '../../server/events/pubsub.ts';
import { createLogger } from '../../server/logger.ts';

const logger = createLogger('silent');
const transports: [string, () => Promise<[PubSub, PubSub]>][] = [
  ['in-process', async () => {
    const one = createInProcessPubSub();
    return [one, one];
  }],
];
if (process.env.REDIS_URL) {
  transports.push(['redis (two replicas)', async () => [await createRedisPubSub(process.env.REDIS_URL!, logger), await createRedisPubSub(process.env.REDIS_URL!, logger)]]);
}

async function first<T>(iterator: AsyncIterableIterator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) {
    out.push(value);
    if (out.length === count) break;
  }
  return out;
}

describe.each(transports)('pub/sub over %s', (_name, make) => {
  it('delivers plain copies of events to every subscriber of the channel, in order', async () => {
    const [publisher, subscriber] = await make();
    const a = subscriber.subscribe<{ n: number }>('test.channel');
    const b = subscriber.subscribe<{ n: number }>('test.channel');
    const received = Promise.all([first(a, 3), first(b, 3)]);
    await new Promise((r) => setTimeout(r, 50)); // let the subscriptions register
    const payload = { n: 1 };
    await publisher.publish('test.channel', payload);
    payload.n = 99; // the event is a copy, not the publisher's object
    await publisher.publish('test.channel', { n: 2 });
    await publisher.publish('other.channel', { n: -1 });
    await publisher.publish('test.channel', { n: 3 });
    const [ra, rb] = await received;
    expect(ra.map((e) => e.n)).toEqual([1, 2, 3]);
    expect(rb.map((e) => e.n)).toEqual([1, 2, 3]);
    await publisher.close();
    if (subscriber !== publisher) await subscriber.close();
  });

  it('stops a subscription when its signal aborts', async () => {
    const [publisher, subscriber] = await make();
    const controller = new AbortController();
    const iterator = subscriber.subscribe('test.abort', controller.signal);
    const done = (async () => {
      for await (const _ of iterator) void _;
      return 'ended';
    })();
    controller.abort();
    expect(await done).toBe('ended');
    await publisher.close();
    if (subscriber !== publisher) await subscriber.close();
  });
});
