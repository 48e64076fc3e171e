/**
 * The scheduler under a backlog: when a claim fills every free slot, it claims the next batch as soon
 * as half the slots are free again, not a poll later. Regression: it waited a whole poll (100 ms in
 * production) after every batch, so a replica with 200 slots topped out near 2,000 checks a second
 * whatever the machine could do — 100,000 services @60 s fell ever further behind (BENCHMARKS.md).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { textOf, type QueryInput } from './support/counting-pool.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { Scheduler } from '../../server/monitoring/scheduler.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';

describe('scheduler with more due than slots', () => {
  let ts: TestServer;
  let target: http.Server;
  let served = 0;
  const logger = createLogger('silent');

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = http.createServer((_req, res) => {
      served++;
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    await ts.server.app.sql.query("update services set paused = true where source = 'builtin'");
    const services = Array.from({ length: 12 }, (_, i) => ({ name: `due-${i}`, kind: 'http', target: `http://127.0.0.1:${port}/${i}`, interval: '1h', timeout: '1s' }));
    await gqlOk(ts, 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', { s: services }, { token: ts.adminToken });
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('checks 12 due services with 3 slots and a minute-long poll at once, batch after batch, without looking in between', async () => {
    const sql = ts.server.app.sql;
    await sql.query("update service_states set claimed_by = null, claimed_until = null, next_due_at = now() where service_id in (select id from services where name like 'due-%')");
    let looks = 0;
    const counted = new Proxy(sql, {
      get: (pool, key) => {
        if (key !== 'query') return Reflect.get(pool, key, pool);
        return (query: QueryInput, values?: unknown[]) => {
          if (textOf(query).includes('with due as')) looks++;
          return pool.query(query, values);
        };
      },
    }) as pg.Pool;
    const writer = new ResultWriter(sql, { pubsub: ts.server.app.pubsub, onRecorded: () => {} }, logger, { flushMs: 5 });
    const scheduler = new Scheduler(counted, writer, ts.server.app.monitoring.host, systemClock, logger, { concurrency: 3, pollMs: 60_000, idleMaxWaitMs: 60_000 });
    served = 0;
    scheduler.start();
    try {
      // With a poll of a minute, the old scheduler checked 3 and then waited a minute.
      await until(() => served === 12, 'all 12 due services were checked');
      // A look per batch of up to 3 (more when a check ends early), never a look while every slot is busy.
      expect(looks).toBeLessThanOrEqual(12);
    } finally {
      await scheduler.stop();
    }
  });
});
