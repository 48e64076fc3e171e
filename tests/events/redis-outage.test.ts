/**
 * Redis going away under a running pub/sub: the outage is logged once (not once per reconnect
 * attempt or per failed publish), the recovery once, and events flow again afterwards; changes made
 * meanwhile are made and answered, their events lost. Redis is reached through a TCP proxy the test
 * can cut, so the shared Redis itself is never stopped.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisPubSub, type PubSub } from '../../server/events/pubsub.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { startTestServer } from '../support/server.ts';
import { makeReady, SUBMIT, type SubmitResult } from '../operations/support.ts';
import { redisAvailable, redisUrl } from './redis.ts';
import { testShapes, type TestChannels } from './test-channels.ts';
import { until } from '../support/signals.ts';

/** A proxy to Redis that can be cut (connections dropped, new ones refused) and opened again on the same port. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const open = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port) || 6379, target.hostname);
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          to.destroy();
          sockets.delete(from);
        });
      }
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  await open();
  return {
    url: () => `redis://127.0.0.1:${port}`,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    open,
  };
}


describe.skipIf(!redisAvailable)('a Redis outage', () => {
  let pubsub: PubSub<TestChannels> | undefined;
  afterAll(async () => {
    await pubsub?.close();
  });

  it('is logged once when Redis goes away and once when it is back, and events flow again (regression: one warning per reconnect attempt and per event published)', async () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    const lines = () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string });
    const proxy = await cuttableProxy(new URL(redisUrl));
    pubsub = await createRedisPubSub(proxy.url(), pino({ level: 'info' }, stream), { prefix: `t-outage-${process.pid}`, shapes: testShapes });
    const events = pubsub.subscribe('ticks');
    await events.ready;

    await proxy.cut();
    // The reconnects fail; the log has one line for all of them…
    await until(() => lines().some((l) => l.msg.startsWith('redis unreachable')), 'the outage is logged');
    // …and for the publishes that keep coming while it is down (the monitor publishes every check):
    // each fails at once (a mutation that announces its runs must not wait through reconnects).
    for (let n = 0; n < 5; n++) {
      const started = Date.now();
      await expect(pubsub.publish('ticks', { n })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(100);
    }
    expect(lines().filter((l) => l.level >= 40)).toHaveLength(1);

    await proxy.open();
    await until(() => lines().some((l) => l.msg.startsWith('redis reachable again after')), 'the recovery is logged');
    expect(lines().filter((l) => l.level >= 40)).toHaveLength(1);
    // The listener subscribed again by itself: an event published now arrives.
    await pubsub.publish('ticks', { n: 42 });
    const next = await events.next();
    expect(next.value).toEqual({ n: 42 });
  });
});

describe.skipIf(!redisAvailable)('a change made while Redis is away', () => {
  it('is made and answered: its events are lost, the change is not (regression: resolvers awaited the publish, so a committed submission answered INTERNAL_SERVER_ERROR)', async () => {
    const proxy = await cuttableProxy(new URL(redisUrl));
    const ts = await startTestServer({ runScheduler: false, config: { redisUrl: proxy.url(), redisPrefix: `t-away-${process.pid}` } });
    const admin = { token: ts.adminToken };
    try {
      await makeReady(ts);
      await proxy.cut();
      // ORM and plain-SQL changes, and the checklist's refresh (which publishes what it finds).
      const { submitRun } = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'redis-away' }, admin);
      const cancelled = await gql(ts, 'mutation($id: ID!) { cancelOperationRun(id: $id, confirm: true) { status outcome } }', { id: submitRun.run.id }, admin);
      expect(cancelled).toMatchObject({ data: { cancelOperationRun: { status: 'COMPLETED', outcome: 'CANCELLED' } } });
      expect(cancelled.errors).toBeUndefined();
      expect((await gql(ts, 'mutation { rerunStartupChecklist { ready } }', {}, admin)).errors).toBeUndefined();
      const { rows } = await ts.server.app.sql.query('select status, outcome from operation_runs where id = $1', [submitRun.run.id]);
      expect(rows).toEqual([{ status: 'completed', outcome: 'cancelled' }]);
    } finally {
      await proxy.open();
      await ts.close();
    }
  });
});
