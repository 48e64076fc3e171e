/**
 * A WebSocket client that stops reading while its subscription's events keep coming: once its
 * socket is full, what waits for it is bounded — up to HOLD_BYTES of frames on its socket then
 * MAX_HELD_ITEMS events, for a subscription the broadcast delivers, or CLIENT_QUEUE_LIMITS events
 * for one that iterates its source — and past that the subscription ends with a FELL_BEHIND error and its events
 * go (regression: node:events' `on()` buffered every event for it, without bound, for as long as it
 * stayed connected: at 100,000 services ~1,700 checks a second). A client that keeps up is never cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openAdminSocket, type RawSocket } from '../support/raw-socket.ts';
import { Channels } from '../../server/events/channels.ts';
import { CLIENT_QUEUE_LIMITS } from '../../server/context.ts';
import { createInProcessPubSub } from '../../server/events/pubsub.ts';
import { FellBehind } from '../../server/errors.ts';
import { HOLD_BYTES, MAX_HELD_ITEMS } from '../../server/http/broadcast.ts';

/** An error text of 1,000 characters: a batch is then ~0.5 MB on the wire, and the sockets' buffers (a few MB) fill within a few batches. */
const ERROR = 'connection refused '.repeat(53).slice(0, 1000);
/** One writer batch of `n` failed checks. */
const batch = (n: number, seq: number) => ({
  checks: Array.from({ length: n }, (_, i) => ({ service: `svc-${i}`, checkedAt: new Date(seq * 1000).toISOString(), status: 'down' as const, latencyMs: seq, error: ERROR })),
});

describe('a subscriber that does not read', () => {
  let ts: TestServer;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await ts?.close();
  });

  async function subscribed(id: string, args = ''): Promise<RawSocket> {
    const socket = await openAdminSocket(ts, sockets);
    socket.send({ type: 'subscribe', id, payload: { query: `subscription { healthCheckRecorded${args} { service latencyMs error } }` } });
    // Subscribed once a published batch reaches it.
    for (let seq = 0; ; seq++) {
      await ts.server.app.pubsub.publish(Channels.checksRecorded, batch(1, seq));
      const got = await socket.next((m) => m.id === id && m.type === 'next', 200).then(() => true, () => false);
      if (got) return socket;
    }
  }

  it(`gets FELL_BEHIND for its subscription once its socket has ${HOLD_BYTES} bytes waiting and more than ${MAX_HELD_ITEMS} checks wait behind them; a reader that keeps up gets every check`, async () => {
    const slow = await subscribed('slow');
    const steady = await subscribed('steady', '(service: "svc-0")'); // one check of each batch
    const steadySeen = () => steady.messages.filter((m) => m.id === 'steady' && m.type === 'next').length;
    const before = steadySeen();
    // The slow client's TCP socket stops reading: its kernel buffers fill, then its subscription's queue.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const batches = CLIENT_QUEUE_LIMITS[Channels.checksRecorded]! * 4;
    let published = 0;
    for (; published < batches; published++) {
      await ts.server.app.pubsub.publish(Channels.checksRecorded, batch(500, published + 1000));
      // The steady reader keeps up: it has its check of every batch published so far before the next goes.
      await steady.next(() => steadySeen() - before >= published + 1, 10_000);
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    // Once it reads again: what its socket held, then the error that ended its subscription.
    const ended = await slow.next((m) => m.id === 'slow' && m.type !== 'next', 20_000);
    expect(ended).toMatchObject({ type: 'error', payload: [{ message: expect.stringMatching(new RegExp(`^This subscription fell more than ${MAX_HELD_ITEMS} events behind`)), extensions: { code: 'FELL_BEHIND', maxQueued: MAX_HELD_ITEMS } }] });
    const slowSeen = slow.messages.filter((m) => m.id === 'slow' && m.type === 'next').length;
    expect(slowSeen).toBeLessThan(batches * 500);
    // Its socket goes on: it may subscribe again, and its other operations run.
    expect(await slow.request('q', '{ serverTime }')).toMatchObject({ data: { serverTime: expect.any(String) } });
    // The steady one still runs.
    expect(steady.ws.readyState).toBe(steady.ws.OPEN);
    expect(steadySeen() - before).toBe(batches);
  });
});

describe('pub/sub subscriptions with a bound', () => {
  it('hold up to maxQueued events, then end with FellBehind once, then are done; without a bound they keep all', async () => {
    const pubsub = createInProcessPubSub<{ c: { n: number } }>();
    const bounded = pubsub.subscribe('c', undefined, { maxQueued: 3 });
    const unbounded = pubsub.subscribe('c');
    for (let n = 0; n < 3; n++) await pubsub.publish('c', { n });
    expect((await bounded.next()).value).toEqual({ n: 0 }); // taken: room for one more
    for (let n = 3; n < 5; n++) await pubsub.publish('c', { n });
    await pubsub.publish('c', { n: 5 }); // the fourth waiting: over the bound
    await expect(bounded.next()).rejects.toBeInstanceOf(FellBehind);
    expect(await bounded.next()).toEqual({ done: true, value: undefined });
    await pubsub.publish('c', { n: 6 });
    const all: number[] = [];
    for (let i = 0; i < 7; i++) all.push(((await unbounded.next()).value as { n: number }).n);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await unbounded.return?.();
    await pubsub.close();
  });

  it('answer concurrent next() calls in order, and are done (not FellBehind) after return()', async () => {
    const pubsub = createInProcessPubSub<{ c: { n: number } }>();
    const sub = pubsub.subscribe('c', undefined, { maxQueued: 1 });
    const first = sub.next();
    const second = sub.next();
    await pubsub.publish('c', { n: 1 });
    await pubsub.publish('c', { n: 2 });
    expect([(await first).value, (await second).value]).toEqual([{ n: 1 }, { n: 2 }]);
    for (let n = 3; n < 6; n++) await pubsub.publish('c', { n }); // over the bound
    await sub.return?.();
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    await pubsub.close();
  });

  it('end at once when their signal aborts, also while waiting', async () => {
    const pubsub = createInProcessPubSub<{ c: { n: number } }>();
    const controller = new AbortController();
    const sub = pubsub.subscribe('c', controller.signal, { maxQueued: 10 });
    const waiting = sub.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    const aborted = pubsub.subscribe('c', AbortSignal.abort());
    expect(await aborted.next()).toEqual({ done: true, value: undefined });
    await pubsub.close();
  });
});
