/**
 * Messages from Redis are bytes from outside: whatever arrives on a channel Lookout listens to
 * (from a foreign publisher, another deployment, `redis-cli`) is bounded, parsed defensively and
 * dropped when it is not an event, and deployments sharing one Redis server do not hear each other.
 * Against the real Redis (REDIS_URL, or 127.0.0.1:6379).
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createInProcessPubSub, createRedisPubSub, filteredEvents, MAX_EVENT_BYTES, type PubSub } from '../../server/events/pubsub.ts';
import type { Logger } from '../../server/logger.ts';
import { gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { startTestServer } from '../support/server.ts';
import { redisAvailable, redisUrl } from './redis.ts';

/** A logger whose JSON lines the test can read. */
function capturedLogger(): { logger: Logger; lines: () => { level: number; msg: string; [key: string]: unknown }[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
}

/** Resolves with the first `count` events of `iterator`, or rejects after `ms`. */
async function firstEvents<T>(iterator: AsyncIterator<T>, count: number, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  const timer = setTimeout(() => void iterator.return?.(), ms);
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      out.push(next.value);
      if (out.length === count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (out.length < count) throw new Error(`only ${out.length} of ${count} events within ${ms} ms: ${JSON.stringify(out)}`);
  return out;
}

const run = `${process.pid}-${Date.now().toString(36)}`;

describe.skipIf(!redisAvailable)('messages from Redis', () => {
  let raw: Redis;
  const opened: PubSub[] = [];
  const open = async (url: string, logger: Logger, prefix: string) => {
    const pubsub = await createRedisPubSub(url, logger, { prefix });
    opened.push(pubsub);
    return pubsub;
  };

  beforeAll(async () => {
    raw = new Redis(redisUrl);
  });
  afterAll(async () => {
    await Promise.all(opened.map((p) => p.close()));
    raw?.disconnect();
  });

  it('drops a message that is not JSON and keeps delivering events (regression: `redis-cli publish lookout:service.status "not json"` stopped every replica)', async () => {
    const { logger, lines } = capturedLogger();
    const prefix = `t-notjson-${run}`;
    const pubsub = await open(redisUrl, logger, prefix);
    const events = pubsub.subscribe<{ n: number }>('service.status');
    await events.ready;
    const channel = `${prefix}:0:service.status`;
    // Every kind of bad message a foreign publisher can send, then a good one.
    for (const bad of ['not json', '', '1', 'null', '"text"', '[1,2]', '{"truncated":', 'x'.repeat(MAX_EVENT_BYTES + 1)]) {
      expect(await raw.publish(channel, bad)).toBe(1);
    }
    await raw.publish(channel, JSON.stringify({ n: 1 }));
    expect(await firstEvents(events, 1)).toEqual([{ n: 1 }]);
    // Logged, but not once per message: the first at once, the rest counted on the next line a minute later.
    const dropped = lines().filter((l) => l.msg.startsWith('dropped a pub/sub message'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 40, channel, reason: expect.stringMatching(/^not JSON/) });
  });

  it('drops a message over the size limit before parsing it, and refuses to publish one, naming the channel', async () => {
    const { logger, lines } = capturedLogger();
    const prefix = `t-size-${run}`;
    const pubsub = await open(redisUrl, logger, prefix);
    const events = pubsub.subscribe<{ n: number }>('big');
    await events.ready;
    const huge = JSON.stringify({ n: 0, pad: 'x'.repeat(MAX_EVENT_BYTES) });
    await raw.publish(`${prefix}:0:big`, huge);
    await expect(pubsub.publish('big', { n: 0, pad: 'x'.repeat(MAX_EVENT_BYTES) })).rejects.toThrow(/the event on big is \d+ bytes, over the 1048576-byte limit/);
    await pubsub.publish('big', { n: 2 });
    expect(await firstEvents(events, 1)).toEqual([{ n: 2 }]);
    expect(lines().find((l) => l.msg.startsWith('dropped a pub/sub message'))).toMatchObject({ reason: `${Buffer.byteLength(huge)} bytes, over the ${MAX_EVENT_BYTES}-byte limit` });
  });

  it('keeps a subscription whose filter throws on a malformed event (a JSON object without the fields it reads)', async () => {
    const { logger } = capturedLogger();
    const prefix = `t-filter-${run}`;
    const pubsub = await open(redisUrl, logger, prefix);
    const source = pubsub.subscribe('runs');
    await source.ready;
    const events = filteredEvents<{ runs: { id: string }[] }>(pubsub, 'runs', (e) => e.runs.some((r) => r.id === '7'));
    const received = firstEvents(events, 1); // its first read runs the generator up to its subscribe()
    await raw.publish(`${prefix}:0:runs`, '{"runs":null}');
    await raw.publish(`${prefix}:0:runs`, JSON.stringify({ runs: [{ id: '7' }] }));
    expect(await received).toEqual([{ runs: [{ id: '7' }] }]);
    await source.return?.();
  });

  it('keeps two deployments on one Redis server apart: by the database number of REDIS_URL, and by LOOKOUT_REDIS_PREFIX (regression: pub/sub ignored /db)', async () => {
    const { logger } = capturedLogger();
    const prefix = `t-apart-${run}`;
    const url = (db: number) => `${redisUrl.replace(/\/\d*$/, '')}/${db}`;
    const db1 = await open(url(1), logger, prefix);
    const db2 = await open(url(2), logger, prefix);
    const otherPrefix = await open(url(1), logger, `${prefix}-other`);
    const sameAsDb1 = await open(url(1), logger, prefix);

    const heardBy = async (listener: PubSub, speaker: PubSub): Promise<number[]> => {
      const events = listener.subscribe<{ n: number; from: string }>('service.status');
      await events.ready;
      // The speaker's event goes first; the listener's own marker after it. Redis delivers a
      // published message before PUBLISH returns, so had the listener heard the speaker, the
      // speaker's event would come first.
      await speaker.publish('service.status', { n: 1, from: 'speaker' });
      await listener.publish('service.status', { n: 2, from: 'listener' });
      const [first] = await firstEvents(events, 1);
      await events.return?.();
      return first.from === 'speaker' ? [1] : [];
    };
    expect(await heardBy(db2, db1)).toEqual([]);
    expect(await heardBy(db1, db2)).toEqual([]);
    expect(await heardBy(otherPrefix, db1)).toEqual([]);
    // The control: two replicas of one deployment (same database, same prefix) do hear each other.
    expect(await heardBy(sameAsDb1, db1)).toEqual([1]);
  });
});

describe.skipIf(!redisAvailable)('a running server on Redis', () => {
  it('keeps serving and publishing after bad messages on every channel it listens to (regression: one `redis-cli publish` stopped every replica)', async () => {
    const prefix = `t-server-${run}`;
    const ts = await startTestServer({ runScheduler: false, config: { redisUrl, redisPrefix: prefix } });
    const raw = new Redis(redisUrl);
    const client = wsClient(ts, { token: ts.adminToken });
    try {
      const query = 'subscription { healthCheckRecorded(service: "lookout") { service status } }';
      const received = takeEvents<{ healthCheckRecorded: { service: string } }>(client, query, 1);
      const channels = ['service.status', 'service.check', 'event-bus.probe', 'operations.run', 'operations.checklist'].map((name) => `${prefix}:0:${name}`);
      // Wait until the subscription listens on Redis, then send every channel what a foreign publisher might.
      const check = `${prefix}:0:service.check`;
      for (let tries = 0; ((await raw.pubsub('NUMSUB', check)) as [string, number])[1] === 0; tries++) {
        if (tries > 100) throw new Error('the subscription never listened on Redis');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const channel of channels) for (const bad of ['not json', 'null', '7', '[]', '{"runs":"x"}', '{}']) await raw.publish(channel, bad);
      // The server still answers, checks, stores and publishes: the subscriber gets the recheck's event.
      expect((await fetch(`${ts.url}/health`)).status).toBe(200);
      await gqlOk(ts, 'mutation { recheckService(name: "lookout") { status } }', {}, { token: ts.adminToken });
      expect((await received).map((e) => e.healthCheckRecorded.service)).toEqual(['lookout']);
      const probe = await gqlOk<{ diagnoseService: { status: string } }>(ts, 'mutation { diagnoseService(name: "event-bus") { status } }', {}, { token: ts.adminToken });
      expect(probe.diagnoseService.status).toBe('HEALTHY');
    } finally {
      await client.dispose();
      raw.disconnect();
      await ts.close();
    }
  });
});

describe.skipIf(!redisAvailable)('run-change subscriptions on Redis', () => {
  it('keep going past run messages of the wrong shape (regression: `{"runs":"x"}` on operations.run threw in the run filter and silently ended every run subscription on the server)', async () => {
    const prefix = `t-runs-${run}`;
    const ts = await startTestServer({ runScheduler: false, config: { redisUrl, redisPrefix: prefix } });
    const raw = new Redis(redisUrl);
    const client = wsClient(ts, { token: ts.adminToken });
    try {
      const channel = `${prefix}:0:operations.run`;
      const bad = ['{}', '{"runs":"x"}', '{"runs":[null,5,"x"]}', '{"runs":[{"id":{"toString":1}}]}'];
      const good = JSON.stringify({ runs: [{ id: '424242', workspaceId: 1, tenantId: null, type: 'fault.test', status: 'queued', outcome: null, at: new Date().toISOString() }] });
      /** Sends the bad messages then the good one, again every 200 ms until `received` settles (the subscription starts listening at some point). */
      const sendUntil = async <T>(received: Promise<T>): Promise<T> => {
        let settled = false;
        void received.then(() => (settled = true), () => (settled = true));
        for (let tries = 0; !settled; tries++) {
          if (tries > 50) throw new Error('the subscription never received the good message');
          for (const message of [...bad, good]) await raw.publish(channel, message);
          await new Promise((r) => setTimeout(r, 200));
        }
        return received;
      };
      // The coalesced notices of a list: the good run's id, nothing from the bad messages.
      const notices = await sendUntil(takeEvents<{ operationRunsChanged: { ids: string[] } }>(client, 'subscription { operationRunsChanged(intervalMs: 250) { ids } }', 1));
      expect(notices[0].operationRunsChanged.ids).toEqual(['424242']);
      // Every change: the first event to reach the resolver is the good one (a run that does not exist).
      await expect(sendUntil(takeEvents(client, 'subscription { operationRunUpdated { id } }', 1))).rejects.toThrow(/424242/);
      expect((await fetch(`${ts.url}/health`)).status).toBe(200);
    } finally {
      await client.dispose();
      raw.disconnect();
      await ts.close();
    }
  });
});

describe('channel names', () => {
  it('deliver a channel called "error" like any other (EventEmitter throws on an unheard "error" event)', async () => {
    const pubsub = createInProcessPubSub();
    await expect(pubsub.publish('error', { n: 0 })).resolves.toBeUndefined();
    const events = pubsub.subscribe<{ n: number }>('error');
    await pubsub.publish('error', { n: 1 });
    expect(await firstEvents(events, 1)).toEqual([{ n: 1 }]);
    await pubsub.close();
  });

  it('LOOKOUT_REDIS_PREFIX must be a short name of letters, digits, ".", "_" or "-"', () => {
    expect(loadConfig({}).redisPrefix).toBe('lookout');
    expect(loadConfig({ LOOKOUT_REDIS_PREFIX: 'staging-eu.1' }).redisPrefix).toBe('staging-eu.1');
    expect(() => loadConfig({ LOOKOUT_REDIS_PREFIX: 'a b' })).toThrow(/LOOKOUT_REDIS_PREFIX must be 1 to 64 letters, digits/);
    expect(() => loadConfig({ LOOKOUT_REDIS_PREFIX: 'x'.repeat(65) })).toThrow(/LOOKOUT_REDIS_PREFIX/);
  });
});
