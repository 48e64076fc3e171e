/**
 * Replica safety of the scheduler, on one real database: concurrent claims never share a check,
 * two running schedulers check each service once per interval, and when one stops the other takes
 * its checks over within one interval (plus the claim's grace). A replica that holds results of a
 * service (the checks table stalled) keeps its claim and goes on checking it; no other replica
 * does, so the service's results are stored in the order its checks ran.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { textOf, type QueryInput } from './support/counting-pool.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { claimDueChecks } from '../../server/monitoring/claims.ts';
import { Scheduler } from '../../server/monitoring/scheduler.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import type { HealthCheckEvent, StatusChangeEvent } from '../../server/monitoring/results.ts';
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
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((owner) => claimDueChecks(ts.server.app.sql, now, 15, { owner })));
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
    const dead = await claimDueChecks(sql, claimedAt, 100, { owner: 'dead' });
    expect(dead.length).toBe(20);
    const claimedUntil = (await sql.query('select max(claimed_until) as t from service_states')).rows[0].t as Date;
    // 1 s interval, 500 ms timeout: the claim lasts the timeout and 1 s to store the result, not 5 s.
    expect(claimedUntil.getTime() - claimedAt.getTime()).toBe(1500);
    // while the claims hold, nothing is claimable; after they expire, everything is
    expect(await claimDueChecks(sql, new Date(claimedUntil.getTime() - 1000), 100, { owner: 'alive' })).toHaveLength(0);
    const later = await claimDueChecks(sql, new Date(claimedUntil.getTime() + 61_000), 100, { owner: 'alive' });
    expect(later.length).toBe(20);
  });

  it('takes a dead replica\'s check over by its next due time when the interval leaves room', async () => {
    const { sql } = ts.server.app;
    await sql.query("update services set interval_ms = 10000, timeout_ms = 2000 where name = 'svc-0'");
    await sql.query('update service_states set next_due_at = now(), claimed_until = null');
    const claimedAt = new Date(Date.now() + 600_000);
    const dead = await claimDueChecks(sql, claimedAt, 100, { owner: 'dead' });
    const svc0 = dead.find((c) => c.name === 'svc-0')!;
    expect(svc0).toBeDefined();
    // The claim ends 2 s + 5 s after it was taken, before the check is due again (10 s).
    const next = new Date(claimedAt.getTime() + 10_000);
    expect((await claimDueChecks(sql, new Date(next.getTime() - 1), 100, { owner: 'alive' })).map((c) => c.name)).not.toContain('svc-0');
    expect((await claimDueChecks(sql, next, 100, { owner: 'alive' })).map((c) => c.name)).toContain('svc-0');
    await sql.query("update services set interval_ms = 1000, timeout_ms = 500 where name = 'svc-0'");
  });
});

describe('claims while a replica holds results of a service (the checks table stalled)', () => {
  let ts: TestServer;
  let target: http.Server;
  const logger = createLogger('silent');
  /** What the target answers on /<name> (the tests flip it), and the requests it had. */
  const answers = new Map<string, number>();
  const requests = new Map<string, number>();
  /** Responses on /<name> held back until the test lets them go; the most in flight at once. */
  const hanging = new Map<string, { release: (() => void)[]; inFlight: number; most: number }>();
  const cleanups: (() => Promise<unknown>)[] = [];
  /** An hour ago on the wall clock: services created now are not due on the test's clock. */
  const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

  const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const id = async (name: string) => (await ts.server.app.sql.query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id;
  const claimOf = async (name: string) =>
    (await ts.server.app.sql.query<{ claimed_by: string | null; claimed_until: Date | null }>('select claimed_by, claimed_until from service_states where service_id = $1', [await id(name)])).rows[0];
  /**
   * A replica: its own scheduler and writer on `sql`. It counts its looks for due checks (the claim
   * statements it got an answer to) and the checks it began and ended.
   */
  const replica = (owner: string, clock: Clock, sql: pg.Pool = ts.server.app.sql) => {
    const checks: HealthCheckEvent[] = [];
    const transitions: StatusChangeEvent[] = [];
    const counts = { looks: 0, began: 0, ended: 0 };
    const counted = new Proxy(sql, {
      get: (pool, key) => {
        if (key !== 'query') return Reflect.get(pool, key, pool);
        return (query: QueryInput, values?: unknown[]) => {
          const answer = pool.query(query, values);
          if (!textOf(query).includes('with due as')) return answer;
          return answer.then((r) => {
            counts.looks++;
            return r;
          });
        };
      },
    });
    const writer = new ResultWriter(sql, { pubsub: ts.server.app.pubsub, onRecorded: (c, t) => void (checks.push(...c), transitions.push(...t)) }, logger, { flushMs: 5 });
    const scheduler = new Scheduler(counted, writer, ts.server.app.monitoring.host, clock, logger, { concurrency: 10, pollMs: 10, idleMaxWaitMs: 10, owner }, { onLag: () => counts.began++, onCheck: () => counts.ended++ });
    cleanups.push(() => scheduler.stop());
    return {
      owner, writer, scheduler, checks, transitions, counts,
      /** Resolves once this replica has looked for due checks twice more. */
      looked: async () => {
        const from = counts.looks;
        await until(`${owner} looked for due checks again`, () => counts.looks >= from + 2);
      },
    };
  };
  /**
   * Moves `clock` to `at` and lets `replicas` look for due checks until a round in which each looked
   * twice and none began a check; every check begun has ended by then.
   */
  const settle = async (clock: ManualClock, at: number, replicas: ReturnType<typeof replica>[]) => {
    clock.set(new Date(at));
    for (;;) {
      const began = replicas.reduce((n, r) => n + r.counts.began, 0);
      await Promise.all(replicas.map((r) => r.looked()));
      await until('the checks begun have ended', () => replicas.every((r) => r.counts.began === r.counts.ended));
      if (replicas.reduce((n, r) => n + r.counts.began, 0) === began) return;
    }
  };
  /** Stalls the writes of checks, as a long vacuum or a slow disk would: another connection holds health_checks locked. */
  const stall = async () => {
    const lock = await ts.server.app.sql.connect();
    await lock.query('begin');
    await lock.query('lock table health_checks in exclusive mode');
    let held = true;
    const end = async () => {
      if (!held) return;
      held = false;
      await lock.query('commit');
      lock.release();
    };
    cleanups.push(end);
    return end;
  };
  /** Makes `name` due at `at` on the test's clock, and the other services not before tomorrow. */
  const dueOnly = async (name: string, at: number) =>
    ts.server.app.sql.query("update service_states set next_due_at = case when service_id = $1 then $2 else now() + interval '1 day' end", [await id(name), new Date(at)]);
  const writersWaiting = async () => (await ts.server.app.sql.query<{ n: number }>("select count(distinct pid)::int as n from pg_locks where relation = 'health_checks'::regclass and not granted")).rows[0].n;
  const windows = async (name: string) =>
    (await ts.server.app.sql.query<{ status: string; started_at: Date }>('select status, started_at from uptime_records where service_id = $1 order by started_at, id', [await id(name)])).rows.map((w) => `${w.status}@${w.started_at.getTime() - T0}`);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = http.createServer((req, res) => {
      const name = req.url!.slice(1);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      const hang = hanging.get(name);
      if (!hang) return void res.writeHead(answers.get(name) ?? 200).end();
      hang.inFlight++;
      hang.most = Math.max(hang.most, hang.inFlight);
      hang.release.push(() => {
        hang.inFlight--;
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    await ts.server.app.sql.query("update services set paused = true where source = 'builtin'");
    for (const [name, interval, timeout] of [['flipped', '1s', '800ms'], ['renewed', '10s', '1s'], ['slow', '1s', '3s']]) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'http', target: `http://127.0.0.1:${port}/${name}`, interval, timeout, failureThreshold: 1, recoveryThreshold: 1 } },
        { token: ts.adminToken },
      );
    }
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    target?.close();
    await ts?.close();
  });

  it("a transition seen by a replica whose results were held during a stall is recorded (regression: another replica's later result, stored first, made it 'older than the one stored')", async () => {
    const { sql } = ts.server.app;
    const clock = new ManualClock(new Date(T0 - 1000));
    const a = replica('replica-a', clock);
    const b = replica('replica-b', clock);
    // Healthy, stored, before the stall.
    answers.set('flipped', 200);
    await dueOnly('flipped', T0 - 1000);
    a.scheduler.start();
    await settle(clock, T0 - 1000, [a]);
    await until('the first check is stored', () => a.checks.length === 1);
    expect(await claimOf('flipped')).toEqual({ claimed_by: null, claimed_until: null }); // let go with its result

    // The stall begins. A checks the service (down) and holds the result: its write waits for the lock.
    const endStall = await stall();
    answers.set('flipped', 500);
    await settle(clock, T0, [a]);
    await until("A's write waits for the lock", async () => (await writersWaiting()) === 1);
    // B runs too. The service is due each second; A's first claim would end at +1800 (timeout 800 ms
    // + 1 s grace). Before the fix nobody could check it at +1000, B took it over at +2000 and stored
    // its result first, and A's were then "older than the one stored": healthy at +1000 was lost.
    b.scheduler.start();
    answers.set('flipped', 200);
    await settle(clock, T0 + 1000, [a, b]);
    await settle(clock, T0 + 2000, [a, b]);
    answers.set('flipped', 500);
    await settle(clock, T0 + 3000, [a, b]);
    await endStall();
    await until('every result is stored', () => a.writer.heldResults + b.writer.heldResults === 0);

    // Every status the target held has its window, in order, each once, and one transition each.
    expect(await windows('flipped')).toEqual(['healthy@-1000', 'down@0', 'healthy@1000', 'down@3000']);
    expect([...a.transitions, ...b.transitions].map((t) => `${t.previousStatus}->${t.status}@${Date.parse(t.at) - T0}`)).toEqual(['null->healthy@-1000', 'healthy->down@0', 'down->healthy@1000', 'healthy->down@3000']);
    // All by A, which held the service's claim throughout the stall, checking it each second.
    expect(a.checks.filter((c) => c.service === 'flipped').map((c) => Date.parse(c.checkedAt) - T0)).toEqual([-1000, 0, 1000, 2000, 3000]);
    expect(b.checks.filter((c) => c.service === 'flipped')).toEqual([]);
    expect(await claimOf('flipped')).toEqual({ claimed_by: null, claimed_until: null });
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });

  it('renews the claim of a service whose result it holds, and another replica takes the service over one claim after the holder stops renewing (it died)', async () => {
    const { sql } = ts.server.app;
    const start = T0 + 100_000;
    const clock = new ManualClock(new Date(start));
    const at = async (ms: number) => clock.set(new Date(start + ms));
    // A on a pool of its own, which the test ends to make it die.
    const poolA = new pg.Pool({ connectionString: ts.databaseUrl, max: 3 });
    poolA.on('error', () => {});
    const a = replica('replica-a2', clock, poolA);
    const b = replica('replica-b2', clock);
    await dueOnly('renewed', start);
    const endStall = await stall();
    a.scheduler.start();
    await until('A checks the service', () => requests.get('renewed') === 1);
    await until('A holds its result', () => a.writer.heldResults === 1);
    b.scheduler.start();
    // Interval 10 s, timeout 1 s: a claim lasts 1 s + 5 s.
    expect(await claimOf('renewed')).toEqual({ claimed_by: 'replica-a2', claimed_until: new Date(start + 6000) });
    await at(5000); // 1 s left: renewed for another 6 s
    await until('A renews its claim', async () => (await claimOf('renewed')).claimed_until?.getTime() === start + 11_000);

    // A dies: it reaches the database no more (its write in flight stays stuck behind the lock).
    void poolA.end();
    await at(10_999); // due, and still claimed by A
    await b.looked();
    await b.looked();
    expect(requests.get('renewed')).toBe(1);
    await at(11_000 + 1);
    await until('B takes the service over', () => requests.get('renewed') === 2);
    await until('B holds its result', () => b.writer.heldResults === 1);
    expect((await claimOf('renewed')).claimed_by).toBe('replica-b2');
    await endStall();
    await until("B's result is stored", () => b.writer.heldResults === 0);
    expect(b.checks.map((c) => Date.parse(c.checkedAt) - start)).toEqual([11_001]);
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });

  it('never runs two checks of one service at once on one replica, which may claim it again while it holds its results (a timeout longer than the interval: the next check starts when the last one ends)', async () => {
    const { sql } = ts.server.app;
    const start = T0 + 200_000;
    const clock = new ManualClock(new Date(start));
    const hang = { release: [] as (() => void)[], inFlight: 0, most: 0 };
    hanging.set('slow', hang);
    const a = replica('replica-a3', clock);
    const b = replica('replica-b3', clock);
    await dueOnly('slow', start);
    const endStall = await stall(); // A's results are held, so A keeps its claim throughout
    a.scheduler.start();
    await until('A checks the service', () => requests.get('slow') === 1);
    b.scheduler.start();
    // Due again twice while the check hangs (timeout 3 s, claim 3 s + 1 s): A is checking it, B may not.
    for (const ms of [1000, 2000]) {
      clock.set(new Date(start + ms));
      await a.looked();
      await b.looked();
    }
    expect(requests.get('slow')).toBe(1);
    hang.release.shift()!();
    // The check ends: A, whose claim lasts, checks the service again at once (B could not).
    await until('A checks the service again', () => requests.get('slow') === 2);
    expect(hang.most).toBe(1);
    hang.release.shift()!();
    hanging.delete('slow');
    await until('A holds both results', () => a.writer.heldResults === 2);
    await endStall();
    await until('both results are stored', () => a.checks.length === 2);
    expect(a.checks.map((c) => Date.parse(c.checkedAt) - start)).toEqual([0, 2000]);
    expect(b.checks).toEqual([]);
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });
});
