/**
 * The result writer while the database cannot take its writes: it holds at most `maxHeld` results
 * (the oldest dropped and counted), retries with a growing delay, logs the trouble once, and once
 * the database is back writes what it holds in batches, in `checked_at` order. A row the database
 * refuses holds up only its own service, and only for a few attempts.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessPubSub } from '../../server/events/pubsub.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import type { CompletedCheck, HealthCheckEvent, StatusChangeEvent } from '../../server/monitoring/results.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

describe('the result writer when the database fails its writes', () => {
  let ts: TestServer;
  const ids = new Map<string, number>();
  const services = ['cap-0', 'cap-1', 'cap-2', 'cap-3', 'stall-0', 'stall-1', 'good-0', 'good-1', 'bad', 'outage', 'urgent'];
  const sql = () => ts.server.app.sql;

  /** The i-th result of a run: its service flips between healthy and down at each of its results. */
  const result = (service: string, at: number, status: 'healthy' | 'down'): CompletedCheck => ({
    serviceId: ids.get(service)!,
    serviceName: service,
    critical: false,
    kind: 'tcp',
    checkedAt: new Date(at),
    result: { status, latencyMs: 3, error: status === 'down' ? 'refused' : null, details: {} },
  });
  /** A writer with its own log and a record of what it would publish, batch by batch. */
  const writer = (pool: pg.Pool, options: ConstructorParameters<typeof ResultWriter>[3]) => {
    const logs: { level: number; msg: string; [field: string]: unknown }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => (logs.push(JSON.parse(String(chunk))), done()) }));
    const batches: { checks: HealthCheckEvent[]; transitions: StatusChangeEvent[] }[] = [];
    return { logs, batches, writer: new ResultWriter(pool, { pubsub: createInProcessPubSub(), onRecorded: (checks, transitions) => batches.push({ checks, transitions }) }, logger, options) };
  };
  const stored = async (names: string[]) =>
    (await sql().query<{ at: Date }>('select checked_at as at from health_checks where service_id = any($1) order by checked_at', [names.map((n) => ids.get(n))])).rows.map((r) => r.at.getTime());
  const windowStatuses = async (name: string) => (await sql().query<{ status: string }>('select status from uptime_records where service_id = $1 order by started_at, id', [ids.get(name)])).rows.map((r) => r.status);
  const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const noTwoAlike = (statuses: string[]) => statuses.every((s, i) => i === 0 || s !== statuses[i - 1]);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    for (const name of services) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '1h', failureThreshold: 1, recoveryThreshold: 1 } },
        { token: ts.adminToken },
      );
      ids.set(name, (await sql().query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id);
    }
    // Triggers that refuse writes, counting each refusal in a sequence (which a rollback does not undo).
    await sql().query(`create sequence refused_writes;
      create function refuse_checks() returns trigger language plpgsql as $$
        begin perform nextval('refused_writes'); raise exception 'the checks table refuses writes'; end $$`);
  });
  afterAll(() => ts?.close());

  it('holds no more than its cap while every write fails, then stores the newest in checked_at order (regression: the cap counted only results that arrived during the failed write, so a retried batch grew without bound)', async () => {
    const cap = ['cap-0', 'cap-1', 'cap-2', 'cap-3'];
    const { writer: w, logs, batches } = writer(sql(), { maxHeld: 300, maxBatch: 50, flushMs: 5, retryMs: 20, maxRetryMs: 100 });
    await sql().query('create trigger refuse_all before insert on health_checks for each statement execute function refuse_checks()');
    const t0 = Date.parse('2026-06-01T00:00:00Z');
    const added: number[] = [];
    let mostHeld = 0;
    for (let i = 0; i < 1000; i++) {
      w.add(result(cap[i % 4], t0 + i * 1000, Math.floor(i / 4) % 2 ? 'down' : 'healthy'));
      added.push(t0 + i * 1000);
      mostHeld = Math.max(mostHeld, w.heldResults);
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 5)); // let the writer try (and fail) meanwhile
    }
    const refusals = async () => Number((await sql().query('select last_value from refused_writes')).rows[0].last_value);
    const before = await refusals();
    await until('three more failed retries', async () => (await refusals()) >= before + 3);
    expect(mostHeld).toBeLessThanOrEqual(300);
    expect(w.heldResults).toBe(300);
    expect(w.droppedResults).toBe(700);

    await sql().query('drop trigger refuse_all on health_checks');
    await until('the held results to be stored', () => w.heldResults === 0);
    // The newest 300, each batch no bigger than maxBatch, in the order the checks ran.
    expect(await stored(cap)).toEqual(added.slice(-300));
    expect(Math.max(...batches.map((b) => b.checks.length))).toBeLessThanOrEqual(50);
    for (const name of cap) {
      // Each service's results in the order its checks ran (services written apart may land in any order).
      const order = batches.flatMap((b) => b.checks.filter((c) => c.service === name).map((c) => Date.parse(c.checkedAt)));
      expect(order, name).toEqual(added.slice(-300).filter((_, i) => cap[(i + 700) % 4] === name));
      expect(noTwoAlike(await windowStatuses(name)), name).toBe(true);
    }
    // One line when it started, one when the oldest began to be dropped, one when it was over.
    expect(logs.filter((l) => l.msg.startsWith('could not store check results'))).toHaveLength(1);
    expect(logs.filter((l) => l.msg.includes('the oldest are dropped'))).toHaveLength(1);
    expect(logs.filter((l) => l.msg.startsWith('check results stored again')).map((l) => l.dropped)).toEqual([700]);
    await w.close();
  });

  it('holds no more than its cap while the checks table is locked, and stores the batch in flight and the newest once it is free (a stall: a long vacuum, a slow disk)', async () => {
    const stall = ['stall-0', 'stall-1'];
    const { writer: w, logs } = writer(sql(), { maxHeld: 200, maxBatch: 50, flushMs: 5 });
    const lock = await sql().connect();
    await lock.query('begin');
    await lock.query('lock table health_checks in access exclusive mode');
    const t0 = Date.parse('2026-06-02T00:00:00Z');
    const added: number[] = [];
    const add = (i: number) => {
      w.add(result(stall[i % 2], t0 + i * 1000, 'healthy'));
      added.push(t0 + i * 1000);
    };
    for (let i = 0; i < 50; i++) add(i); // a full batch: written at once, and stuck behind the lock
    await until('the write to wait for the lock', async () => (await sql().query("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()")).rows[0].n > 0);
    // Nothing waits but the write in flight: its services are held all the same (the scheduler keeps their claims).
    expect([...w.heldServices()].sort()).toEqual(stall.map((n) => ids.get(n)!).sort());
    let mostHeld = 0;
    for (let i = 50; i < 650; i++) {
      add(i);
      mostHeld = Math.max(mostHeld, w.heldResults);
    }
    expect(mostHeld).toBeLessThanOrEqual(200);
    expect(w.heldResults).toBe(200);
    await lock.query('commit');
    lock.release();
    await until('the held results to be stored', () => w.heldResults === 0);
    expect(w.heldServices().size).toBe(0);
    // The write in flight could not be called back: it is stored, with the newest 200; 400 between are dropped.
    expect(await stored(stall)).toEqual([...added.slice(0, 50), ...added.slice(-200)]);
    expect(w.droppedResults).toBe(400);
    expect(logs.filter((l) => l.msg.includes('the oldest are dropped'))).toHaveLength(1);
    expect(logs.filter((l) => l.msg.startsWith('check results stored again')).map((l) => l.dropped)).toEqual([400]);
    await w.close();
  });

  it('stores the other services when the database refuses one service\'s rows, and drops those after 3 attempts with one line naming it (regression: one bad row sent its whole batch back to be retried forever)', async () => {
    const { writer: w, logs } = writer(sql(), { flushMs: 5, retryMs: 20, attempts: 3 });
    await sql().query(`create trigger refuse_bad before insert on health_checks for each row when (new.service_id = ${ids.get('bad')}) execute function refuse_checks()`);
    const t0 = Date.parse('2026-06-03T00:00:00Z');
    w.add(result('good-0', t0, 'healthy'));
    w.add(result('bad', t0 + 1000, 'healthy'));
    w.add(result('good-1', t0 + 2000, 'healthy'));
    w.add(result('bad', t0 + 3000, 'down'));
    w.add(result('good-0', t0 + 4000, 'down'));
    await w.flush();
    // The good services' results are stored by the same flush; the bad one's wait for a retry.
    expect(await stored(['good-0', 'good-1'])).toEqual([t0, t0 + 2000, t0 + 4000]);
    expect(await windowStatuses('good-0')).toEqual(['healthy', 'down']);
    expect(w.heldResults).toBe(2);
    await until('the refused results to be dropped', () => w.heldResults === 0);
    expect(w.droppedResults).toBe(2);
    const dropped = logs.filter((l) => l.msg.startsWith('dropped'));
    expect(dropped.map((l) => [l.service, l.dropped, l.attempts])).toEqual([['bad', 2, 3]]);
    expect(dropped[0].msg).toBe('dropped 2 check results of bad: the database refused 3 writes of them');
    expect(logs.filter((l) => l.msg.startsWith('could not store check results'))).toEqual([]); // not an outage
    // Later batches are stored as usual, and the service's own once the database takes them.
    await sql().query('drop trigger refuse_bad on health_checks');
    w.add(result('good-1', t0 + 5000, 'down'));
    w.add(result('bad', t0 + 6000, 'down'));
    await w.flush();
    expect(w.heldResults).toBe(0);
    expect(await stored(['good-1', 'bad'])).toEqual([t0 + 2000, t0 + 5000, t0 + 6000]);
    await w.close();
  });

  it('holds results while the database cannot be reached, retrying at growing intervals, and stores them in order as soon as it is back, logging the outage once', async () => {
    const url = new URL(ts.databaseUrl);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => {}); // idle connections the cut tears down
    const { writer: w, logs } = writer(pool, { flushMs: 5, retryMs: 50, maxRetryMs: 200 });
    const t0 = Date.parse('2026-06-04T00:00:00Z');
    w.add(result('outage', t0, 'healthy'));
    await w.flush();
    expect(w.heldResults).toBe(0);

    proxy.cut();
    for (let i = 1; i <= 20; i++) w.add(result('outage', t0 + i * 1000, i % 2 ? 'down' : 'healthy'));
    await until('five failed attempts', () => proxy.refusedAt.length >= 5);
    expect(w.heldResults).toBe(20);
    // 50 ms, doubling up to 200 ms (a timer never fires early; 5 ms for rounding).
    const gaps = proxy.refusedAt.slice(1, 5).map((at, i) => at - proxy.refusedAt[i]);
    expect(gaps.map((gap, i) => gap >= [50, 100, 200, 200][i] - 5), `gaps ${gaps.join(', ')} ms`).toEqual([true, true, true, true]);

    proxy.restore();
    const back = Date.now();
    await until('the held results to be stored', () => w.heldResults === 0, 2000);
    expect(Date.now() - back).toBeLessThan(1000); // within the longest delay (200 ms) and the writes
    expect(await stored(['outage'])).toEqual(Array.from({ length: 21 }, (_, i) => t0 + i * 1000));
    expect(await windowStatuses('outage')).toEqual(['healthy', ...Array.from({ length: 20 }, (_, i) => (i % 2 ? 'healthy' : 'down'))]);
    expect(logs.filter((l) => l.msg.startsWith('database unreachable'))).toHaveLength(1);
    const recovered = logs.filter((l) => l.msg.startsWith('check results stored again'));
    expect(recovered).toHaveLength(1);
    expect(recovered[0].failedWrites).toBeGreaterThanOrEqual(5);
    await w.close();
    await pool.end();
    await proxy.close();
  });

  it('writes a result that changes its service\'s status within a few milliseconds, not after the batch wait (alerting pages on transitions: 200 ms of batching was a fifth of its budget)', async () => {
    const { writer: w, batches } = writer(sql(), { maxBatch: 500, flushMs: 60_000, retryMs: 20, maxRetryMs: 100 });
    const t0 = Date.parse('2026-06-03T00:00:00Z');
    w.add(result('urgent', t0, 'healthy')); // the first this writer sees: it waits for the (one-minute) batch
    w.add(result('urgent', t0 + 1000, 'down')); // a change: the batch goes out now
    await until('the change to be stored', async () => (await stored(['urgent'])).length === 2, 5000);
    expect(batches.flatMap((b) => b.transitions).map((t) => t.status)).toEqual(['healthy', 'down']);
    expect(w.heldResults).toBe(0);
    await w.flush();
  });

});
