/**
 * Shared subscription execution (server/http/shared-subscriptions.ts): subscribers of the same
 * document and variables get one execution per event between them; other variables, another
 * document or a field not shared execute on their own; ending a subscriber ends its source at once,
 * even while it waits for an event. Then, against the real server, every subscriber of a shared
 * subscription still gets its events, each with the fields it asked for.
 */
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedSubscribe, shareKey } from '../../server/http/shared-subscriptions.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, wsClient } from '../support/graphql.ts';
import { serverSubscribed } from '../support/subscribed.ts';
import { Channels } from '../../server/events/channels.ts';

/** A source every subscriber listens to, delivering the same event objects to all. */
function hub() {
  const listeners = new Set<(event: object) => void>();
  let returned = 0;
  return {
    returned: () => returned,
    emit: (event: object) => listeners.forEach((listen) => listen(event)),
    listeners: () => listeners.size,
    source(): AsyncIterableIterator<object> {
      const queue: object[] = [];
      let wake: (() => void) | null = null;
      const listen = (event: object) => {
        queue.push(event);
        wake?.();
      };
      listeners.add(listen);
      const iterator: AsyncIterableIterator<object> = {
        async next() {
          while (!queue.length) {
            if (!listeners.has(listen)) return { done: true, value: undefined };
            await new Promise<void>((resolve) => (wake = resolve));
          }
          return { done: false, value: queue.shift()! };
        },
        async return() {
          returned++;
          listeners.delete(listen);
          wake?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
  };
}

describe('shared subscription execution', () => {
  const events = hub();
  let resolved = 0;
  const Change = new GraphQLObjectType({
    name: 'Change',
    fields: {
      service: { type: GraphQLString, resolve: (e: { service: string }) => (resolved++, e.service) },
      status: { type: GraphQLString },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        serviceStatusChanged: { type: Change, args: { service: { type: GraphQLString } }, subscribe: () => events.source(), resolve: (e) => e },
        somethingElse: { type: Change, subscribe: () => events.source(), resolve: (e) => e },
      },
    }),
  });
  const document = parse('subscription($service: String) { serviceStatusChanged(service: $service) { service status } }');
  const start = async (variableValues: Record<string, unknown> = {}, doc = document) => {
    const args = { schema, document: doc, variableValues, contextValue: {} };
    const key = shareKey(args);
    expect(key).not.toBeNull();
    return (await sharedSubscribe(args, key!)) as AsyncIterableIterator<ExecutionResult>;
  };

  it('executes an event once for every subscriber of the same document and variables, and apart for others', async () => {
    const [a, b, c] = [await start(), await start(), await start({ service: 'x' })];
    resolved = 0;
    const event = { service: 'api', status: 'down' };
    events.emit(event);
    const [ra, rb, rc] = await Promise.all([a.next(), b.next(), c.next()]);
    expect(ra.value).toEqual({ data: { serviceStatusChanged: { service: 'api', status: 'down' } } });
    expect(rb.value).toBe(ra.value); // the same result, not a second execution
    expect(rc.value).toEqual(ra.value);
    expect(rc.value).not.toBe(ra.value); // other variables: executed on its own
    expect(resolved).toBe(2);
    // The next event is executed again (results are per event).
    events.emit({ service: 'db', status: 'healthy' });
    expect((await a.next()).value).toEqual({ data: { serviceStatusChanged: { service: 'db', status: 'healthy' } } });
    expect((await b.next()).value).toEqual({ data: { serviceStatusChanged: { service: 'db', status: 'healthy' } } });
    expect(resolved).toBe(3);
    for (const it of [a, b, c]) await it.return!();
  });

  it('shares only the fields that may be shared, one field to an operation', () => {
    const key = (text: string) => shareKey({ document: parse(text), variableValues: {} });
    expect(key('subscription { serviceStatusChanged { service } }')).not.toBeNull();
    expect(key('subscription { healthCheckRecorded { service } }')).not.toBeNull();
    expect(key('subscription { somethingElse { service } }')).toBeNull();
    expect(key('subscription { serviceStatusChanged { service } healthCheckRecorded { service } }')).toBeNull();
    expect(key('query { serviceStatusChanged }')).toBeNull();
    // Two documents with the same text parsed apart are two documents (yoga's parse cache makes them one).
    expect(key('subscription { serviceStatusChanged { service } }')).not.toBe(key('subscription { serviceStatusChanged { service } }'));
  });

  it('ends its source at once when a subscriber ends while waiting for an event', async () => {
    const before = events.returned();
    const listening = events.listeners();
    const a = await start();
    const waiting = a.next();
    expect(events.listeners()).toBe(listening + 1);
    await a.return!();
    expect(events.returned()).toBe(before + 1);
    expect(events.listeners()).toBe(listening);
    expect((await waiting).done).toBe(true);
  });
});

describe('shared subscriptions on the real server', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await gqlOk(ts, 'mutation { createService(input: { name: "refused", kind: "tcp", target: "127.0.0.1:9", interval: "1h", failureThreshold: 1 }) { name } }', {}, { token: ts.adminToken });
  });
  afterAll(() => ts?.close());

  it('gives every subscriber its events, each with the fields it asked for', async () => {
    const watch = serverSubscribed(ts, Channels.statusChanged, 3);
    const clients = [wsClient(ts, { token: ts.adminToken }), wsClient(ts, { token: ts.adminToken }), wsClient(ts, { token: ts.adminToken })];
    try {
      const queries = ['subscription { serviceStatusChanged { service status } }', 'subscription { serviceStatusChanged { service status } }', 'subscription { serviceStatusChanged { service previousStatus } }'];
      const got = clients.map(
        (client, i) =>
          new Promise<unknown>((resolve, reject) => {
            const stop = client.subscribe({ query: queries[i] }, { next: (v) => (stop(), resolve(v)), error: reject, complete: () => {} });
          }),
      );
      await watch.subscribed;
      await gqlOk(ts, 'mutation { recheckService(name: "refused") { status } }', {}, { token: ts.adminToken });
      expect(await Promise.all(got)).toEqual([
        { data: { serviceStatusChanged: { service: 'refused', status: 'DOWN' } } },
        { data: { serviceStatusChanged: { service: 'refused', status: 'DOWN' } } },
        { data: { serviceStatusChanged: { service: 'refused', previousStatus: null } } },
      ]);
    } finally {
      watch.restore();
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});
