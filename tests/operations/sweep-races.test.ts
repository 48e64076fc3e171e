/**
 * Lease sweep races (regression: the sweep read expired runs without a row lock, then wrote each
 * whole run back by id, `context` included. An operator's cancel or "mark investigated" that
 * committed in between was overwritten: the cancelled run went back to the queue with attempt 2, its
 * `triage.cancelled` note gone, and the next claimRun handed it to a worker; the investigated run lost
 * its `triage.investigated` note; a second sweep requeued a run again after another had, and a run
 * re-claimed meanwhile lost its fresh lease).
 *
 * A second PostgreSQL session (or an open transaction) holds the run's row lock only to order the
 * transactions deterministically, as a slow statement would; the tests wait for the waiters to show
 * up in pg_stat_activity, or for the sweep to return, never for a fixed time.
 */
import pg from 'pg';
import { CompiledQuery } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../server/auth/actor.ts';
import { ManualClock } from '../../server/clock.ts';
import type { SqlClient } from '../../server/db/sql.ts';
import type { TransactionEvents } from '../../server/events/after-commit.ts';
import { claimRuns, LEASE_SWEEP_GRACE_MS, sweepExpiredLeases } from '../../server/operations/leases.ts';
import { StuckRunClassifier } from '../../server/operations/stuck.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { CLAIM, HEARTBEAT, makeReady, SUBMIT, token, type ClaimResult, type SubmitResult } from './support.ts';

const CANCEL = 'mutation($id: ID!) { cancelOperationRun(id: $id, confirm: true) { id status outcome } }';
const INVESTIGATE = 'mutation($id: ID!, $reason: String!) { markOperationRunInvestigated(id: $id, reason: $reason) { id status } }';

/** A row of the ORM's connection (timestamps kept as text) as the server's pg pool gives it (dates). */
const asPool = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k.endsWith('_at') && typeof v === 'string' ? new Date(v) : v]));

interface RunState {
  status: string;
  outcome: string;
  attempt: number;
  lease_worker: string | null;
  lease_token_hash: string | null;
  context: { triage?: Record<string, unknown>; dispatch?: { lapses: { attempt: number; outcome: string }[] } };
}

describe('lease sweep races', () => {
  const clock = new ManualClock(new Date());
  let ts: TestServer;
  let operator: string;
  let monitor: pg.Client;
  const sessions: pg.Client[] = [];
  const op = () => ({ token: operator });

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    operator = await token(ts, 'OPERATOR');
    await makeReady(ts);
    monitor = new pg.Client({ connectionString: ts.databaseUrl });
    await monitor.connect();
  });
  afterEach(async () => {
    // a failed test must not leave a row locked for the next one
    for (const s of sessions.splice(0)) await s.end().catch(() => {});
  });
  afterAll(async () => {
    await monitor?.end();
    await ts?.close();
  });

  /** The sweep as the lease-sweep job runs it: in one transaction (operations.ts). */
  const sweep = () => ts.server.app.orm.em.fork().transactional((em) => sweepExpiredLeases(em, ts.server.app.operations.catalog, clock));

  /** A queued run of `type`, claimed by `worker` with a 5 s lease that then expired past the sweep's grace. */
  async function expiredRun(type: string, worker: string): Promise<string> {
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type, workspace: 'acme', input: { race: type } }, op());
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker, types: [type], lease: 5 }, op());
    expect(claimRun?.run).toMatchObject({ id: s.submitRun.run.id, status: 'RUNNING', attempt: 1 });
    clock.advance(5_000 + LEASE_SWEEP_GRACE_MS + 1);
    return s.submitRun.run.id;
  }

  /** A second session that holds the run's row lock until `release`. */
  async function holdRow(id: string): Promise<{ release: () => Promise<void> }> {
    const session = new pg.Client({ connectionString: ts.databaseUrl });
    sessions.push(session);
    await session.connect();
    await session.query('begin');
    await session.query('select id from operation_runs where id = $1 for update', [id]);
    return { release: async () => void (await session.query('commit')) };
  }

  const lockWaiters = async () =>
    (await monitor.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0].n;

  /** Polls until `done` holds (a signal, not a sleep), failing after a generous deadline. */
  async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A promise with a flag saying whether it settled. */
  function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
    let settled = false;
    promise.then(() => (settled = true), () => (settled = true));
    return { promise, settled: () => settled };
  }

  const state = async (id: string) =>
    (await ts.server.app.sql.query<RunState>('select status, outcome, attempt, lease_worker, lease_token_hash, context from operation_runs where id = $1', [id])).rows[0];
  const sweepAudit = async (id: string) =>
    (await ts.server.app.sql.query<{ action: string }>("select action from audit_log where actor_label = 'lease sweep' and target_type = 'operation_run' and target_id = $1 order by id", [id])).rows.map((r) => r.action);
  const lapseEvents = async (id: string) =>
    (await ts.server.app.sql.query<{ n: number }>("select count(*)::int as n from dispatch_events where kind = 'lease_expired' and run_id = $1", [id])).rows[0].n;

  it('a cancel that commits while the sweep is on the run wins: the run stays cancelled with its note, is not requeued, and no worker gets it', async () => {
    const id = await expiredRun('race.cancel', 'w-gone');
    const lock = await holdRow(id);
    const cancel = gql<{ cancelOperationRun: { status: string; outcome: string } }>(ts, CANCEL, { id }, op());
    await until('the cancel to wait on the row', async () => (await lockWaiters()) >= 1);
    // the sweep reaches the run while the cancel is under way: it either waits on the row behind the
    // cancel, or leaves the run to the transaction that holds it
    const swept = tracked(sweep());
    await until('the sweep to wait on the row or return', async () => swept.settled() || (await lockWaiters()) >= 2);
    await lock.release();

    const cancelled = await cancel;
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data?.cancelOperationRun).toMatchObject({ status: 'COMPLETED', outcome: 'CANCELLED' });
    expect((await swept.promise).requeued).not.toContain(Number(id));

    const run = await state(id);
    expect(run).toMatchObject({ status: 'completed', outcome: 'cancelled', attempt: 1, lease_token_hash: null });
    expect(run.context.triage?.cancelled).toMatchObject({ by: expect.any(String), at: expect.any(String) });
    // a later sweep leaves it alone, and no worker receives it
    expect(await sweep()).toEqual({ requeued: [], failed: [], runs: [] });
    const again = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-other', types: ['race.cancel'], lease: 60 }, op());
    expect(again.claimRun).toBeNull();
    expect(await state(id)).toMatchObject({ status: 'completed', outcome: 'cancelled', attempt: 1 });
    expect(await sweepAudit(id)).toEqual([]);
    expect(await lapseEvents(id)).toBe(0);
  });

  it('a "mark investigated" that commits while the sweep is on the run keeps its note; the run is requeued once, note and all', async () => {
    const id = await expiredRun('race.triage', 'w-gone');
    const lock = await holdRow(id);
    const investigate = gql(ts, INVESTIGATE, { id, reason: 'looked at it: the worker host rebooted' }, op());
    await until('the triage to wait on the row', async () => (await lockWaiters()) >= 1);
    const swept = tracked(sweep());
    await until('the sweep to wait on the row or return', async () => swept.settled() || (await lockWaiters()) >= 2);
    await lock.release();

    expect((await investigate).errors).toBeUndefined();
    await swept.promise;
    const noted = await state(id);
    expect(noted.context.triage?.investigated).toMatchObject({ reason: 'looked at it: the worker host rebooted' });

    // the run's lease is still expired: a sweep requeues it, keeping the note beside its lapse record
    await sweep();
    const run = await state(id);
    expect(run).toMatchObject({ status: 'queued', outcome: 'pending', attempt: 2, lease_worker: null, lease_token_hash: null });
    expect(run.context.triage?.investigated).toMatchObject({ reason: 'looked at it: the worker host rebooted', by: expect.any(String), at: expect.any(String) });
    expect(run.context.dispatch?.lapses.map((l) => [l.attempt, l.outcome])).toEqual([[1, 'requeued']]);
    expect(await sweepAudit(id)).toEqual(['operations.run.requeue']);
    expect(await lapseEvents(id)).toBe(1);
  });

  it('a run requeued and re-claimed (fresh lease) while a second sweep is on it is not requeued again', async () => {
    const type = 'race.reclaim';
    const id = await expiredRun(type, 'w-gone');
    // Sweep A requeues the run and worker w-fresh claims it, in one transaction held open until the
    // second sweep (B) has reached the run.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const first = new Promise<void>((resolve) => (reached = resolve));
    let freshToken = '';
    const sweepAndClaim = ts.server.app.orm.em.fork().transactional(async (em: EntityManager) => {
      const swept = await sweepExpiredLeases(em, ts.server.app.operations.catalog, clock);
      const sql = { query: async (text: string, params: unknown[]) => ({ rows: (await em.getKysely().executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, params))).rows.map(asPool) }) } as unknown as SqlClient;
      const everyWorkspace = { workspaces: null } as unknown as Actor;
      const discarded: TransactionEvents = { record: () => {}, afterCommit: () => {} }; // nobody listens in this test
      const [claimed] = await claimRuns(sql, discarded, everyWorkspace, { worker: 'w-fresh', types: [type], leaseSeconds: 60, limit: 1 }, { clock, classifier: new StuckRunClassifier(ts.server.app.operations.catalog) });
      freshToken = claimed.leaseToken;
      reached();
      await gate;
      return { swept, claimed };
    });
    await Promise.race([first, sweepAndClaim]); // a failure in the transaction fails the test instead of hanging it
    const second = tracked(sweep());
    await until('the second sweep to wait on the row or return', async () => second.settled() || (await lockWaiters()) >= 1);
    release();

    const { swept, claimed } = await sweepAndClaim;
    expect(swept.requeued).toEqual([Number(id)]);
    expect(claimed.run).toMatchObject({ id: Number(id), status: 'running', attempt: 2, leaseWorker: 'w-fresh' });
    expect((await second.promise).requeued).not.toContain(Number(id));

    const run = await state(id);
    expect(run).toMatchObject({ status: 'running', attempt: 2, lease_worker: 'w-fresh', lease_token_hash: expect.any(String) });
    expect(run.context.dispatch?.lapses.map((l) => [l.attempt, l.outcome])).toEqual([[1, 'requeued']]);
    expect(await sweepAudit(id)).toEqual(['operations.run.requeue']);
    expect(await lapseEvents(id)).toBe(1);
    // the fresh lease holds: a sweep now leaves it, and w-fresh's heartbeat is accepted
    expect((await sweep()).requeued).not.toContain(Number(id));
    const beat = await gql(ts, HEARTBEAT, { id, token: freshToken }, op());
    expect(beat.errors).toBeUndefined();
    expect(await state(id)).toMatchObject({ status: 'running', attempt: 2, lease_worker: 'w-fresh' });
  });
});
