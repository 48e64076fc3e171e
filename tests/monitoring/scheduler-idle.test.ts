/**
 * The scheduler at rest: when nothing is due it waits until the next service is due (within its
 * idle bound) instead of looking every poll, so a small install costs next to nothing; what this
 * replica changes (a poke) still wakes it at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { Scheduler } from '../../server/monitoring/scheduler.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { countingPool } from './support/counting-pool.ts';

describe('scheduler with nothing due', () => {
  let ts: TestServer;
  let target: http.Server;
  const requests = new Map<string, number>();
  const logger = createLogger('silent');
  const stops: (() => Promise<void>)[] = [];

  const id = async (name: string) => (await ts.server.app.sql.query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id;
  /** Makes `name` due in `ms` and every other service not before tomorrow. */
  const dueOnlyIn = async (name: string, ms: number) =>
    ts.server.app.sql.query("update service_states set claimed_by = null, claimed_until = null, next_due_at = case when service_id = $1 then now() + $2 * interval '1 millisecond' else now() + interval '1 day' end", [await id(name), ms]);
  /** A scheduler on a pool that counts its looks for due checks (claims, which also read the next due time). */
  const scheduler = (idleMaxWaitMs: number) => {
    const sql = ts.server.app.sql;
    const { pool: counted, counts } = countingPool(sql, { looks: (text) => text.includes('with due as') });
    const writer = new ResultWriter(sql, { pubsub: ts.server.app.pubsub, onRecorded: () => {} }, logger, { flushMs: 5 });
    const s = new Scheduler(counted, writer, ts.server.app.monitoring.host, systemClock, logger, { concurrency: 10, pollMs: 10, idleMaxWaitMs });
    stops.push(() => s.stop());
    return { scheduler: s, counts };
  };

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = http.createServer((req, res) => {
      const name = req.url!.slice(1);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    await ts.server.app.sql.query("update services set paused = true where source = 'builtin'");
    for (const name of ['later', 'poked']) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'http', target: `http://127.0.0.1:${port}/${name}`, interval: '1h', timeout: '1s' } },
        { token: ts.adminToken },
      );
    }
  });
  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => {});
    target?.close();
    await ts?.close();
  });

  it('waits until the next service is due instead of looking every poll: a service due in 1 s is checked then, after a few looks rather than one per 10 ms poll', async () => {
    await dueOnlyIn('later', 1000);
    const { scheduler: s, counts } = scheduler(60_000);
    s.start();
    await until(() => (requests.get('later') ?? 0) === 1, 'the service due in 1 s was checked (with a minute of idle wait it is only if the wait ends at its due time)');
    // One look at the start, one when it was due, perhaps one after its claim: never ~100.
    expect(counts.looks).toBeLessThanOrEqual(4);
    await s.stop();
  });

  it('a poke wakes it at once while it waits (a service created or resumed here), even with a minute of idle wait', async () => {
    await dueOnlyIn('poked', 3_600_000);
    const { scheduler: s, counts } = scheduler(60_000);
    s.start();
    // Nothing due for an hour: it sleeps for its whole idle wait (a minute), not a poll.
    await until(() => (s.sleepingUntil ?? 0) > Date.now() + 30_000, 'the scheduler found nothing due and began its minute of idle wait');
    const before = requests.get('poked') ?? 0;
    await ts.server.app.sql.query('update service_states set next_due_at = now() where service_id = $1', [await id('poked')]);
    s.poke();
    await until(() => (requests.get('poked') ?? 0) === before + 1, 'the poked service was checked');
    expect(counts.looks).toBeGreaterThanOrEqual(2);
    await s.stop();
  });
});
