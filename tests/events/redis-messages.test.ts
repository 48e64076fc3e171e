/**
 * Messages from Redis are bytes from outside: whatever arrives on a channel Lookout listens to
 * (from a foreign publisher, another deployment, `redis-cli`) is bounded, parsed defensively, checked
 * against its channel's payload shape (server/events/channels.ts) and dropped — counted — when it is
 * not an event of that channel; deployments sharing one Redis server do not hear each other.
 * Against the real Redis (REDIS_URL, or 127.0.0.1:6379).
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { Channels, type PayloadShapes, type StatusChangeEvent } from '../../server/events/channels.ts';
import { createInProcessPubSub, createRedisPubSub, filteredEvents, MAX_EVENT_BYTES, type ChannelMap, type PubSub } from '../../server/events/pubsub.ts';
import type { Logger } from '../../server/logger.ts';
import { gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { startTestServer } from '../support/server.ts';
import { redisAvailable, redisUrl } from './redis.ts';
import { testShapes, type TestChannels } from './test-channels.ts';

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

/** A transition as a replica publishes it. */
const transition = (service: string): StatusChangeEvent => ({ service, critical: false, previousStatus: 'healthy', status: 'down', reason: 'check down', at: new Date().toISOString() });

describe.skipIf(!redisAvailable)('messages from Redis', () => {
  let raw: Redis;
  const opened: { close(): Promise<void> }[] = [];
  /** A Redis pub/sub with Lookout's channels, or with the transport tests' own. */
  async function open(url: string, logger: Logger, prefix: string): Promise<PubSub>;
  async function open<M extends ChannelMap>(url: string, logger: Logger, prefix: string, shapes: PayloadShapes<M>): Promise<PubSub<M>>;
  async function open(url: string, logger: Logger, prefix: string, shapes?: PayloadShapes<object>) {
    const pubsub = await createRedisPubSub<object>(url, logger, { prefix, shapes });
    opened.push(pubsub);
    return pubsub;
  }

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
    const events = pubsub.subscribe(Channels.statusChanged);
    await events.ready;
    const channel = `${prefix}:0:service.status`;
    // Every kind of bad message a foreign publisher can send, then a good one.
    const bad = ['not json', '', '1', 'null', '"text"', '[1,2]', '{"truncated":', 'x'.repeat(MAX_EVENT_BYTES + 1)];
    for (const message of bad) expect(await raw.publish(channel, message)).toBe(1);
    await raw.publish(channel, JSON.stringify(transition('api')));
    expect(await firstEvents(events, 1)).toEqual([transition('api')].map((t) => ({ ...t, at: expect.any(String) })));
    expect(pubsub.droppedMessages.get(Channels.statusChanged)).toBe(bad.length);
    // Logged, but not once per message: the first at once, the rest counted on the next line a minute later.
    const dropped = lines().filter((l) => l.msg.startsWith('dropped a pub/sub message'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 40, channel, reason: expect.stringMatching(/^not JSON/) });
  });

  it('drops and counts an event that does not fit its channel, naming the field (regression: a JSON object without the fields a consumer reads failed that subscription)', async () => {
    const { logger, lines } = capturedLogger();
    const prefix = `t-shape-${run}`;
    const pubsub = await open(redisUrl, logger, prefix);
    const checks = pubsub.subscribe(Channels.checksRecorded);
    const runs = pubsub.subscribe(Channels.runsUpdated);
    const changes = pubsub.subscribe(Channels.statusChanged);
    await Promise.all([checks.ready, runs.ready, changes.ready]);
    const at = new Date().toISOString();
    const good = { service: 'api', checkedAt: at, status: 'healthy', latencyMs: 3, error: null };
    const wrong: [string, unknown, RegExp][] = [
      [Channels.checksRecorded, {}, /^checks is missing \(a list\)$/],
      [Channels.checksRecorded, { checks: 'x' }, /^checks is a string of 1 characters, not a list$/],
      [Channels.checksRecorded, { checks: [good, { service: 'api' }] }, /^checks\[1\]\.checkedAt is missing/],
      [Channels.checksRecorded, { checks: [{ ...good, status: 'exploded' }] }, /^checks\[0\]\.status is a string of 8 characters, not one of healthy, degraded, down$/],
      [Channels.checksRecorded, { checks: [{ ...good, latencyMs: '3' }] }, /latencyMs/],
      [Channels.runsUpdated, { runs: [{ id: '7' }] }, /^runs\[0\]\.id is a string/],
      [Channels.runsUpdated, { runs: [{ id: { toString: 1 } }] }, /^runs\[0\]\.id is an object/],
      [Channels.statusChanged, { ...transition('api'), previousStatus: 'sideways' }, /previousStatus/],
      [Channels.statusChanged, { ...transition('api'), at: 'yesterday' }, /^at is a string of 9 characters, not an ISO instant$/],
      [Channels.statusChanged, { ...transition('api'), constructor: 1, critical: undefined }, /^critical is missing/],
    ];
    for (const [name, payload] of wrong) expect(await raw.publish(`${prefix}:0:${name}`, JSON.stringify(payload))).toBe(1);
    await raw.publish(`${prefix}:0:${Channels.checksRecorded}`, JSON.stringify({ checks: [good] }));
    await raw.publish(`${prefix}:0:${Channels.runsUpdated}`, JSON.stringify({ runs: [{ id: 7, workspaceId: 1, tenantId: null, type: 't', status: 'queued', outcome: 'pending', at }] }));
    await raw.publish(`${prefix}:0:${Channels.statusChanged}`, JSON.stringify(transition('db')));
    // Only the good ones arrive: each subscription's first event is its channel's good message.
    expect(await firstEvents(checks, 1)).toEqual([{ checks: [good] }]);
    expect((await firstEvents(runs, 1))[0].runs.map((r) => r.id)).toEqual([7]);
    expect((await firstEvents(changes, 1))[0].service).toBe('db');
    expect(Object.fromEntries(pubsub.droppedMessages)).toEqual({ [Channels.checksRecorded]: 5, [Channels.runsUpdated]: 2, [Channels.statusChanged]: 3 });
    // The one line logged names the field that is wrong, and quotes nothing of the message.
    const [line] = lines().filter((l) => l.msg.startsWith('dropped a pub/sub message'));
    expect(line).toMatchObject({ channel: `${prefix}:0:${Channels.checksRecorded}`, reason: 'checks is missing (a list)' });
    for (const [, , reason] of wrong) expect(reason.source).not.toMatch(/exploded|yesterday/);
  });

  it('drops a message over the size limit before parsing it, and refuses to publish one, naming the channel', async () => {
    const { logger, lines } = capturedLogger();
    const prefix = `t-size-${run}`;
    const pubsub = await open(redisUrl, logger, prefix, testShapes);
    const events = pubsub.subscribe('big');
    await events.ready;
    const huge = JSON.stringify({ n: 0, pad: 'x'.repeat(MAX_EVENT_BYTES) });
    await raw.publish(`${prefix}:0:big`, huge);
    await expect(pubsub.publish('big', { n: 0, pad: 'x'.repeat(MAX_EVENT_BYTES) })).rejects.toThrow(/the event on big is \d+ bytes, over the 1048576-byte limit/);
    await pubsub.publish('big', { n: 2 });
    expect(await firstEvents(events, 1)).toEqual([{ n: 2 }]);
    expect(lines().find((l) => l.msg.startsWith('dropped a pub/sub message'))).toMatchObject({ reason: `${Buffer.byteLength(huge)} bytes, over the ${MAX_EVENT_BYTES}-byte limit` });
  });

  it('never hands a filter a message that does not fit its channel (the filter reads fields the shape guarantees)', async () => {
    const { logger } = capturedLogger();
    const prefix = `t-filter-${run}`;
    const pubsub = await open(redisUrl, logger, prefix);
    const source = pubsub.subscribe(Channels.runsUpdated);
    await source.ready;
    const events = filteredEvents(pubsub, Channels.runsUpdated, (e) => e.runs.some((r) => r.id === 7));
    const received = firstEvents(events, 1); // its first read runs the generator up to its subscribe()
    const good = { runs: [{ id: 7, workspaceId: 1, tenantId: null, type: 't', status: 'queued', outcome: 'pending', at: new Date().toISOString() }] };
    await raw.publish(`${prefix}:0:${Channels.runsUpdated}`, '{"runs":null}');
    await raw.publish(`${prefix}:0:${Channels.runsUpdated}`, JSON.stringify(good));
    expect(await received).toEqual([good]);
    expect(pubsub.droppedMessages.get(Channels.runsUpdated)).toBe(1);
    await source.return?.();
  });

  it('keeps two deployments on one Redis server apart: by the database number of REDIS_URL, and by LOOKOUT_REDIS_PREFIX (regression: pub/sub ignored /db)', async () => {
    const { logger } = capturedLogger();
    const prefix = `t-apart-${run}`;
    const url = (db: number) => `${redisUrl.replace(/\/\d*$/, '')}/${db}`;
    const db1 = await open(url(1), logger, prefix, testShapes);
    const db2 = await open(url(2), logger, prefix, testShapes);
    const otherPrefix = await open(url(1), logger, `${prefix}-other`, testShapes);
    const sameAsDb1 = await open(url(1), logger, prefix, testShapes);

    const heardBy = async (listener: PubSub<TestChannels>, speaker: PubSub<TestChannels>): Promise<number[]> => {
      const events = listener.subscribe('apart');
      await events.ready;
      // The speaker's event goes first; the listener's own marker after it. Redis delivers a
      // published message before PUBLISH returns, so had the listener heard the speaker, the
      // speaker's event would come first.
      await speaker.publish('apart', { n: 1, from: 'speaker' });
      await listener.publish('apart', { n: 2, from: 'listener' });
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
  it('keeps serving and publishing after bad messages on every channel it listens to, and counts them (regression: one `redis-cli publish` stopped every replica)', async () => {
    const prefix = `t-server-${run}`;
    const ts = await startTestServer({ runScheduler: false, config: { redisUrl, redisPrefix: prefix } });
    const raw = new Redis(redisUrl);
    const client = wsClient(ts, { token: ts.adminToken });
    try {
      const query = 'subscription { healthCheckRecorded(service: "lookout") { service status } }';
      const received = takeEvents<{ healthCheckRecorded: { service: string } }>(client, query, 1);
      const channels = Object.values(Channels).map((name) => `${prefix}:0:${name}`);
      // Wait until the subscription listens on Redis, then send every channel what a foreign publisher might.
      const check = `${prefix}:0:${Channels.checksRecorded}`;
      for (let tries = 0; ((await raw.pubsub('NUMSUB', check)) as [string, number])[1] === 0; tries++) {
        if (tries > 100) throw new Error('the subscription never listened on Redis');
        await new Promise((r) => setTimeout(r, 50));
      }
      const bad = ['not json', 'null', '7', '[]', '{"runs":"x"}', '{}', '{"checks":[{"service":"lookout"}]}'];
      for (const channel of channels) for (const message of bad) await raw.publish(channel, message);
      // The server still answers, checks, stores and publishes: the subscriber gets the recheck's event.
      expect((await fetch(`${ts.url}/health`)).status).toBe(200);
      await gqlOk(ts, 'mutation { recheckService(name: "lookout") { status } }', {}, { token: ts.adminToken });
      expect((await received).map((e) => e.healthCheckRecorded.service)).toEqual(['lookout']);
      // Counted on the channels it listens to: the checks (this subscription) and access changes (every replica's sockets).
      expect(ts.server.app.pubsub.droppedMessages.get(Channels.checksRecorded)).toBe(bad.length);
      expect(ts.server.app.pubsub.droppedMessages.get(Channels.accessChanged)).toBe(bad.length);
      const metrics = await (await fetch(`${ts.url}/metrics`, { headers: { authorization: `Bearer ${ts.adminToken}` } })).text();
      expect(metrics).toContain(`lookout_pubsub_messages_dropped_total{channel="${Channels.checksRecorded}"} ${bad.length}`);
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
      const bad = ['{}', '{"runs":"x"}', '{"runs":[null,5,"x"]}', '{"runs":[{"id":{"toString":1}}]}', '{"runs":[{"id":"424242"}]}'];
      const good = JSON.stringify({ runs: [{ id: 424242, workspaceId: 1, tenantId: null, type: 'fault.test', status: 'queued', outcome: 'pending', at: new Date().toISOString() }] });
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
    const pubsub = createInProcessPubSub<TestChannels>();
    await expect(pubsub.publish('error', { n: 0 })).resolves.toBeUndefined();
    const events = pubsub.subscribe('error');
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
