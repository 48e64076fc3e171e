/**
 * Issue 14, items 6–9 against a real server and PostgreSQL: a retry is the chain's next attempt and a
 * run is retried once (double retries double-charged invoices); the lists carry what triage needs; a
 * requeued run says what happened to its lapsed lease and the system's own actions are in its audit
 * trail; an empty claim writes no audit row, and the audit log filters by actor kind and time.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { sweepExpiredLeases } from '../../server/operations/leases.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { CLAIM, COMPLETE, makeReady, SUBMIT, token, type ClaimResult, type SubmitResult } from './support.ts';

const RETRY = 'mutation($id: ID!) { retryOperationRun(id: $id) { id attempt status retryOfRunId } }';
const RUN = `query($id: ID!) { operationRun(id: $id) {
  id status outcome attempt retriedById retryRefusal durationMs leaseWorker queuedSince stuck { stuckClass reason }
  leaseLapses { attempt worker leasedAt lastHeartbeatAt expiredAt sweptAt outcome }
  auditTrail { action actorType actorLabel }
} }`;

interface Run {
  id: string;
  status: string;
  outcome: string;
  attempt: number;
  retriedById: string | null;
  retryRefusal: string | null;
  durationMs: number | null;
  leaseWorker: string | null;
  queuedSince: string | null;
  stuck: { stuckClass: string; reason: string } | null;
  leaseLapses: { attempt: number; worker: string; leasedAt: string; lastHeartbeatAt: string; expiredAt: string; sweptAt: string; outcome: string }[];
  auditTrail: { action: string; actorType: string; actorLabel: string | null }[];
}

const CONFIG = `operations:
  types:
    - type: billing.invoice
      label: Send invoice
      maxAttempts: 3
      queuedTooLong: 1m
`;

describe('retry chains, triage lists, requeued runs and a quieter audit log', () => {
  const clock = new ManualClock(new Date());
  let ts: TestServer;
  let dir: string;
  let operator: string;
  const op = () => ({ token: operator });
  const admin = () => ({ token: ts.adminToken });
  const auditRows = async () => Number((await ts.server.app.sql.query('select count(*) from audit_log')).rows[0].count);
  const run = async (id: string) => (await gqlOk<{ operationRun: Run }>(ts, RUN, { id }, op())).operationRun;

  /** Claims until `id` is leased (other queued runs of the type are completed on the way). */
  async function claimExactly(id: string, worker = 'w-1', lease = 60): Promise<string> {
    for (;;) {
      const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker, types: ['billing.invoice'], lease }, op());
      if (!claimRun) throw new Error(`operation ${id} was not in the queue`);
      if (claimRun.run.id === id) return claimRun.leaseToken;
      await gqlOk(ts, COMPLETE, { id: claimRun.run.id, token: claimRun.leaseToken, outcome: 'SUCCEEDED' }, op());
    }
  }

  async function fail(id: string): Promise<void> {
    const lease = await claimExactly(id);
    clock.advance(2_000);
    await gqlOk(ts, COMPLETE, { id, token: lease, outcome: 'FAILED', error: 'card declined' }, op());
  }

  async function failedRun(): Promise<string> {
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { n: Math.random() } }, op());
    await fail(s.submitRun.run.id);
    return s.submitRun.run.id;
  }

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-retry-chain-'));
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, CONFIG);
    ts = await startTestServer({ runScheduler: false, clock, config: { configFile: file } });
    await makeReady(ts);
    operator = await token(ts, 'OPERATOR');
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('carries the attempt across retries and refuses a retry once the chain reached maxAttempts', async () => {
    const first = await failedRun();
    const second = (await gqlOk<{ retryOperationRun: { id: string; attempt: number } }>(ts, RETRY, { id: first }, op())).retryOperationRun;
    expect(second.attempt).toBe(2);
    await fail(second.id);
    const third = (await gqlOk<{ retryOperationRun: { id: string; attempt: number } }>(ts, RETRY, { id: second.id }, op())).retryOperationRun;
    expect(third.attempt).toBe(3);
    await fail(third.id);
    expect((await run(third.id)).retryRefusal).toMatch(/attempt 3 of 3 .*no attempts are left/);
    const before = await auditRows();
    const refused = await gql(ts, RETRY, { id: third.id }, op());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/attempt 3 of 3/) });
    expect(await auditRows()).toBe(before + 1); // the refusal is recorded, and nothing was queued
    expect((await run(third.id)).retriedById).toBeNull();
  });

  it('refuses retrying a run that was already retried, naming the retry (regression: #15 and #16 from one failure)', async () => {
    const id = await failedRun();
    expect((await run(id)).retryRefusal).toBeNull();
    const retry = (await gqlOk<{ retryOperationRun: { id: string } }>(ts, RETRY, { id }, op())).retryOperationRun;
    const again = await gql(ts, RETRY, { id }, op());
    expect(again.errors?.[0]).toMatchObject({
      message: expect.stringContaining(`already retried as Operation #${retry.id}`),
      extensions: { code: 'CONFLICT', runId: Number(retry.id) },
    });
    const original = await run(id);
    expect(original).toMatchObject({ retriedById: retry.id, retryRefusal: expect.stringContaining(`#${retry.id}`) });
  });

  it('lets only one of two simultaneous retries of a run through', async () => {
    const id = await failedRun();
    const answers = await Promise.all([gql(ts, RETRY, { id }, op()), gql(ts, RETRY, { id }, op())]);
    const made = answers.filter((a) => a.data?.retryOperationRun);
    const refused = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect([made.length, refused.length]).toEqual([1, 1]);
    const { rows } = await ts.server.app.sql.query('select id from operation_runs where retry_of_run_id = $1', [id]);
    expect(rows).toHaveLength(1);
  });

  it('lists failures with the error, failure time, attempt, investigation and retry; runs with duration and worker', async () => {
    const investigated = await failedRun();
    await gqlOk(ts, 'mutation($id: ID!) { markOperationRunInvestigated(id: $id, reason: "card expired, customer asked") { id } }', { id: investigated }, op());
    const retried = await failedRun();
    const retry = (await gqlOk<{ retryOperationRun: { id: string } }>(ts, RETRY, { id: retried }, op())).retryOperationRun;
    const fields = 'id error completedAt attempt leaseWorker durationMs retriedById investigated { by at reason } policy { maxAttempts }';
    const { operationFailures } = await gqlOk<{ operationFailures: { runs: Record<string, unknown>[] } }>(ts, `{ operationFailures(first: 50) { runs { ${fields} } } }`, {}, op());
    const byId = new Map(operationFailures.runs.map((r) => [r.id, r]));
    expect(byId.get(investigated)).toMatchObject({
      error: 'card declined', completedAt: expect.any(String), attempt: 1, retriedById: null, leaseWorker: 'w-1', durationMs: 2000,
      investigated: { reason: 'card expired, customer asked', by: expect.any(String), at: expect.any(String) }, policy: { maxAttempts: 3 },
    });
    expect(byId.get(retried)).toMatchObject({ retriedById: retry.id, investigated: null });
    const { operationRuns } = await gqlOk<{ operationRuns: { runs: Record<string, unknown>[] } }>(ts, `{ operationRuns(first: 50) { runs { ${fields} status } } }`, {}, op());
    expect(operationRuns.runs.find((r) => r.id === retry.id)).toMatchObject({ status: 'QUEUED', durationMs: null, leaseWorker: null });
    expect(operationRuns.runs.find((r) => r.id === investigated)).toMatchObject({ durationMs: 2000, leaseWorker: 'w-1' });
  });

  it('says what happened to a requeued run: attempt 1 leased to w-gone, its lease expired, requeued by the system (regression: "no worker took it")', async () => {
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { requeue: 1 } }, op());
    const id = s.submitRun.run.id;
    const leasedAt = clock.now().toISOString();
    await claimExactly(id, 'w-gone', 10);
    clock.advance(10_000 + 30_001); // lease, then the sweep's grace
    const swept = await sweepExpiredLeases(ts.server.app.orm.em.fork(), ts.server.app.operations.catalog, clock);
    expect(swept.requeued).toEqual([Number(id)]);
    const requeuedAt = clock.now().toISOString();

    clock.advance(80_000); // past queuedTooLong (1 min) since the requeue
    const queued = await run(id);
    expect(queued).toMatchObject({ status: 'QUEUED', attempt: 2, durationMs: null, queuedSince: requeuedAt });
    expect(queued.leaseLapses).toEqual([{ attempt: 1, worker: 'w-gone', leasedAt, lastHeartbeatAt: leasedAt, expiredAt: expect.any(String), sweptAt: requeuedAt, outcome: 'requeued' }]);
    expect(queued.stuck?.stuckClass).toBe('QUEUED_TOO_LONG');
    expect(queued.stuck?.reason).toMatch(/^queued again for 80 s since attempt 1's lease \(worker w-gone\) expired; no worker took it since/);
    expect(queued.auditTrail.at(-1)).toEqual({ action: 'operations.run.requeue', actorType: 'system', actorLabel: 'lease sweep' });

    // Attempt 2 leased, lapses too; attempt 3 is the last, and its lapse fails the run by policy.
    await claimExactly(id, 'w-gone-2', 10);
    clock.advance(40_001);
    await sweepExpiredLeases(ts.server.app.orm.em.fork(), ts.server.app.operations.catalog, clock);
    await claimExactly(id, 'w-gone-3', 10);
    clock.advance(40_001);
    const last = await sweepExpiredLeases(ts.server.app.orm.em.fork(), ts.server.app.operations.catalog, clock);
    expect(last.failed).toEqual([Number(id)]);
    const failed = await run(id);
    expect(failed).toMatchObject({ status: 'COMPLETED', outcome: 'FAILED', attempt: 3, retryRefusal: expect.stringMatching(/attempt 3 of 3/) });
    expect(failed.leaseLapses.map((l) => [l.attempt, l.worker, l.outcome])).toEqual([[1, 'w-gone', 'requeued'], [2, 'w-gone-2', 'requeued'], [3, 'w-gone-3', 'failed']]);
    expect(failed.leaseLapses[1].leasedAt).not.toBe(failed.leaseLapses[0].leasedAt);
    expect(failed.auditTrail.filter((e) => e.actorType === 'system').map((e) => e.action)).toEqual(['operations.run.requeue', 'operations.run.requeue', 'operations.run.fail']);
  });

  it('writes no audit row for an empty claim, and still one for a claim that leases runs', async () => {
    const before = await auditRows();
    expect((await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'idle', types: ['nothing.queued'] }, op())).claimRun).toBeNull();
    expect((await gqlOk<{ claimRuns: unknown[] }>(ts, 'mutation { claimRuns(worker: "idle", types: ["nothing.queued"], limit: 5) { leaseToken } }', {}, op())).claimRuns).toEqual([]);
    expect(await auditRows()).toBe(before);
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'quiet.job', workspace: 'acme' }, op());
    const afterSubmit = await auditRows();
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'idle', types: ['quiet.job'] }, op());
    expect(claimRun?.run.id).toBe(s.submitRun.run.id);
    expect(await auditRows()).toBe(afterSubmit + 1);
  });

  it('filters the audit log by actor kind and time range', async () => {
    const q = 'query($f: AuditLogFilter) { auditLog(filter: $f, first: 300) { entries { at actorType action } } }';
    const system = (await gqlOk<{ auditLog: { entries: { actorType: string; action: string }[] } }>(ts, q, { f: { actorType: 'system' } }, admin())).auditLog.entries;
    expect(system.length).toBeGreaterThanOrEqual(4);
    expect(new Set(system.map((e) => e.actorType))).toEqual(new Set(['system']));
    const tokens = (await gqlOk<{ auditLog: { entries: { actorType: string }[] } }>(ts, q, { f: { actorType: 'token' } }, admin())).auditLog.entries;
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((e) => e.actorType === 'token')).toBe(true);

    const all = (await gqlOk<{ auditLog: { entries: { at: string }[] } }>(ts, q, {}, admin())).auditLog.entries;
    const times = all.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
    const since = new Date(times[Math.floor(times.length / 2)]);
    const until = new Date(times.at(-1)!);
    const ranged = (await gqlOk<{ auditLog: { entries: { at: string }[] } }>(ts, q, { f: { since: since.toISOString(), until: until.toISOString() } }, admin())).auditLog.entries;
    expect(ranged.length).toBe(times.filter((t) => t >= since.getTime() && t < until.getTime()).length);
    expect(ranged.every((e) => Date.parse(e.at) >= since.getTime() && Date.parse(e.at) < until.getTime())).toBe(true);

    const bad = await gql(ts, q, { f: { actorType: 'robot' } }, admin());
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.actorType' });
    const empty = await gql(ts, q, { f: { since: until.toISOString(), until: since.toISOString() } }, admin());
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.until' });
  });
});
