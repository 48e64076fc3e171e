/**
 * Replica safety of the scheduler, on one real database: concurrent claims never share a check,
 * two running schedulers check each service once per interval, and when one stops the other takes
 * its checks over within one interval (plus the claim's grace).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { claimDueChecks, Scheduler } from '../../server/monitoring/scheduler.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

describe('scheduler on several replicas', () => {
  let ts: TestServer;
  let target: http.Server;
  const hits = new Map<string, number[]>();

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = http.createServer((req, res) => {
      const name = req.url!.slice(1);
      hits.set(name, [...(hits.get(name) ?? []), Date.now()]);
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    // the built-in services stay out of the way
    await ts.server.app.sql.query("update services set paused = true where source = 'builtin'");
    for (let i = 0; i < 20; i++) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name: `svc-${i}`, kind: 'http', target: `http://127.0.0.1:${port}/svc-${i}`, interval: '1s', timeout: '500ms' } },
        { token: ts.adminToken },
      );
    }
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('never hands the same due check to two concurrent claims', async () => {
    const now = new Date(Date.now() + 60_000); // everything is due
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => claimDueChecks(ts.server.app.sql, now, 15)));
    const ids = [...a, ...b, ...c].map((x) => x.serviceId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(20);
    await ts.server.app.sql.query('update service_states set next_due_at = now(), claimed_until = null');
  });

  it('runs each due check exactly once per interval with two schedulers, and one takes over when the other stops', async () => {
    const logger = createLogger('silent');
    const { sql } = ts.server.app;
    const host = ts.server.app.monitoring.host;
    const ran = { a: 0, b: 0 };
    const make = (key: 'a' | 'b') =>
      new Scheduler(sql, new ResultWriter(sql, { pubsub: ts.server.app.pubsub, onRecorded: () => {} }, logger), host, systemClock, logger, { concurrency: 50, pollMs: 50 }, { onLag: () => ran[key]++ });
    const a = make('a');
    const b = make('b');
    // Due times spread over the interval, and B polling half a period after A: each due check goes
    // to whichever polls next, so both get some (started together, A's polls could win them all).
    await sql.query("update service_states set next_due_at = now() + random() * interval '1 second', claimed_until = null");
    hits.clear();
    a.start();
    await new Promise((r) => setTimeout(r, 25));
    b.start();
    await new Promise((r) => setTimeout(r, 4200));
    await a.stop();
    const afterA = Date.now();
    const slots = Math.ceil(4200 / 1000); // 1 s interval over 4.2 s
    for (const [name, times] of hits) {
      // at most one check per interval slot (+1 for the slot running when we started): never twice
      expect(times.length, name).toBeLessThanOrEqual(slots + 1);
      expect(times.length, name).toBeGreaterThanOrEqual(2); // a starved machine may run fewer, never more
    }
    expect(ran.a).toBeGreaterThan(0);
    expect(ran.b).toBeGreaterThan(0);

    // B alone keeps every service checked
    hits.clear();
    await new Promise((r) => setTimeout(r, 2500));
    await b.stop();
    for (let i = 0; i < 20; i++) expect(hits.get(`svc-${i}`)?.length ?? 0, `svc-${i} after A stopped at ${afterA}`).toBeGreaterThanOrEqual(1);
    const { rows } = await sql.query("select count(*)::int as n from health_checks where service_id in (select id from services where name like 'svc-%')");
    expect(rows[0].n).toBeGreaterThan(100);
  });

  it('takes over the checks of a replica that died holding claims, once the claims expire', async () => {
    const { sql } = ts.server.app;
    // a "dead" replica: claimed everything, never reported back
    const claimedAt = new Date(Date.now() + 60_000);
    const dead = await claimDueChecks(sql, claimedAt, 100);
    expect(dead.length).toBe(20);
    const claimedUntil = (await sql.query('select max(claimed_until) as t from service_states')).rows[0].t as Date;
    // 1 s interval, 500 ms timeout: the claim lasts the timeout and 1 s to store the result, not 5 s.
    expect(claimedUntil.getTime() - claimedAt.getTime()).toBe(1500);
    // while the claims hold, nothing is claimable; after they expire, everything is
    expect(await claimDueChecks(sql, new Date(claimedUntil.getTime() - 1000), 100)).toHaveLength(0);
    const later = await claimDueChecks(sql, new Date(claimedUntil.getTime() + 61_000), 100);
    expect(later.length).toBe(20);
  });

  it('takes a dead replica\'s check over by its next due time when the interval leaves room', async () => {
    const { sql } = ts.server.app;
    await sql.query("update services set interval_ms = 10000, timeout_ms = 2000 where name = 'svc-0'");
    await sql.query('update service_states set next_due_at = now(), claimed_until = null');
    const claimedAt = new Date(Date.now() + 600_000);
    const dead = await claimDueChecks(sql, claimedAt, 100);
    const svc0 = dead.find((c) => c.name === 'svc-0')!;
    expect(svc0).toBeDefined();
    // The claim ends 2 s + 5 s after it was taken, before the check is due again (10 s).
    const next = new Date(claimedAt.getTime() + 10_000);
    expect((await claimDueChecks(sql, new Date(next.getTime() - 1), 100)).map((c) => c.name)).not.toContain('svc-0');
    expect((await claimDueChecks(sql, next, 100)).map((c) => c.name)).toContain('svc-0');
    await sql.query("update services set interval_ms = 1000, timeout_ms = 500 where name = 'svc-0'");
  });
});
