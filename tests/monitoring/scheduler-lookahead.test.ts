/**
 * Issue 15: the scheduler claims the checks due within its lookahead in one look and starts each at
 * its due time, so services coming due one after another cost a claim every second or so rather
 * than ten; a stop hands back what it claimed ahead and has not started. Checks claimed at a low
 * rate start together on longer ticks (`maxTickMs`): 1,000 services every 20 s cost 44% less CPU
 * with their statements prepared (BENCHMARKS.md).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import { Scheduler, START_TOGETHER, startTickMs } from '../../server/monitoring/scheduler.ts';
import { gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/signals.ts';
import { countingPool } from './support/counting-pool.ts';

describe('scheduler with a lookahead', () => {
  let ts: TestServer;
  let target: http.Server;
  /** Service name → when each request for it arrived (ms since epoch). */
  const arrivals = new Map<string, number[]>();
  const logger = createLogger('silent');
  const names = ['ahead-1', 'ahead-2', 'ahead-3', 'handed-back', 'tick-1', 'tick-2', 'tick-3', 'tick-4'];

  const id = async (name: string) => (await ts.server.app.sql.query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id;
  /** A scheduler on a pool that counts its looks for due checks. */
  const scheduler = (lookaheadMs: number, maxTickMs?: number) => {
    const sql = ts.server.app.sql;
    const { pool: counted, counts } = countingPool(sql, { looks: (text) => text.includes('with due as') });
    const writer = new ResultWriter(sql, { pubsub: ts.server.app.pubsub, onRecorded: () => {} }, logger, { flushMs: 5 });
    return { scheduler: new Scheduler(counted, writer, ts.server.app.monitoring.host, systemClock, logger, { concurrency: 10, pollMs: 10, idleMaxWaitMs: 60_000, lookaheadMs, maxTickMs }), counts };
  };

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = http.createServer((req, res) => {
      const name = req.url!.slice(1);
      arrivals.set(name, [...(arrivals.get(name) ?? []), Date.now()]);
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    await ts.server.app.sql.query("update services set paused = true where source = 'builtin'");
    for (const name of names) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'http', target: `http://127.0.0.1:${port}/${name}`, interval: '1h', timeout: '1s' } },
        { token: ts.adminToken },
      );
    }
    await ts.server.app.sql.query("update service_states set next_due_at = now() + interval '1 day'");
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('claims three checks due over the next second in one look and starts each at its due time, not before', async () => {
    // A lookahead of 6 s: the next look comes 4 s after the first, long after the three have run.
    const { scheduler: s, counts } = scheduler(6000);
    const base = Date.now() + 400;
    const due = new Map<string, number>();
    for (const [i, name] of ['ahead-1', 'ahead-2', 'ahead-3'].entries()) {
      due.set(name, base + i * 300);
      await ts.server.app.sql.query('update service_states set next_due_at = $2 where service_id = $1', [await id(name), new Date(base + i * 300)]);
    }
    s.start();
    try {
      await until(() => ['ahead-1', 'ahead-2', 'ahead-3'].every((n) => arrivals.get(n)?.length === 1), 'the three checks to run');
      // One look claimed all three; with no lookahead it takes one per due time at least.
      expect(counts.looks).toBe(1);
      for (const [name, at] of due) expect(arrivals.get(name)![0], name).toBeGreaterThanOrEqual(at);
    } finally {
      await s.stop();
    }
  });

  it('hands back at its stop a check claimed ahead that has not started: due again when it was, claimed by nobody', async () => {
    const { scheduler: s, counts } = scheduler(1500);
    const serviceId = await id('handed-back');
    const dueAt = new Date(Date.now() + 1200);
    await ts.server.app.sql.query('update service_states set next_due_at = $2 where service_id = $1', [serviceId, dueAt]);
    s.start();
    await until(async () => (await ts.server.app.sql.query('select claimed_by from service_states where service_id = $1', [serviceId])).rows[0].claimed_by !== null, 'the check to be claimed ahead');
    expect(counts.looks).toBeGreaterThanOrEqual(1);
    await s.stop();
    const row = (await ts.server.app.sql.query<{ next_due_at: Date; claimed_by: string | null }>('select next_due_at, claimed_by from service_states where service_id = $1', [serviceId])).rows[0];
    expect(row).toEqual({ next_due_at: dueAt, claimed_by: null });
    expect(arrivals.get('handed-back')).toBeUndefined();
  });

  it('starts checks on ticks long enough for about 25 of them at the rate it claims, at most maxTickMs and a twentieth of the interval', () => {
    const options = { pollMs: 100, maxTickMs: 500 };
    expect(START_TOGETHER).toBe(25);
    // 1,000 services every 20 s: 50 claimed a second.
    expect(startTickMs(options, 50, 20_000)).toBe(500);
    // 2,000: 100 a second, ticks of 250 ms rounded down to the poll's multiple.
    expect(startTickMs(options, 100, 20_000)).toBe(200);
    // 5,000 and more: 25 or more on every poll already.
    expect(startTickMs(options, 250, 20_000)).toBe(100);
    expect(startTickMs(options, 1667, 60_000)).toBe(100);
    // A few services: at most maxTickMs, and at most a twentieth of their interval.
    expect(startTickMs(options, 3, 3_600_000)).toBe(500);
    expect(startTickMs(options, 3, 5_000)).toBe(200);
    expect(startTickMs(options, 3, 2_000)).toBe(100);
    // Nothing claimed, or no maxTickMs: the poll, as before.
    expect(startTickMs(options, 0, 20_000)).toBe(100);
    expect(startTickMs({ pollMs: 100 }, 50, 20_000)).toBe(100);
  });

  it('holds each check claimed at a low rate to its tick: never before it, so checks due apart start together', async () => {
    // Four checks due 100 ms apart, claimed in one look: ticks of 400 ms (maxTickMs), not the 10 ms poll.
    const { scheduler: s } = scheduler(1500, 400);
    const names = ['tick-1', 'tick-2', 'tick-3', 'tick-4'];
    const ids = await Promise.all(names.map(id));
    // Due from 800 ms on, in one statement: the first look, right after, claims all four ahead.
    const base = Date.now() + 800;
    const due = new Map(names.map((name, i) => [name, base + i * 100]));
    await ts.server.app.sql.query('update service_states set next_due_at = u.due from unnest($1::int[], $2::timestamptz[]) as u(id, due) where service_id = u.id', [
      ids,
      names.map((name) => new Date(due.get(name)!)),
    ]);
    s.start();
    try {
      await until(() => [...due.keys()].every((n) => arrivals.get(n)?.length === 1), 'the four checks to run');
      const tickOf = (at: number) => Math.ceil(at / 400) * 400;
      // Due 100 ms apart, at least three of the four are due 100 ms or more before their tick: started
      // on the 10 ms poll, they would arrive before it.
      // (A timer may fire a millisecond early by the wall clock.)
      for (const [name, at] of due) expect(arrivals.get(name)![0], name).toBeGreaterThanOrEqual(tickOf(at) - 2);
      expect([...due.values()].filter((at) => tickOf(at) - at >= 100).length).toBeGreaterThanOrEqual(3);
    } finally {
      await s.stop();
    }
  });
});
