/**
 * The check writer owns each service's status: it applies results in `checked_at` order to the state
 * stored under its lock, so every real transition is recorded once (one uptime window, one event),
 * whatever batches, claims, replicas and late results it is given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import { recordChecks, type CompletedCheck, type StatusChangeEvent } from '../../server/monitoring/results.ts';
import { claimDueChecks, type ClaimedCheck } from '../../server/monitoring/claims.ts';
import { runClaimed } from '../../server/monitoring/scheduler.ts';
import { ManualClock } from '../../server/clock.ts';
import { Channels } from '../../server/events/channels.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

describe('the check writer', () => {
  let ts: TestServer;
  const ids = new Map<string, number>();
  const logger = createLogger('silent');

  const result = (service: string, status: 'healthy' | 'down', at: string, error = status === 'down' ? 'refused' : null): CompletedCheck => ({
    serviceId: ids.get(service)!,
    serviceName: service,
    critical: false,
    kind: 'tcp',
    checkedAt: new Date(at),
    result: { status, latencyMs: 7, error, details: {} },
  });
  const windows = async (service: string) =>
    (await ts.server.app.sql.query<{ status: string; started_at: Date; ended_at: Date | null }>('select status, started_at, ended_at from uptime_records where service_id = $1 order by id', [ids.get(service)])).rows;
  const history = async (service: string) => (await ts.server.app.sql.query<{ n: number }>('select count(*)::int as n from health_checks where service_id = $1', [ids.get(service)])).rows[0].n;
  /** A writer as the scheduler has one, whose sink keeps what it would publish. */
  const writer = () => {
    const published: StatusChangeEvent[] = [];
    return { published, writer: new ResultWriter(ts.server.app.sql, { pubsub: ts.server.app.pubsub, onRecorded: (_checks, transitions) => published.push(...transitions) }, logger) };
  };

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    for (const name of ['ordered', 'flapping', 'claimed-twice', 'binary-output', 'rechecked-twice', 'paused-meanwhile', 'claim-kept']) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '2s', timeout: '1s', failureThreshold: 1, recoveryThreshold: 1 } },
        { token: ts.adminToken },
      );
      ids.set(name, (await ts.server.app.sql.query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id);
    }
  });
  afterAll(() => ts?.close());

  it('keeps a result older than the stored one in the history only', async () => {
    const { sql } = ts.server.app;
    const first = await recordChecks(sql, [result('ordered', 'healthy', '2026-05-01T10:00:10Z')], ts.server.app.pubsub);
    expect(first.transitions.map((t) => t.status)).toEqual(['healthy']);
    // Stored first: a later check found it down.
    const later = await recordChecks(sql, [result('ordered', 'down', '2026-05-01T10:00:30Z')], ts.server.app.pubsub);
    expect(later.transitions.map((t) => t.status)).toEqual(['down']);
    // Then a result that began earlier arrives (from a replica whose claim lapsed: it could not renew it).
    const stale = await recordChecks(sql, [result('ordered', 'healthy', '2026-05-01T10:00:20Z')], ts.server.app.pubsub);
    expect(stale.transitions).toEqual([]);
    expect(stale.checks.map((c) => c.checkedAt)).toEqual(['2026-05-01T10:00:20.000Z']);
    const state = (await sql.query('select status, last_checked_at from service_states where service_id = $1', [ids.get('ordered')])).rows[0];
    expect(state).toEqual({ status: 'down', last_checked_at: new Date('2026-05-01T10:00:30Z') });
    expect((await windows('ordered')).map((w) => w.status)).toEqual(['healthy', 'down']);
    expect(await history('ordered')).toBe(3);
  });

  it('records both windows in order when one batch holds two transitions of one service, and keeps recording (regression: the second open window violated uptime_records_open and the writer retried the batch forever)', async () => {
    const { writer: w, published } = writer();
    // A flush slower than the interval: three results of one service wait together, handed over out of order.
    w.add(result('flapping', 'down', '2026-05-02T10:00:02Z', 'connection refused'));
    w.add(result('flapping', 'healthy', '2026-05-02T10:00:00Z'));
    w.add(result('flapping', 'healthy', '2026-05-02T10:00:04Z'));
    await w.flush();
    expect(w.heldResults).toBe(0);
    expect(published.map((t) => `${t.previousStatus}->${t.status}@${t.at.slice(11, 19)}`)).toEqual(['null->healthy@10:00:00', 'healthy->down@10:00:02', 'down->healthy@10:00:04']);
    expect(published[1].reason).toBe('check down: connection refused');
    expect((await windows('flapping')).map((x) => [x.status, x.started_at.toISOString().slice(11, 19), x.ended_at?.toISOString().slice(11, 19) ?? null])).toEqual([
      ['healthy', '10:00:00', '10:00:02'],
      ['down', '10:00:02', '10:00:04'],
      ['healthy', '10:00:04', null],
    ]);
    // The next batch is recorded too: the writer was not left retrying the first.
    w.add(result('flapping', 'down', '2026-05-02T10:00:06Z'));
    await w.flush();
    expect(w.heldResults).toBe(0);
    expect((await windows('flapping')).map((x) => x.status)).toEqual(['healthy', 'down', 'healthy', 'down']);
    expect(await history('flapping')).toBe(4);
    await w.close();
  });

  it('records one transition when two claims of one service start from the same stored state (regression: both said healthy → down, giving windows healthy, down, down and two events)', async () => {
    const { sql } = ts.server.app;
    const id = ids.get('claimed-twice')!;
    await recordChecks(sql, [result('claimed-twice', 'healthy', '2026-05-03T10:00:00Z')], ts.server.app.pubsub);
    // Due now; claimed by one replica, whose write is late and which cannot renew its claim (it lost
    // the database, or is taken for dead), so the claim expires (timeout 1 s + 1 s grace) and another
    // replica claims the check again from the same stored state.
    const t0 = new Date('2026-05-03T10:00:10Z');
    await sql.query('update service_states set next_due_at = $2, claimed_until = null where service_id = $1', [id, t0]);
    const first = (await claimDueChecks(sql, t0, 1000, { owner: 'replica-a' })).filter((c) => c.serviceId === id);
    const t1 = new Date(t0.getTime() + 2500);
    await sql.query('update service_states set next_due_at = $2 where service_id = $1', [id, t1]); // due again once the claim expired
    const second = (await claimDueChecks(sql, t1, 1000, { owner: 'replica-b' })).filter((c) => c.serviceId === id);
    expect([first.length, second.length]).toEqual([1, 1]);
    // Both run against the closed port and find it down.
    const [a, b] = await Promise.all([runClaimed(first[0], ts.server.app.monitoring.host, new ManualClock(t0)), runClaimed(second[0], ts.server.app.monitoring.host, new ManualClock(t1))]);
    expect([a.result.status, b.result.status]).toEqual(['down', 'down']);
    // Each replica's writer stores its own, at the same moment.
    const replicaA = writer();
    const replicaB = writer();
    replicaA.writer.add(a);
    replicaB.writer.add(b);
    await Promise.all([replicaA.writer.flush(), replicaB.writer.flush()]);
    expect([...replicaA.published, ...replicaB.published].map((t) => `${t.previousStatus}->${t.status}`)).toEqual(['healthy->down']);
    expect((await windows('claimed-twice')).map((w) => w.status)).toEqual(['healthy', 'down']);
    expect(await history('claimed-twice')).toBe(3);
    await Promise.all([replicaA.writer.close(), replicaB.writer.close()]);
  });

  it("lets a claim go only with the result of that very claim: not with an earlier claim's of the same replica, nor with a recheck's (sibling: every stored result cleared claimed_until, so a recheck let another replica check a service whose results were held)", async () => {
    const { sql, pubsub } = ts.server.app;
    const id = ids.get('claim-kept')!;
    const claimOf = async () => (await sql.query('select claimed_by, claimed_until from service_states where service_id = $1', [id])).rows[0];
    const claimed = async (at: Date) => (await claimDueChecks(sql, at, 1000, { owner: 'replica-a' })).find((c) => c.serviceId === id)!;
    const completed = (claim: ClaimedCheck, status: 'healthy' | 'down', at: Date): CompletedCheck => ({ ...result('claim-kept', status, at.toISOString()), claim: { owner: claim.claim!.owner, seq: claim.claim!.seq } });
    const t0 = new Date('2026-05-06T10:00:00Z');
    await sql.query('update service_states set next_due_at = $2, claimed_until = null where service_id = $1', [id, t0]);
    const first = await claimed(t0);
    // Due again (interval 2 s) while replica-a holds the first result: it claims the check again (a claim lasts 1 s + 1 s).
    const t1 = new Date(t0.getTime() + 2000);
    const second = await claimed(t1);
    expect(second.claim!.seq).not.toBe(first.claim!.seq);
    const held = { claimed_by: 'replica-a', claimed_until: new Date(t1.getTime() + 2000) };
    expect(await claimOf()).toEqual(held);
    // The first claim's result: replica-a still holds (or runs) the second's, so it keeps the claim.
    await recordChecks(sql, [completed(first, 'down', t0)], pubsub);
    expect(await claimOf()).toEqual(held);
    // A recheck claims nothing, and lets nobody's claim go.
    await recordChecks(sql, [result('claim-kept', 'down', new Date(t0.getTime() + 1000).toISOString())], pubsub);
    expect(await claimOf()).toEqual(held);
    // The second claim's result lets it go: any replica may claim the next check.
    const stored = await recordChecks(sql, [completed(second, 'healthy', t1)], pubsub);
    expect(stored.transitions.map((t) => `${t.previousStatus}->${t.status}`)).toEqual(['down->healthy']);
    expect(await claimOf()).toEqual({ claimed_by: null, claimed_until: null });
  });

  it('records one transition when two rechecks of one service run at once (sibling: a recheck, or a ping, computed the status from the state read before its check ran)', async () => {
    const { sql, pubsub } = ts.server.app;
    await recordChecks(sql, [{ ...result('rechecked-twice', 'healthy', '2026-05-03T10:00:00Z'), checkedAt: new Date(Date.now() - 60_000) }], ts.server.app.pubsub);
    const controller = new AbortController();
    const events = pubsub.subscribe(Channels.statusChanged, controller.signal);
    await events.ready;
    const heard: StatusChangeEvent[] = [];
    const listening = (async () => {
      for await (const event of events) {
        if (event.service === '(marker)') return;
        if (event.service === 'rechecked-twice') heard.push(event);
      }
    })();
    const recheck = () => gqlOk<{ recheckService: { status: string } }>(ts, 'mutation { recheckService(name: "rechecked-twice") { status } }', {}, { token: ts.adminToken });
    const answers = await Promise.all([recheck(), recheck()]);
    expect(answers.map((a) => a.recheckService.status)).toEqual(['DOWN', 'DOWN']);
    // Published after both: everything the rechecks published has arrived when it does.
    await pubsub.publish(Channels.statusChanged, { service: '(marker)', critical: false, previousStatus: null, status: 'healthy', reason: 'marker', at: new Date().toISOString() });
    await listening;
    controller.abort();
    expect(heard.map((t) => `${t.previousStatus}->${t.status}`)).toEqual(['healthy->down']);
    expect((await windows('rechecked-twice')).map((w) => w.status)).toEqual(['healthy', 'down']);
  });

  it('waits for a pause in progress without deadlocking, then leaves the paused window open (a pause holds its service, then writes its state row)', async () => {
    const { sql } = ts.server.app;
    const id = ids.get('paused-meanwhile')!;
    await recordChecks(sql, [result('paused-meanwhile', 'healthy', '2026-05-05T10:00:00Z')], ts.server.app.pubsub);
    const pause = await sql.connect();
    await pause.query('begin');
    await pause.query('select 1 from services where id = $1 for update', [id]);
    // A check of it and of another service is stored meanwhile: it would turn it down.
    const stored = recordChecks(sql, [result('ordered', 'healthy', '2026-05-05T10:00:05Z'), result('paused-meanwhile', 'down', '2026-05-05T10:00:05Z')], ts.server.app.pubsub);
    const waits = async () => (await sql.query("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()")).rows[0].n;
    for (const deadline = Date.now() + 10_000; (await waits()) === 0; ) {
      if (Date.now() > deadline) throw new Error('the writer never waited for the pause');
      await new Promise((r) => setTimeout(r, 10));
    }
    // The rest of the pause, as setPaused writes it: the state row (held by the writer if it had
    // locked it first: a deadlock), the windows, the flag.
    await pause.query('update service_states set pending_status = null, pending_count = 0 where service_id = $1', [id]);
    await pause.query("update uptime_records set ended_at = '2026-05-05T10:00:03Z' where service_id = $1 and ended_at is null", [id]);
    await pause.query("insert into uptime_records (service_id, status, started_at, reason) values ($1, 'paused', '2026-05-05T10:00:03Z', 'paused')", [id]);
    await pause.query('update services set paused = true where id = $1', [id]);
    await pause.query('commit');
    pause.release();
    const outcome = await stored;
    expect(outcome.transitions.filter((t) => t.service === 'paused-meanwhile')).toEqual([]);
    expect(outcome.checks).toHaveLength(2);
    expect((await windows('paused-meanwhile')).map((w) => [w.status, w.ended_at === null])).toEqual([
      ['healthy', false],
      ['paused', true],
    ]);
    expect((await sql.query('select status from service_states where service_id = $1', [id])).rows[0].status).toBe('healthy');
  });

  it('stores a result whose text holds a NUL byte or a lone surrogate, instead of failing its batch (PostgreSQL refuses both)', async () => {
    const { sql } = ts.server.app;
    // What a command's output or a server's banner can hold.
    const check = result('binary-output', 'down', '2026-05-04T10:00:00Z', 'bad\0output \ud800');
    check.result.details = { output: 'bad\0output \ud800', exitCode: 2 };
    const outcome = await recordChecks(sql, [check, result('ordered', 'down', '2026-05-04T10:00:00Z')], ts.server.app.pubsub);
    expect(outcome.checks).toHaveLength(2);
    const stored = (await sql.query('select last_error, last_details from service_states where service_id = $1', [ids.get('binary-output')])).rows[0];
    expect(stored).toEqual({ last_error: 'badoutput \ufffd', last_details: { output: 'badoutput \ufffd', exitCode: 2 } });
    expect((await sql.query('select error from health_checks where service_id = $1', [ids.get('binary-output')])).rows).toEqual([{ error: 'badoutput \ufffd' }]);
  });
});
