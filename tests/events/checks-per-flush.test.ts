/**
 * Recorded checks go out as one message per write of the result writer, not one per check (10,000
 * services every 30 s were 333 Redis messages a second); `healthCheckRecorded` fans each message out
 * to every subscriber through its own filter. Against the real Redis (REDIS_URL, or 127.0.0.1:6379).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channels } from '../../server/events/channels.ts';
import type { CompletedCheck } from '../../server/monitoring/results.ts';
import { gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { serverSubscribed } from '../support/subscribed.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { redisAvailable, redisUrl } from './redis.ts';

const SERVICES = 40;

describe.skipIf(!redisAvailable)('recorded checks on Redis', () => {
  const prefix = `t-flush-${process.pid}-${Date.now().toString(36)}`;
  let ts: TestServer;
  let listener: Redis;
  let speaker: Redis;
  const ids = new Map<string, number>();

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, config: { redisUrl, redisPrefix: prefix } });
    for (let i = 0; i < SERVICES; i++) {
      const name = `flush-${i}`;
      await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '1h' } }, { token: ts.adminToken });
    }
    const { rows } = await ts.server.app.sql.query<{ id: number; name: string }>("select id, name from services where name like 'flush-%'");
    for (const r of rows) ids.set(r.name, r.id);
    listener = new Redis(redisUrl);
    speaker = new Redis(redisUrl);
  });
  afterAll(async () => {
    listener?.disconnect();
    speaker?.disconnect();
    await ts?.close();
  });

  it('sends one Redis message per flush, carrying every check of it (regression: one message per check, 10,000 a second at 10,000 services), and each subscriber gets the checks its filter asks for', async () => {
    const channel = `${prefix}:0:${Channels.checksRecorded}`;
    const messages: string[] = [];
    const end = `end-${randomUUID()}`;
    const ended = new Promise<void>((resolve) =>
      listener.on('message', (from: string, message: string) => {
        if (from !== channel) return;
        if (message === end) resolve();
        else messages.push(message);
      }),
    );
    await listener.subscribe(channel);

    const client = wsClient(ts, { token: ts.adminToken });
    // Both subscriptions listen before the checks are written: each has joined the server's channel,
    // and Redis has confirmed the server's SUBSCRIBE (regression: waiting until Redis counted the
    // server's connection let the checks go before the second subscription had started).
    const watch = serverSubscribed(ts, Channels.checksRecorded, 2);
    try {
      const one = takeEvents<{ healthCheckRecorded: { service: string; status: string } }>(client, 'subscription { healthCheckRecorded(service: "flush-7") { service status } }', 2);
      const all = takeEvents<{ healthCheckRecorded: { service: string } }>(client, 'subscription { healthCheckRecorded { service } }', SERVICES);
      await watch.subscribed;
      expect(((await speaker.pubsub('NUMSUB', channel)) as [string, number])[1]).toBe(2); // ours and the server's
      const checkedAt = new Date();
      for (const [name, serviceId] of ids) {
        const check: CompletedCheck = { serviceId, serviceName: name, critical: false, kind: 'tcp', checkedAt, result: { status: 'healthy', latencyMs: 2, error: null, details: {} } };
        ts.server.app.monitoring.writer.add(check);
      }
      await ts.server.app.monitoring.writer.flush();
      // The service's other check later: a second flush, a second message.
      ts.server.app.monitoring.writer.add({ serviceId: ids.get('flush-7')!, serviceName: 'flush-7', critical: false, kind: 'tcp', checkedAt: new Date(checkedAt.getTime() + 1000), result: { status: 'down', latencyMs: 2, error: 'refused', details: {} } });
      await ts.server.app.monitoring.writer.flush();

      expect((await one).map((e) => e.healthCheckRecorded)).toEqual([{ service: 'flush-7', status: 'HEALTHY' }, { service: 'flush-7', status: 'DOWN' }]);
      expect(new Set((await all).map((e) => e.healthCheckRecorded.service))).toEqual(new Set(ids.keys()));
      // Everything the server sent on the channel came before this marker (the server's messages
      // reached Redis before its own subscriptions heard them).
      await speaker.publish(channel, end);
      await ended;
      expect(messages.map((m) => (JSON.parse(m) as { checks: unknown[] }).checks.length)).toEqual([SERVICES, 1]);
    } finally {
      watch.restore();
      await client.dispose();
    }
  });
});
