/**
 * Shared subscriptions delivered by the broadcast (server/http/broadcast.ts) on the real server:
 * one pub/sub subscription per channel for all of a replica's WebSocket subscribers; each still
 * gets exactly what its own filter takes, in order, under its own operation id, with the same
 * payload the envelope's path gives (masked errors included); a subscriber's `complete` stops it
 * alone, and the channel's pub/sub subscription ends with its last subscriber. Then the broadcast on
 * its own: order kept when an execution resolves later, items held while a socket is backed up, and a
 * member that holds too many ended.
 */
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openAdminSocket, openRawSocket, type RawSocket } from '../support/raw-socket.ts';
import { gqlOk, signInSession } from '../support/graphql.ts';
import { serverSubscribed } from '../support/subscribed.ts';
import { Channels, type StatusChangeEvent } from '../../server/events/channels.ts';
import { createInProcessPubSub, type PubSub } from '../../server/events/pubsub.ts';
import { Broadcast, HOLD_BYTES, MAX_HELD_ITEMS, type Member } from '../../server/http/broadcast.ts';
import { FellBehind } from '../../server/errors.ts';
import type { Pushable } from '../../server/http/shared-subscriptions.ts';
import type { Logger } from '../../server/logger.ts';

const change = (service: string, status: string, n: number): StatusChangeEvent =>
  ({ service, critical: service === 'core', previousStatus: null, status, reason: `reason ${n}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() }) as StatusChangeEvent;

const nexts = (socket: RawSocket, id: string) => socket.messages.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload);
const nextCount = (socket: RawSocket, id: string, n: number) => socket.next(() => nexts(socket, id).length >= n, 10_000);

describe('broadcast delivery of shared subscriptions', () => {
  let ts: TestServer;
  const sockets: RawSocket[] = [];
  /** The pub/sub subscriptions the server made on statusChanged, and how many of them ended. */
  const made = { subscribed: 0, returned: 0 };
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    const { pubsub } = ts.server.app;
    const subscribe = pubsub.subscribe.bind(pubsub);
    pubsub.subscribe = ((name: string, signal?: AbortSignal, options?: object) => {
      const subscription = subscribe(name as never, signal, options);
      if (name !== Channels.statusChanged) return subscription;
      made.subscribed++;
      const end = subscription.return!.bind(subscription);
      subscription.return = (value?: unknown) => (made.returned++, end(value));
      return subscription;
    }) as typeof pubsub.subscribe;
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await ts?.close();
  });

  const subscribe = (socket: RawSocket, id: string, query: string) => socket.send({ type: 'subscribe', id, payload: { query } });
  /** A new operator user, and a socket signed in as them (their session's cookie). */
  const operatorSocket = async () => {
    const email = `operator-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const { createUser } = await gqlOk<{ createUser: { id: string } }>(
      ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email, password: 'a long password', role: 'OPERATOR' } }, { token: ts.adminToken },
    );
    const { cookie } = await signInSession(ts, email, 'a long password');
    const socket = await openRawSocket(ts.wsUrl, { headers: { cookie, origin: ts.url } });
    sockets.push(socket);
    await socket.init();
    return { createUser, socket };
  };
  /** Sends each status subscription and waits until the server has subscribed them all. */
  const subscribeAll = async (...subscriptions: [RawSocket, string, string][]) => {
    const watch = serverSubscribed(ts, Channels.statusChanged, subscriptions.length);
    try {
      for (const [socket, id, query] of subscriptions) subscribe(socket, id, query);
      await watch.subscribed;
    } finally {
      watch.restore();
    }
  };

  it('gives each subscriber what its own filter takes, in order, under its own id, from one pub/sub subscription', async () => {
    const before = made.subscribed;
    const [a, b] = [await openAdminSocket(ts, sockets), await openAdminSocket(ts, sockets)];
    await subscribeAll(
      [a, 'all', 'subscription { serviceStatusChanged { service status reason } }'],
      [a, 'api', 'subscription { serviceStatusChanged(service: "api") { service status } }'],
      [b, 'all', 'subscription { serviceStatusChanged { service status reason } }'], // the same id on another socket
      [b, 'crit', 'subscription { serviceStatusChanged(criticalOnly: true) { service at } }'],
    );
    expect(made.subscribed - before).toBe(1);
    const events = [change('api', 'down', 1), change('core', 'down', 2), change('web', 'healthy', 3), change('api', 'healthy', 4)];
    for (const e of events) await ts.server.app.pubsub.publish(Channels.statusChanged, e);
    await Promise.all([nextCount(a, 'all', 4), nextCount(a, 'api', 2), nextCount(b, 'all', 4), nextCount(b, 'crit', 1)]);
    // A last event that every subscriber but `api` takes: once it arrived, nothing else is on its way.
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('core', 'healthy', 5));
    await Promise.all([nextCount(a, 'all', 5), nextCount(b, 'all', 5), nextCount(b, 'crit', 2)]);
    const all = [...events, change('core', 'healthy', 5)].map((e) => ({ data: { serviceStatusChanged: { service: e.service, status: e.status.toUpperCase(), reason: e.reason } } }));
    expect(nexts(a, 'all')).toEqual(all);
    expect(nexts(b, 'all')).toEqual(all);
    expect(nexts(a, 'api')).toEqual([
      { data: { serviceStatusChanged: { service: 'api', status: 'DOWN' } } },
      { data: { serviceStatusChanged: { service: 'api', status: 'HEALTHY' } } },
    ]);
    expect(nexts(b, 'crit')).toEqual([
      { data: { serviceStatusChanged: { service: 'core', at: '2026-01-01T00:00:02.000Z' } } },
      { data: { serviceStatusChanged: { service: 'core', at: '2026-01-01T00:00:05.000Z' } } },
    ]);
    // A `next` message is graphql-ws's, byte for byte in its shape.
    const raw = a.messages.find((m) => m.id === 'api')!;
    expect(Object.keys(raw)).toEqual(['id', 'type', 'payload']);
  });

  it("stops a subscriber at its client's complete, the others going on; the channel's pub/sub subscription ends with its last subscriber", async () => {
    const before = { ...made };
    const socket = await openAdminSocket(ts, sockets);
    await subscribeAll([socket, 'one', 'subscription { serviceStatusChanged { service } }'], [socket, 'two', 'subscription { serviceStatusChanged { service } }']);
    socket.send({ type: 'complete', id: 'one' });
    // Answered in order on the socket: once `q` is answered, `one` was completed.
    await socket.request('q', '{ serverTime }');
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('api', 'down', 6));
    await nextCount(socket, 'two', 1);
    expect(nexts(socket, 'one')).toEqual([]);
    // Every statusChanged subscriber ends: the sockets of the first test, then this one's last.
    for (const s of sockets) if (s !== socket) s.ws.terminate();
    socket.send({ type: 'complete', id: 'two' });
    await socket.request('q2', '{ serverTime }');
    await expect.poll(() => made.returned - before.returned, { timeout: 10_000 }).toBe(made.subscribed - before.subscribed + 1);
    // A new subscriber subscribes the channel again.
    await subscribeAll([socket, 'three', 'subscription { serviceStatusChanged { service } }']);
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('web', 'down', 7));
    await nextCount(socket, 'three', 1);
    expect(nexts(socket, 'three')).toEqual([{ data: { serviceStatusChanged: { service: 'web' } } }]);
    expect(made.subscribed - before.subscribed).toBe(1);
  });

  it("carries a subscriber on across a change of its caller's role: every event once, in order, from the subscription started again for it", async () => {
    const { createUser, socket } = await operatorSocket();
    await subscribeAll([socket, 'mine', 'subscription { serviceStatusChanged(service: "role") { reason } }']);
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('role', 'down', 1));
    await nextCount(socket, 'mine', 1);
    const joined = vi.spyOn(Broadcast.prototype, 'join');
    try {
      await gqlOk(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }', { id: createUser.id }, { token: ts.adminToken });
      // The socket's next operation sees the new role, and its running subscription starts again for it.
      expect(await socket.request('me', '{ me { role } }')).toEqual({ data: { me: { role: 'VIEWER' } } });
      await vi.waitFor(() => expect(joined).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    } finally {
      joined.mockRestore();
    }
    for (let n = 2; n <= 5; n++) await ts.server.app.pubsub.publish(Channels.statusChanged, change('role', n % 2 ? 'down' : 'healthy', n));
    await nextCount(socket, 'mine', 5);
    // One more: once it is there, no event came twice.
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('role', 'healthy', 6));
    await nextCount(socket, 'mine', 6);
    expect(nexts(socket, 'mine')).toEqual([1, 2, 3, 4, 5, 6].map((n) => ({ data: { serviceStatusChanged: { reason: `reason ${n}` } } })));
    expect(socket.messages.filter((m) => m.id === 'mine' && m.type !== 'next')).toEqual([]);
  });

  it("starts no subscription again for a change of caller once it failed (regression: a subscription ended by FELL_BEHIND stayed among the socket's running ones, and a change of role restarted it, writing events under an id the client was told had ended)", async () => {
    const { createUser, socket } = await operatorSocket();
    const members: Member[] = [];
    const join = Broadcast.prototype.join;
    const joined = vi.spyOn(Broadcast.prototype, 'join').mockImplementation(function (this: Broadcast, member: Member) {
      members.push(member);
      return join.call(this, member);
    });
    try {
      await subscribeAll([socket, 'failed', 'subscription { serviceStatusChanged(service: "failed") { reason } }'], [socket, 'kept', 'subscription { serviceStatusChanged(service: "failed") { status } }']);
      const failed = members.find((m) => m.id === 'failed')!;
      failed.fail(new FellBehind(Channels.statusChanged, 1));
      await socket.next((m) => m.id === 'failed' && m.type === 'error');
      joined.mockClear();
      await gqlOk(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }', { id: createUser.id }, { token: ts.adminToken });
      expect(await socket.request('me', '{ me { role } }')).toEqual({ data: { me: { role: 'VIEWER' } } });
      // The running one starts again for the new role; the failed one does not.
      await vi.waitFor(() => expect(joined).toHaveBeenCalledTimes(1), { timeout: 10_000 });
      expect(members.at(-1)!.id).toBe('kept');
    } finally {
      joined.mockRestore();
    }
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('failed', 'down', 1));
    await nextCount(socket, 'kept', 1);
    expect(nexts(socket, 'failed')).toEqual([]);
  });

  it("gives the payload the envelope's path gives, for an event whose execution fails too, and goes on", async () => {
    const socket = await openAdminSocket(ts, sockets);
    // The fields on a line of their own: an error's location is the same in both documents.
    const fields = '{\nservice status previousStatus reason at critical } }';
    await subscribeAll(
      [socket, 'broadcast', `subscription { serviceStatusChanged ${fields}`],
      // With `since`, the subscription iterates its source through the envelope (past events first).
      [socket, 'envelope', `subscription { serviceStatusChanged(since: "${new Date().toISOString()}") ${fields}`],
    );
    const good = change('db', 'down', 8);
    await ts.server.app.pubsub.publish(Channels.statusChanged, { ...good, previousStatus: 'healthy' });
    await ts.server.app.pubsub.publish(Channels.statusChanged, { ...change('db', 'healthy', 9), status: 'no-such-status' } as unknown as StatusChangeEvent);
    await ts.server.app.pubsub.publish(Channels.statusChanged, change('db', 'healthy', 10));
    await Promise.all([nextCount(socket, 'broadcast', 3), nextCount(socket, 'envelope', 3)]);
    const broadcast = nexts(socket, 'broadcast');
    expect(broadcast).toEqual(nexts(socket, 'envelope'));
    expect(broadcast[0]).toEqual({ data: { serviceStatusChanged: { service: 'db', status: 'DOWN', previousStatus: 'HEALTHY', reason: 'reason 8', at: good.at, critical: false } } });
    expect(broadcast[1]).toMatchObject({ data: null, errors: [{ message: 'Enum "ServiceStatus" cannot represent value: "no-such-status"', path: ['serviceStatusChanged', 'status'] }] });
    expect(broadcast[2]).toMatchObject({ data: { serviceStatusChanged: { status: 'HEALTHY', reason: 'reason 10' } } });
  });
});

describe('the broadcast on its own', () => {
  /** A schema with one shared field, `serviceStatusChanged { service n }`, whose `n` resolves later for odd events. */
  const Change = new GraphQLObjectType({
    name: 'Change',
    fields: {
      service: { type: GraphQLString },
      n: { type: GraphQLInt, resolve: (e: { n: number }) => (e.n % 2 ? new Promise((resolve) => setImmediate(() => resolve(e.n))) : e.n) },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { serviceStatusChanged: { type: Change, resolve: (e) => e } } }),
  });
  const document = parse('subscription { serviceStatusChanged { service n } }');
  type Event = { service: string; n: number };
  const pushable = (keep: (e: Event) => boolean): Pushable => ({
    key: 'k',
    args: { schema, document, contextValue: {}, variableValues: {} },
    push: { channel: 'c', each: (event, take) => void (keep(event as Event) && take(event)) },
  });
  const socket = () => {
    const frames: { id: string; payload: { data: { serviceStatusChanged: Event } } }[] = [];
    const waiting: (() => void)[] = [];
    return {
      frames,
      deliverable: true,
      bufferedBytes: 0,
      heldItems: 0,
      sendNow: (data: string) => void frames.push(JSON.parse(data)),
      whenDrained: (callback: () => void) => void waiting.push(callback),
      drain: () => waiting.splice(0).forEach((callback) => callback()),
    };
  };
  const logger = { warn: () => {}, error: () => {} } as unknown as Logger;
  const noMask = (e: GraphQLError) => e;

  it('writes each member what its filter takes, in order, an execution that resolves later holding the ones after it', async () => {
    const pubsub = createInProcessPubSub<{ c: Event }>();
    const broadcast = new Broadcast(pubsub as unknown as PubSub, noMask, logger);
    const [a, b] = [socket(), socket()];
    const all = broadcast.member(pushable(() => true), a, 'all');
    const even = broadcast.member(pushable((e) => e.n % 2 === 0), b, 'even');
    const ending = [all.next(), even.next()]; // joined: iterated by graphql-ws from here on
    for (let n = 0; n < 6; n++) await pubsub.publish('c', { service: `s${n}`, n });
    await vi.waitFor(() => expect(a.frames).toHaveLength(6));
    expect(a.frames.map((f) => [f.id, f.payload.data.serviceStatusChanged.n])).toEqual([0, 1, 2, 3, 4, 5].map((n) => ['all', n]));
    await vi.waitFor(() => expect(b.frames).toHaveLength(3));
    expect(b.frames.map((f) => f.payload.data.serviceStatusChanged)).toEqual([0, 2, 4].map((n) => ({ service: `s${n}`, n })));
    expect(broadcast.size).toBe(2);
    await all.return();
    await even.return();
    expect(await Promise.all(ending)).toEqual([{ done: true, value: undefined }, { done: true, value: undefined }]);
    expect(broadcast.size).toBe(0);
    await pubsub.close();
  });

  it(`holds a member's items while its socket has more than ${HOLD_BYTES} bytes waiting, writes them in order once it drains, and past ${MAX_HELD_ITEMS} held ends it with FELL_BEHIND`, async () => {
    const pubsub = createInProcessPubSub<{ c: Event }>();
    const broadcast = new Broadcast(pubsub as unknown as PubSub, noMask, logger);
    const slow = socket();
    const member = broadcast.member(pushable((e) => e.n % 2 === 0), slow, 'slow');
    const ending = member.next();
    const ns = () => slow.frames.map((f) => f.payload.data.serviceStatusChanged.n);
    await pubsub.publish('c', { service: 's', n: 0 });
    await vi.waitFor(() => expect(ns()).toEqual([0]));
    slow.bufferedBytes = HOLD_BYTES + 1; // backed up: its items wait for the drain
    for (const n of [2, 4, 6]) await pubsub.publish('c', { service: 's', n });
    slow.bufferedBytes = 0;
    await pubsub.publish('c', { service: 's', n: 8 }); // not backed up now, but others wait: it goes after them
    await pubsub.publish('c', { service: 's', n: 9 }); // not its filter's
    // Once the fifth event has been offered (the pub/sub delivers in order), only the first was written.
    await pubsub.publish('c', { service: 's', n: 99 });
    expect(ns()).toEqual([0]);
    slow.drain();
    await vi.waitFor(() => expect(ns()).toEqual([0, 2, 4, 6, 8]));
    slow.bufferedBytes = HOLD_BYTES + 1;
    for (let i = 0; i <= MAX_HELD_ITEMS; i++) await pubsub.publish('c', { service: 's', n: 10 + 2 * i });
    await expect(ending).rejects.toMatchObject({ code: 'FELL_BEHIND', maxQueued: MAX_HELD_ITEMS });
    slow.bufferedBytes = 0;
    slow.drain();
    expect(ns()).toEqual([0, 2, 4, 6, 8]);
    expect(broadcast.size).toBe(0);
    expect(slow.heldItems).toBe(0);
    await pubsub.close();
  });

  it(`regression: each subscription of a backed-up socket held up to ${MAX_HELD_ITEMS} items, a hundred subscriptions a hundred times that; the socket's subscribers now share the bound, the first to find no room ending`, async () => {
    const pubsub = createInProcessPubSub<{ c: Event }>();
    const broadcast = new Broadcast(pubsub as unknown as PubSub, noMask, logger);
    const slow = socket();
    const first = broadcast.member(pushable(() => true), slow, 'first');
    const second = broadcast.member(pushable(() => true), slow, 'second');
    const endings = [first.next(), second.next()].map((ending) => ending.then(() => 'completed', (error: { code?: string }) => error.code));
    slow.bufferedBytes = HOLD_BYTES + 1;
    // Each event is held by both: the socket reaches the bound at half as many events.
    for (let n = 0; n < MAX_HELD_ITEMS / 2; n++) await pubsub.publish('c', { service: 's', n });
    await vi.waitFor(() => expect(slow.heldItems).toBe(MAX_HELD_ITEMS)); // the pub/sub delivers in turn
    expect(slow.frames).toEqual([]);
    // The next event: the first subscriber to find no room ends, and what it held makes room for the other.
    await pubsub.publish('c', { service: 's', n: MAX_HELD_ITEMS });
    expect(await endings[0]).toBe('FELL_BEHIND');
    await vi.waitFor(() => expect(slow.heldItems).toBe(MAX_HELD_ITEMS / 2 + 1));
    expect(broadcast.size).toBe(1);
    await second.return();
    expect(await endings[1]).toBe('completed');
    expect(slow.heldItems).toBe(0); // what it held was let go with it
    expect(broadcast.size).toBe(0);
    await pubsub.close();
  });
});
