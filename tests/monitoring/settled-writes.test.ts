/**
 * Issue 15: a batch whose services keep their status is stored in one statement (recordSettled),
 * writing exactly what the transaction of `recordChecks` writes for them; the services that change
 * (or whose results are late, or mixed) go through that transaction after it. These pin that the
 * one statement and the transaction agree, and that a failure of the second stores nothing twice.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Channels, type ChecksRecordedMessage } from '../../server/events/channels.ts';
import { createLogger } from '../../server/logger.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import { recordChecks, recordSettled, type CompletedCheck, type StatusChangeEvent } from '../../server/monitoring/results.ts';
import { gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { capturedLogger, until } from '../support/signals.ts';

/** Counts the statements every pg client sends while `work` runs. */
async function statements<T>(work: () => Promise<T>): Promise<{ value: T; sent: string[] }> {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    sent.push((typeof config === 'string' ? config : (config?.text ?? '?')).replace(/\s+/g, ' ').trim().slice(0, 40));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
  try {
    return { value: await work(), sent };
  } finally {
    pg.Client.prototype.query = original;
  }
}

describe('a batch of results that change no status', () => {
  let ts: TestServer;
  const ids = new Map<string, number>();
  const logger = createLogger('silent');
  const names = ['steady-a', 'steady-b', 'pending', 'paused-steady', 'late', 'mixed-steady', 'mixed-change', 'held-steady', 'held-change', 'outage-steady', 'outage-change'];

  const result = (service: string, status: 'healthy' | 'down', at: string, latencyMs = 7, claim?: { owner: string; seq: string }): CompletedCheck => ({
    serviceId: ids.get(service)!,
    serviceName: service,
    critical: false,
    kind: 'tcp',
    checkedAt: new Date(at),
    result: { status, latencyMs, error: status === 'down' ? 'refused' : null, details: { at } },
    ...(claim && { claim }),
  });
  const state = async (service: string) =>
    (
      await ts.server.app.sql.query(
        'select status, pending_status, pending_count, last_checked_at, last_latency_ms, last_error, last_details, recent_latencies, claimed_by, claimed_until from service_states where service_id = $1',
        [ids.get(service)],
      )
    ).rows[0];
  const history = async (service: string) =>
    (await ts.server.app.sql.query<{ checked_at: Date }>('select checked_at from health_checks where service_id = $1 order by checked_at', [ids.get(service)])).rows.map((r) => r.checked_at.toISOString());
  const windows = async (service: string) => (await ts.server.app.sql.query<{ status: string }>('select status from uptime_records where service_id = $1 order by id', [ids.get(service)])).rows.map((r) => r.status);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    for (const name of names) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '2s', timeout: '1s', failureThreshold: name === 'pending' || name === 'paused-steady' ? 3 : 1, recoveryThreshold: 1 } },
        { token: ts.adminToken },
      );
      ids.set(name, (await ts.server.app.sql.query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id);
      // Every service starts healthy (its first check, a transition, through the transaction).
      await recordChecks(ts.server.app.sql, [result(name, 'healthy', '2026-07-01T10:00:00Z', 5)], ts.server.app.pubsub);
    }
  });
  afterAll(() => ts?.close());
  afterEach(() => ts.server.app.sql.query('drop trigger if exists refuse_windows on uptime_records'));

  /** The database refuses new windows as it would when it is going away (not for a row: results are held and retried); each refusal counted. */
  const refuseWindows = async () => {
    const { sql } = ts.server.app;
    await sql.query('create sequence if not exists window_refusals');
    await sql.query(`create or replace function refuse_windows() returns trigger language plpgsql as $$ begin perform nextval('window_refusals'); raise exception 'going away' using errcode = '57P03'; end $$`);
    await sql.query('create trigger refuse_windows before insert on uptime_records for each row execute function refuse_windows()');
  };
  const refusals = async () => Number((await ts.server.app.sql.query('select case when is_called then last_value else 0 end as n from window_refusals')).rows[0].n);

  it('stores them in one statement, writing what the transaction writes: last check, latencies, error, details, a cleared pending status and the claim of the last result', async () => {
    const { sql, pubsub } = ts.server.app;
    // 'pending' saw one failure of the three that turn it down: pending down, 1.
    await recordChecks(sql, [result('pending', 'down', '2026-07-01T10:00:02Z')], pubsub);
    expect(await state('pending')).toMatchObject({ status: 'healthy', pending_status: 'down', pending_count: 1 });
    await sql.query("update service_states set claimed_by = 'me', claim_seq = 41, claimed_until = now() + interval '1 minute' where service_id = $1", [ids.get('steady-a')]);
    const published: ChecksRecordedMessage[] = [];
    const stop = new AbortController();
    const subscription = pubsub.subscribe(Channels.checksRecorded, stop.signal);
    await subscription.ready;
    void (async () => {
      for await (const message of subscription) published.push(message);
    })().catch(() => undefined);

    const batch = [
      result('steady-a', 'healthy', '2026-07-01T10:00:04Z', 11, { owner: 'me', seq: '40' }),
      result('steady-a', 'healthy', '2026-07-01T10:00:06Z', 12, { owner: 'me', seq: '41' }),
      result('steady-b', 'healthy', '2026-07-01T10:00:05Z', 13),
      result('pending', 'healthy', '2026-07-01T10:00:04Z', 14),
    ];
    const { value: settled, sent } = await statements(() => recordSettled(sql, batch, pubsub));

    expect(sent).toHaveLength(1);
    expect(settled.rest).toEqual([]);
    expect(settled.outcome.transitions).toEqual([]);
    expect(settled.outcome.checks.map((c) => `${c.service}@${c.checkedAt.slice(11, 19)}`)).toEqual(['steady-a@10:00:04', 'pending@10:00:04', 'steady-b@10:00:05', 'steady-a@10:00:06']);
    await until(() => published.length > 0, 'the checks to be published');
    stop.abort();
    expect(published.flatMap((p) => p.checks.map((c) => c.service))).toEqual(['steady-a', 'pending', 'steady-b', 'steady-a']);
    expect(await state('steady-a')).toEqual({
      status: 'healthy',
      pending_status: null,
      pending_count: 0,
      last_checked_at: new Date('2026-07-01T10:00:06Z'),
      last_latency_ms: 12,
      last_error: null,
      last_details: { at: '2026-07-01T10:00:06Z' },
      recent_latencies: [5, 11, 12],
      claimed_by: null, // the claim of the last result (seq 41) is let go
      claimed_until: null,
    });
    expect(await state('pending')).toMatchObject({ status: 'healthy', pending_status: null, pending_count: 0, recent_latencies: [5, 7, 14] });
    expect(await history('steady-a')).toEqual(['2026-07-01T10:00:00.000Z', '2026-07-01T10:00:04.000Z', '2026-07-01T10:00:06.000Z']);
    expect(await windows('steady-a')).toEqual(['healthy']);
  });

  it('keeps the pending status of a paused service, as the transaction does (its time stays paused)', async () => {
    const { sql, pubsub } = ts.server.app;
    await recordChecks(sql, [result('paused-steady', 'down', '2026-07-01T10:00:02Z')], pubsub);
    await sql.query('update services set paused = true where id = $1', [ids.get('paused-steady')]);
    const settled = await recordSettled(sql, [result('paused-steady', 'healthy', '2026-07-01T10:00:04Z', 9)], pubsub);
    expect(settled.stored).toHaveLength(1);
    expect(await state('paused-steady')).toMatchObject({ status: 'healthy', pending_status: 'down', pending_count: 1, last_checked_at: new Date('2026-07-01T10:00:04Z'), last_latency_ms: 9 });
  });

  it('leaves to the transaction a service whose results change its status, are mixed, or are older than its last check — stored there with their transitions and windows', async () => {
    const { sql, pubsub } = ts.server.app;
    await recordSettled(sql, [result('late', 'healthy', '2026-07-01T10:00:10Z')], pubsub);
    const published: StatusChangeEvent[] = [];
    const w = new ResultWriter(sql, { pubsub, onRecorded: (_checks, transitions) => published.push(...transitions) }, logger, { flushMs: 60_000 });
    w.add(result('mixed-steady', 'healthy', '2026-07-01T10:00:05Z'));
    w.add(result('mixed-change', 'down', '2026-07-01T10:00:05Z'));
    w.add(result('steady-b', 'down', '2026-07-01T10:00:07Z'));
    w.add(result('steady-b', 'healthy', '2026-07-01T10:00:08Z'));
    w.add(result('late', 'healthy', '2026-07-01T10:00:09Z', 99)); // older than its stored check (10:00:10)
    const { sent } = await statements(() => w.flush());
    // One statement for mixed-steady, then one transaction for the rest: begin, history, lock, state, windows (2), commit.
    expect(sent.length).toBe(8);
    expect(w.heldResults).toBe(0);
    expect(published.map((t) => `${t.service}:${t.previousStatus}->${t.status}`)).toEqual(['mixed-change:healthy->down', 'steady-b:healthy->down', 'steady-b:down->healthy']);
    expect(await windows('mixed-change')).toEqual(['healthy', 'down']);
    expect(await windows('steady-b')).toEqual(['healthy', 'down', 'healthy']);
    expect(await history('late')).toEqual(['2026-07-01T10:00:00.000Z', '2026-07-01T10:00:09.000Z', '2026-07-01T10:00:10.000Z']);
    expect(await state('late')).toMatchObject({ last_checked_at: new Date('2026-07-01T10:00:10Z'), last_latency_ms: 7 });
    expect(await state('mixed-steady')).toMatchObject({ status: 'healthy', last_checked_at: new Date('2026-07-01T10:00:05Z') });
    await w.close();
  });

  it('holds only the transaction\'s results when it fails after the statement stored the others, and stores each check once when it is retried', async () => {
    const { sql, pubsub } = ts.server.app;
    await refuseWindows();
    const published: StatusChangeEvent[] = [];
    const w = new ResultWriter(sql, { pubsub, onRecorded: (_checks, transitions) => published.push(...transitions) }, logger, { flushMs: 60_000, retryMs: 20, maxRetryMs: 40 });
    w.add(result('held-steady', 'healthy', '2026-07-01T10:00:05Z'));
    w.add(result('held-change', 'down', '2026-07-01T10:00:05Z'));
    await w.flush();
    expect(w.heldResults).toBe(1);
    expect(w.heldServices()).toEqual(new Set([ids.get('held-change')]));
    expect(await history('held-steady')).toEqual(['2026-07-01T10:00:00.000Z', '2026-07-01T10:00:05.000Z']);
    expect(await history('held-change')).toEqual(['2026-07-01T10:00:00.000Z']); // with its state, or not at all
    await sql.query('drop trigger refuse_windows on uptime_records');
    await until(() => w.heldResults === 0, 'the held result to be stored');
    expect(published.map((t) => `${t.service}:${t.status}`)).toEqual(['held-change:down']);
    expect(await history('held-steady')).toEqual(['2026-07-01T10:00:00.000Z', '2026-07-01T10:00:05.000Z']);
    expect(await history('held-change')).toEqual(['2026-07-01T10:00:00.000Z', '2026-07-01T10:00:05.000Z']);
    expect(await windows('held-change')).toEqual(['healthy', 'down']);
    await w.close();
  });

  it('keeps backing off, and logs the trouble once, while the transaction keeps failing and the statement keeps storing new results (regression: each stored statement ended the trouble: a retry a second and two log lines each)', async () => {
    const { sql, pubsub } = ts.server.app;
    await refuseWindows();
    const { logger: captured, lines } = capturedLogger();
    const w = new ResultWriter(sql, { pubsub, onRecorded: () => {} }, captured, { flushMs: 60_000, retryMs: 20, maxRetryMs: 160 });
    const t0 = Date.parse('2026-07-01T10:00:05Z');
    w.add(result('outage-change', 'down', new Date(t0).toISOString()));
    await w.flush();
    // Each retry writes a new steady result of another service (its statement succeeds) and the held change (refused).
    const retriedAt: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const before = await refusals();
      w.add(result('outage-steady', 'healthy', new Date(t0 + i * 1000).toISOString()));
      await until(async () => (await refusals()) > before, `retry ${i}`, 10_000, 5);
      retriedAt.push(Date.now());
    }
    // The waits double (20, 40, 80, 160 ms): the last two gaps are the 160 ms cap, seen through a
    // poll, so each within a poll and a query of it (CI flake: 147 ms was read for a 160 ms wait at
    // 150). Without the backoff they would be the first retry delay, 20 ms, each.
    const gaps = retriedAt.slice(1).map((at, i) => at - retriedAt[i]);
    expect(gaps.slice(-2).every((gap) => gap >= 120), `gaps ${gaps.join(', ')} ms`).toBe(true);
    // One line when the trouble starts (SQLSTATE 57P03 reads as the database going away).
    expect(lines().filter((l) => l.msg.startsWith('could not store check results') || l.msg.startsWith('database unreachable'))).toHaveLength(1);
    expect(lines().filter((l) => l.msg.startsWith('check results stored again'))).toHaveLength(0);
    expect(await history('outage-steady')).toHaveLength(6); // its first check and the five, each once
    await sql.query('drop trigger refuse_windows on uptime_records');
    await until(() => w.heldResults === 0, 'the held change to be stored');
    expect(lines().filter((l) => l.msg.startsWith('check results stored again'))).toHaveLength(1);
    expect(await windows('outage-change')).toEqual(['healthy', 'down']);
    await w.close();
  });
});
