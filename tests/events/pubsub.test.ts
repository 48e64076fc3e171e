/**
 * The pub/sub contract, for every transport available here: in-process always, Redis when one
 * answers (REDIS_URL, or 127.0.0.1:6379; two separate PubSub instances stand for two replicas).
 */
import { describe, expect, it } from 'vitest';
import { createInProcessPubSub, createRedisPubSub, replayedEvents, type PubSub } from '../../server/events/pubsub.ts';
import { createLogger } from '../../server/logger.ts';
import { redisAvailable, redisUrl } from './redis.ts';
import { testShapes, type TestChannels } from './test-channels.ts';

const logger = createLogger('silent');
const transports: [string, () => Promise<[PubSub<TestChannels>, PubSub<TestChannels>]>][] = [
  ['in-process', async () => {
    const one = createInProcessPubSub<TestChannels>();
    return [one, one];
  }],
];
if (redisAvailable) {
  // A prefix of this run's own: other runs on the same Redis are other deployments.
  const options = { prefix: `lookout-test-${process.pid}`, shapes: testShapes };
  transports.push(['redis (two replicas)', async () => [await createRedisPubSub(redisUrl, logger, options), await createRedisPubSub(redisUrl, logger, options)]]);
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
    const a = subscriber.subscribe('test.channel');
    const b = subscriber.subscribe('test.channel');
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

  it('replays past events before live ones, losing none published meanwhile and repeating none', async () => {
    const [publisher, subscriber] = await make();
    const events = replayedEvents(
      subscriber,
      'test.replay',
      (e) => e.n % 2 === 1,
      async () => {
        // Published while the past is read: 3 is also in the past, 5 is new; both reach the listener.
        await publisher.publish('test.replay', { n: 3 });
        await publisher.publish('test.replay', { n: 5 });
        return [{ n: 1 }, { n: 3 }];
      },
      (e) => String(e.n),
    );
    const received = first(events, 4);
    await new Promise((r) => setTimeout(r, 100));
    await publisher.publish('test.replay', { n: 6 }); // filtered out
    await publisher.publish('test.replay', { n: 7 });
    expect((await received).map((e) => e.n)).toEqual([1, 3, 5, 7]);
    await publisher.close();
    if (subscriber !== publisher) await subscriber.close();
  });

  it('is ready to receive once subscribe() has returned and `ready` resolved, without a first read', async () => {
    const [publisher, subscriber] = await make();
    const iterator = subscriber.subscribe('test.ready');
    await iterator.ready;
    await publisher.publish('test.ready', { n: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect((await iterator.next()).value).toEqual({ n: 1 });
    await iterator.return?.();
    await publisher.close();
    if (subscriber !== publisher) await subscriber.close();
  });
});
