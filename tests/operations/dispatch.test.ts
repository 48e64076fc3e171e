/** Dispatch against a real server and database: submit, idempotency, claims, leases, completion. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { CLAIM, COMPLETE, HEARTBEAT, makeReady, SUBMIT, token, type ClaimResult, type SubmitResult } from './support.ts';

describe('dispatch', () => {
  const clock = new ManualClock(new Date());
  let ts: TestServer;
  let operator: string;
  const op = () => ({ token: operator });

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    operator = await token(ts, 'OPERATOR');
  });
  afterAll(() => ts?.close());

  it('refuses submissions while the start-up checklist blocks, naming the failing checks', async () => {
    const result = await gql(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme' }, op());
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'NOT_READY', failingChecks: expect.arrayContaining(['worker_online']) });
    expect(result.errors?.[0].message).toMatch(/worker_online/);
    expect((await fetch(`${ts.url}/health/ready`)).status).toBe(503);
    await makeReady(ts);
    expect(await (await fetch(`${ts.url}/health/ready`)).json()).toEqual({ ready: true });
  });

  it('keeps a worker type named "null" as the text it is (regression: the types went as an array literal, where null is SQL NULL, and every query of the worker\'s types failed)', async () => {
    const types = ['null', 'billing.invoice'];
    const registered = await gqlOk<{ registerWorker: { types: string[] } }>(ts, 'mutation($t: [String!]!) { registerWorker(name: "literal-worker", types: $t) { types } }', { t: types }, op());
    expect(registered.registerWorker.types).toEqual(types);
    const { rows } = await ts.server.app.sql.query<{ types: string[] }>("select types from workers where name = 'literal-worker'");
    expect(rows[0].types).toEqual(types);
  });

  it('queues a run in a workspace and tenant it creates on first use', async () => {
    const r = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', tenant: 'eu-1', input: { invoice: 7 } }, op());
    expect(r.submitRun.replay).toBe(false);
    expect(r.submitRun.run).toMatchObject({ status: 'QUEUED', outcome: 'PENDING', attempt: 1, workspace: { slug: 'acme' }, tenant: { slug: 'eu-1' }, type: 'billing.invoice' });
    expect(r.submitRun.run.title).toBe(`Operation #${r.submitRun.run.id}`);
    expect(r.submitRun.run.initiatorName).toMatch(/^operator-/);
  });

  it('returns the original run for the same idempotency key and input, marked as a replay', async () => {
    const vars = { type: 'billing.invoice', workspace: 'acme', input: { invoice: 8, lines: [1, 2] }, key: 'invoice-8' };
    const first = await gqlOk<SubmitResult>(ts, SUBMIT, vars, op());
    const again = await gqlOk<SubmitResult>(ts, SUBMIT, { ...vars, input: { lines: [1, 2], invoice: 8 } }, op()); // same input, keys reordered
    expect(again.submitRun).toMatchObject({ replay: true, run: { id: first.submitRun.run.id } });
  });

  it('refuses the same key with a different input, creating nothing', async () => {
    const before = await gqlOk<{ operationRuns: { runs: unknown[] } }>(ts, '{ operationRuns(first: 100) { runs { id } } }', {}, op());
    const result = await gql(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { invoice: 9 }, key: 'invoice-8' }, op());
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    const after = await gqlOk<{ operationRuns: { runs: unknown[] } }>(ts, '{ operationRuns(first: 100) { runs { id } } }', {}, op());
    expect(after.operationRuns.runs.length).toBe(before.operationRuns.runs.length);
  });

  it('scopes idempotency keys per workspace and keeps them 24 h', async () => {
    const other = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'globex', input: { invoice: 9 }, key: 'invoice-8' }, op());
    expect(other.submitRun.replay).toBe(false);
    clock.advance(24 * 3600_000 + 1000);
    const later = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { invoice: 9 }, key: 'invoice-8' }, op());
    expect(later.submitRun.replay).toBe(false);
    await makeReady(ts); // the worker's heartbeat aged with the clock
  });

  it.each([
    [{ type: 'Bad Type', workspace: 'acme' }, 'type'],
    [{ type: 'billing.invoice', workspace: 'Not A Slug' }, 'workspace'],
    [{ type: 'billing.invoice', workspace: 'acme', tenant: '???' }, 'tenant'],
    [{ type: 'billing.invoice', workspace: 'acme', key: 'k'.repeat(201) }, 'idempotencyKey'],
  ])('refuses %j naming %s', async (vars, field) => {
    const result = await gql(ts, SUBMIT, vars, op());
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('never gives one run to two workers claiming at once', async () => {
    for (let i = 0; i < 10; i++) await gqlOk(ts, SUBMIT, { type: 'reports.build', workspace: 'acme', input: { n: i } }, op());
    const claims = await Promise.all(
      Array.from({ length: 14 }, (_, i) => gqlOk<ClaimResult>(ts, CLAIM, { worker: `w-${i % 4}`, types: ['reports.build'] }, op())),
    );
    const ids = claims.map((c) => c.claimRun?.run.id).filter(Boolean);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(claims.filter((c) => c.claimRun === null)).toHaveLength(4);
  });

  it('claims the oldest queued run first, with a lease', async () => {
    const a = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'initech', input: { a: 1 } }, op());
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'initech', input: { a: 2 } }, op());
    const pending = await gqlOk<{ operationRuns: { runs: { id: string }[] } }>(ts, '{ operationRuns(filter: { status: [QUEUED], type: "billing.invoice" }, first: 100) { runs { id } } }', {}, op());
    const oldest = pending.operationRuns.runs.at(-1)!.id;
    const claim = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-a', types: ['billing.invoice'], lease: 30 }, op());
    expect(claim.claimRun!.run).toMatchObject({ id: oldest, status: 'RUNNING', leaseWorker: 'w-a' });
    expect(Number(a.submitRun.run.id)).toBeGreaterThan(Number(oldest) - 1);
  });

  it('extends the lease on heartbeat and completes with the right token only', async () => {
    await gqlOk(ts, SUBMIT, { type: 'reports.build', workspace: 'acme', input: { final: true } }, op());
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-b', types: ['reports.build'], lease: 30 }, op());
    const id = claimRun!.run.id;
    const foreign = await gql(ts, COMPLETE, { id, token: 'not-the-token', outcome: 'SUCCEEDED' }, op());
    expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'leaseToken' });
    const staleBeat = await gql(ts, HEARTBEAT, { id, token: 'not-the-token' }, op());
    expect(staleBeat.errors?.[0].extensions?.code).toBe('CONFLICT');
    clock.advance(20_000);
    const beat = await gqlOk<{ heartbeatRun: { leaseExpiresAt: string } }>(ts, HEARTBEAT, { id, token: claimRun!.leaseToken }, op());
    expect(Date.parse(beat.heartbeatRun.leaseExpiresAt)).toBe(clock.now().getTime() + 60_000);
    const missingError = await gql(ts, COMPLETE, { id, token: claimRun!.leaseToken, outcome: 'FAILED' }, op());
    expect(missingError.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'error' });
    const done = await gqlOk<{ completeRun: { status: string; outcome: string; result: unknown } }>(ts, COMPLETE, { id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED', result: { pages: 3 } }, op());
    expect(done.completeRun).toMatchObject({ status: 'COMPLETED', outcome: 'SUCCEEDED', result: { pages: 3 } });
    const twice = await gql(ts, COMPLETE, { id, token: claimRun!.leaseToken, outcome: 'FAILED', error: 'late' }, op());
    expect(twice.errors?.[0].extensions?.code).toBe('CONFLICT');
    const after = await gqlOk<{ operationRun: { outcome: string } }>(ts, 'query($id: ID!) { operationRun(id: $id) { outcome } }', { id }, op());
    expect(after.operationRun.outcome).toBe('SUCCEEDED');
  });

  it('marks an expired lease as stuck "lease expired", then re-queues it by policy', async () => {
    await gqlOk(ts, SUBMIT, { type: 'reports.build', workspace: 'acme', input: { expiring: true } }, op());
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-gone', types: ['reports.build'], lease: 10 }, op());
    const id = claimRun!.run.id;
    clock.advance(11_000);
    const stuck = await gqlOk<{ operationStuck: { runs: { id: string; stuckClass: string; stuck: { reason: string } }[] } }>(
      ts, '{ operationStuck(first: 100) { runs { id stuckClass stuck { reason } } } }', {}, op(),
    );
    expect(stuck.operationStuck.runs.find((r) => r.id === id)).toMatchObject({ stuckClass: 'LEASE_EXPIRED', stuck: { reason: expect.stringMatching(/worker is gone/) } });
    // the class filter works in the database (not after the page is cut), on any list
    const byClass = async (list: string, cls: string) =>
      (await gqlOk<Record<string, { runs: { id: string; stuckClass: string }[] }>>(ts, `{ ${list}(first: 100, filter: { stuckClass: [${cls}] }) { runs { id stuckClass } } }`, {}, op()))[list].runs;
    expect((await byClass('operationStuck', 'LEASE_EXPIRED')).map((r) => r.id)).toContain(id);
    expect((await byClass('operationStuck', 'LEASE_EXPIRED')).every((r) => r.stuckClass === 'LEASE_EXPIRED')).toBe(true);
    expect((await byClass('operationStuck', 'RUNNING_TOO_LONG')).map((r) => r.id)).not.toContain(id);
    expect((await byClass('operationRuns', 'LEASE_EXPIRED')).map((r) => r.id)).toContain(id);
    const late = await gql(ts, HEARTBEAT, { id, token: claimRun!.leaseToken }, op());
    expect(late.errors?.[0].message).toMatch(/expired/);
    clock.advance(30_000);
    const { sweepExpiredLeases } = await import('../../server/operations/leases.ts');
    const swept = await sweepExpiredLeases(ts.server.app.orm.em.fork(), ts.server.app.operations.catalog, clock);
    expect(swept.requeued).toContain(Number(id));
    const run = await gqlOk<{ operationRun: { status: string; attempt: number } }>(ts, 'query($id: ID!) { operationRun(id: $id) { status attempt } }', { id }, op());
    expect(run.operationRun).toEqual({ status: 'QUEUED', attempt: 2 });
  });
});

describe('bounded worker input', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('refuses a claim naming more than 200 operation types (regression: 400,000 types held the event loop about 1.5 s)', async () => {
    const types = Array.from({ length: 400_000 }, (_, i) => `t${i}`);
    const result = await gql(ts, CLAIM, { worker: 'w-many', types }, { token: ts.adminToken });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'types' });
    expect(result.errors?.[0].message).toBe('Name at most 200 operation types, got 400000.');
    const few = await gql(ts, CLAIM, { worker: 'w-few', types: ['billing.invoice'] }, { token: ts.adminToken });
    expect(few.errors).toBeUndefined();
  });
});
