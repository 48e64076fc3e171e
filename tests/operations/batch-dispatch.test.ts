/** Batch dispatch against a real server and database: submitRuns, claimRuns, heartbeatRuns, completeRuns, and the coalesced notices. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import { gql, gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { makeReady, token } from './support.ts';

const SUBMIT_MANY = `mutation SubmitMany($runs: [SubmitRunInput!]!) { submitRuns(runs: $runs) { replay run { id status workspace { slug } tenant { slug } input } } }`;
const CLAIM_MANY = `mutation ClaimMany($worker: String!, $types: [String!]!, $limit: Int, $lease: Int) {
  claimRuns(worker: $worker, types: $types, limit: $limit, leaseSeconds: $lease) { leaseToken run { id status leaseWorker input } }
}`;
const HEARTBEAT_MANY = `mutation HeartbeatMany($leases: [LeaseInput!]!) { heartbeatRuns(leases: $leases) { id run { leaseExpiresAt } refused { code message } } }`;
const COMPLETE_MANY = `mutation CompleteMany($completions: [CompletionInput!]!) { completeRuns(completions: $completions) { id run { status outcome result error } refused { code message } } }`;

interface Submitted { submitRuns: { replay: boolean; run: { id: string; status: string; workspace: { slug: string }; tenant: { slug: string } | null; input: unknown } }[] }
interface Claimed { claimRuns: { leaseToken: string; run: { id: string; status: string; leaseWorker: string; input: { n: number } } }[] }
interface LeaseResults { run: Record<string, unknown> | null; refused: { code: string; message: string } | null; id: string }

describe('batch dispatch', () => {
  const clock = new ManualClock(new Date());
  let ts: TestServer;
  let operator: string;
  const op = () => ({ token: operator });
  const count = async (sql: string, params: unknown[] = []) => Number((await ts.server.app.sql.query(sql, params)).rows[0].n);
  const runs = (type: string, n: number, extra: Record<string, unknown> = {}) => Array.from({ length: n }, (_, i) => ({ type, workspace: 'acme', input: { n: i }, ...extra }));

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    operator = await token(ts, 'OPERATOR');
    await makeReady(ts, 'worker-1', ['batch.a', 'batch.b', 'batch.c', 'batch.d']);
  });
  afterAll(() => ts?.close());

  it('queues a batch in order, creating its workspaces and tenants, with one audit row', async () => {
    const audit = await count('select count(*) as n from audit_log');
    const { submitRuns } = await gqlOk<Submitted>(ts, SUBMIT_MANY, { runs: [...runs('batch.a', 3), { type: 'batch.a', workspace: 'globex', tenant: 'eu-1', input: { n: 3 } }] }, op());
    expect(submitRuns.map((s) => s.run.input)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    expect(submitRuns.every((s) => s.run.status === 'QUEUED' && !s.replay)).toBe(true);
    expect(submitRuns[3].run).toMatchObject({ workspace: { slug: 'globex' }, tenant: { slug: 'eu-1' } });
    const ids = submitRuns.map((s) => Number(s.run.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await count('select count(*) as n from operation_runs where id = any($1::bigint[])', [ids])).toBe(4);
    expect(await count('select count(*) as n from audit_log')).toBe(audit + 1);
  });

  it('replays keys used before and repeated in the batch, and creates one run per key', async () => {
    const first = await gqlOk<Submitted>(ts, SUBMIT_MANY, { runs: [{ type: 'batch.b', workspace: 'acme', input: { k: 1 }, idempotencyKey: 'k-1' }] }, op());
    const again = await gqlOk<Submitted>(ts, SUBMIT_MANY, {
      runs: [
        { type: 'batch.b', workspace: 'acme', input: { k: 1 }, idempotencyKey: 'k-1' },
        { type: 'batch.b', workspace: 'acme', input: { k: 2 }, idempotencyKey: 'k-2' },
        { type: 'batch.b', workspace: 'acme', input: { k: 2 }, idempotencyKey: 'k-2' },
      ],
    }, op());
    expect(again.submitRuns.map((s) => s.replay)).toEqual([true, false, true]);
    expect(again.submitRuns[0].run.id).toBe(first.submitRuns[0].run.id);
    expect(again.submitRuns[2].run.id).toBe(again.submitRuns[1].run.id);
    expect(await count("select count(*) as n from operation_runs where idempotency_key in ('k-1', 'k-2')")).toBe(2);
    expect(await count("select count(*) as n from dispatch_events where kind = 'idempotency_replay'")).toBe(2);
  });

  it('refuses the whole batch on a conflict or bad input, naming the entry, and creates nothing', async () => {
    const before = await count('select count(*) as n from operation_runs');
    const conflict = await gql(ts, SUBMIT_MANY, { runs: [...runs('batch.b', 2), { type: 'batch.b', workspace: 'acme', input: { k: 'other' }, idempotencyKey: 'k-1' }] }, op());
    expect(conflict.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', field: 'runs[2].idempotencyKey' }, message: expect.stringMatching(/k-1.*different input/) });
    const inBatch = await gql(ts, SUBMIT_MANY, {
      runs: [{ type: 'batch.b', workspace: 'acme', input: { a: 1 }, idempotencyKey: 'k-new' }, { type: 'batch.b', workspace: 'acme', input: { a: 2 }, idempotencyKey: 'k-new' }],
    }, op());
    expect(inBatch.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', field: 'runs[1].idempotencyKey' } });
    const bad = await gql(ts, SUBMIT_MANY, { runs: [...runs('batch.b', 2), { type: 'Not A Type', workspace: 'acme' }] }, op());
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'runs[2].type' });
    const tooMany = await gql(ts, SUBMIT_MANY, { runs: runs('batch.b', 501) }, op());
    expect(tooMany.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'runs' });
    expect(await count('select count(*) as n from operation_runs')).toBe(before);
  });

  it('claims up to the limit, oldest first, each run with its own lease token', async () => {
    await gqlOk(ts, SUBMIT_MANY, { runs: runs('batch.c', 5) }, op());
    const { claimRuns } = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-batch', types: ['batch.c'], limit: 3 }, op());
    expect(claimRuns.map((c) => c.run.input.n)).toEqual([0, 1, 2]);
    expect(claimRuns.every((c) => c.run.status === 'RUNNING' && c.run.leaseWorker === 'w-batch')).toBe(true);
    expect(new Set(claimRuns.map((c) => c.leaseToken)).size).toBe(3);
    const rest = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-batch', types: ['batch.c'], limit: 10 }, op());
    expect(rest.claimRuns.map((c) => c.run.input.n)).toEqual([3, 4]);
    expect((await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-batch', types: ['batch.c'] }, op())).claimRuns).toEqual([]);
    expect((await gql(ts, CLAIM_MANY, { worker: 'w-batch', types: ['batch.c'], limit: 0 }, op())).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
  });

  it('never gives one run to two workers claiming batches at once', async () => {
    await gqlOk(ts, SUBMIT_MANY, { runs: runs('batch.d', 60) }, op());
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => gqlOk<Claimed>(ts, CLAIM_MANY, { worker: `w-${i}`, types: ['batch.d'], limit: 15 }, op())));
    const ids = claims.flatMap((c) => c.claimRuns.map((r) => r.run.id));
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
  });

  it('completes the runs whose lease is current and refuses the others unchanged, with reasons', async () => {
    await gqlOk(ts, SUBMIT_MANY, { runs: runs('batch.a', 3) }, op());
    const { claimRuns } = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-done', types: ['batch.a'], limit: 3 }, op());
    const [a, b, c] = claimRuns;
    const { completeRuns } = await gqlOk<{ completeRuns: LeaseResults[] }>(ts, COMPLETE_MANY, {
      completions: [
        { id: a.run.id, leaseToken: a.leaseToken, outcome: 'SUCCEEDED', result: { ok: 1 } },
        { id: b.run.id, leaseToken: 'not-the-token', outcome: 'SUCCEEDED' },
        { id: c.run.id, leaseToken: c.leaseToken, outcome: 'FAILED', error: 'disk full' },
        { id: '999999', leaseToken: 'x', outcome: 'SUCCEEDED' },
      ],
    }, op());
    expect(completeRuns.map((r) => r.id)).toEqual([a.run.id, b.run.id, c.run.id, '999999']);
    expect(completeRuns[0]).toMatchObject({ run: { status: 'COMPLETED', outcome: 'SUCCEEDED', result: { ok: 1 } }, refused: null });
    expect(completeRuns[1]).toMatchObject({ run: null, refused: { code: 'CONFLICT', message: expect.stringMatching(/not the current lease/) } });
    expect(completeRuns[2]).toMatchObject({ run: { outcome: 'FAILED', error: 'disk full' } });
    expect(completeRuns[3].refused?.code).toBe('NOT_FOUND');
    const status = (await ts.server.app.sql.query('select status from operation_runs where id = $1', [b.run.id])).rows[0].status;
    expect(status).toBe('running');
    // the same tokens again: all refused now
    const again = await gqlOk<{ completeRuns: LeaseResults[] }>(ts, COMPLETE_MANY, { completions: [{ id: a.run.id, leaseToken: a.leaseToken, outcome: 'SUCCEEDED' }] }, op());
    expect(again.completeRuns[0].refused?.code).toBe('CONFLICT');
    // bad input anywhere refuses the whole call, naming the entry
    const missingError = await gql(ts, COMPLETE_MANY, { completions: [{ id: b.run.id, leaseToken: 'x', outcome: 'SUCCEEDED' }, { id: a.run.id, leaseToken: 'y', outcome: 'FAILED' }] }, op());
    expect(missingError.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'completions[1].error' });
    const twice = await gql(ts, COMPLETE_MANY, { completions: [{ id: b.run.id, leaseToken: 'x', outcome: 'SUCCEEDED' }, { id: b.run.id, leaseToken: 'x', outcome: 'SUCCEEDED' }] }, op());
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'completions[1].id' });
  });

  it('extends the current leases and refuses stale and expired ones', async () => {
    await gqlOk(ts, SUBMIT_MANY, { runs: runs('batch.b', 2, { workspace: 'initech' }) }, op());
    const { claimRuns } = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-beat', types: ['batch.b'], limit: 2, lease: 10 }, op());
    clock.advance(5_000);
    const { heartbeatRuns } = await gqlOk<{ heartbeatRuns: LeaseResults[] }>(ts, HEARTBEAT_MANY, {
      leases: [{ id: claimRuns[0].run.id, leaseToken: claimRuns[0].leaseToken }, { id: claimRuns[1].run.id, leaseToken: 'stale' }],
    }, op());
    expect(Date.parse(heartbeatRuns[0].run!.leaseExpiresAt as string)).toBe(clock.now().getTime() + 60_000);
    expect(heartbeatRuns[1].refused?.code).toBe('CONFLICT');
    clock.advance(10_000); // the second lease (10 s, never extended) has expired
    const late = await gqlOk<{ heartbeatRuns: LeaseResults[] }>(ts, HEARTBEAT_MANY, { leases: [{ id: claimRuns[1].run.id, leaseToken: claimRuns[1].leaseToken }] }, op());
    expect(late.heartbeatRuns[0].refused?.message).toMatch(/expired/);
  });

  it('claims only in the workspaces a limited token may use', async () => {
    await gqlOk(ts, SUBMIT_MANY, { runs: [{ type: 'batch.a', workspace: 'globex' }, { type: 'batch.a', workspace: 'acme' }] }, op());
    const bound = await token(ts, 'OPERATOR', ['acme']);
    const { claimRuns } = await gqlOk<{ claimRuns: { run: { workspace: { slug: string } } }[] }>(
      ts, 'mutation { claimRuns(worker: "w-acme", types: ["batch.a"], limit: 50) { run { workspace { slug } } } }', {}, { token: bound },
    );
    expect(claimRuns.length).toBeGreaterThan(0);
    expect(new Set(claimRuns.map((c) => c.run.workspace.slug))).toEqual(new Set(['acme']));
    expect((await gql(ts, SUBMIT_MANY, { runs: [{ type: 'batch.a', workspace: 'acme' }, { type: 'batch.a', workspace: 'globex' }] }, { token: bound })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('tells subscribers of every run of a batch, and coalesces notices for lists', async () => {
    const client = wsClient(ts, { token: operator });
    try {
      const each = takeEvents<{ operationRunUpdated: { id: string; status: string } }>(client, 'subscription { operationRunUpdated(filter: { type: "batch.live" }) { id status } }', 3);
      const notices = takeEvents<{ operationRunsChanged: { count: number; ids: string[] } }>(client, 'subscription { operationRunsChanged(filter: { type: "batch.live" }, intervalMs: 2000) { count ids } }', 2);
      await new Promise((r) => setTimeout(r, 300)); // both subscriptions are open
      const { submitRuns } = await gqlOk<Submitted>(ts, SUBMIT_MANY, { runs: runs('batch.live', 3) }, op());
      const { claimRuns } = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-live', types: ['batch.live'], limit: 3 }, op());
      await gqlOk(ts, COMPLETE_MANY, { completions: claimRuns.map((c) => ({ id: c.run.id, leaseToken: c.leaseToken, outcome: 'SUCCEEDED' })) }, op());
      const events = await each;
      expect(events.map((e) => e.operationRunUpdated.id)).toEqual(submitRuns.map((s) => s.run.id));
      const coalesced = await notices;
      // the first notice comes at once (the submission); the rest arrive together, not one per change
      expect(coalesced[0].operationRunsChanged.count).toBe(3);
      expect(coalesced[1].operationRunsChanged.count).toBe(6);
      expect(new Set(coalesced[1].operationRunsChanged.ids)).toEqual(new Set(submitRuns.map((s) => s.run.id)));
      const badInterval = takeEvents(client, 'subscription { operationRunsChanged(intervalMs: 10) { count } }', 1);
      await expect(badInterval).rejects.toMatchObject({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'intervalMs' }) })] });
    } finally {
      await client.dispose();
    }
  });

  it('filters notices by tenant and outcome, as the Failures list asks', async () => {
    const client = wsClient(ts, { token: operator });
    try {
      // The filter names the tenant as it is when the subscription starts: create it first.
      await gqlOk(ts, SUBMIT_MANY, { runs: [{ type: 'batch.g', workspace: 'acme', tenant: 'eu-9' }] }, op());
      const failures = takeEvents<{ operationRunsChanged: { ids: string[] } }>(client, 'subscription { operationRunsChanged(filter: { type: "batch.f", outcome: [FAILED] }, intervalMs: 250) { ids } }', 1);
      const tenant = takeEvents<{ operationRunsChanged: { ids: string[] } }>(client, 'subscription { operationRunsChanged(filter: { workspace: "acme", tenant: "eu-9" }, intervalMs: 250) { ids } }', 1);
      await new Promise((r) => setTimeout(r, 300)); // both subscriptions are open
      const { submitRuns } = await gqlOk<Submitted>(ts, SUBMIT_MANY, { runs: [...runs('batch.f', 2), { type: 'batch.f', workspace: 'acme', tenant: 'eu-9' }] }, op());
      const { claimRuns } = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-f', types: ['batch.f'], limit: 3 }, op());
      const failing = claimRuns.find((c) => c.run.id === submitRuns[1].run.id)!;
      await gqlOk(ts, COMPLETE_MANY, {
        completions: claimRuns.map((c) => (c === failing ? { id: c.run.id, leaseToken: c.leaseToken, outcome: 'FAILED', error: 'boom' } : { id: c.run.id, leaseToken: c.leaseToken, outcome: 'SUCCEEDED' })),
      }, op());
      expect((await failures)[0].operationRunsChanged.ids).toEqual([submitRuns[1].run.id]);
      expect(new Set((await tenant)[0].operationRunsChanged.ids)).toEqual(new Set([submitRuns[2].run.id]));
    } finally {
      await client.dispose();
    }
  });

  it('two replicas submitting to a new workspace and tenant at once both succeed, into one workspace', async () => {
    const replica = await startServer({ ...ts.config, port: 0 }, { clock, logger: createLogger('silent'), runScheduler: false });
    try {
      const urls = [ts.url, replica.url];
      const submissions = Array.from({ length: 8 }, (_, i) =>
        gqlOk<Submitted>({ url: urls[i % 2] } as TestServer, SUBMIT_MANY, { runs: [{ type: 'batch.r', workspace: 'brand-new', tenant: 'fresh', input: { i } }] }, op()),
      );
      const results = await Promise.all(submissions);
      expect(results.every((r) => r.submitRuns[0].run.workspace.slug === 'brand-new' && r.submitRuns[0].run.tenant?.slug === 'fresh')).toBe(true);
      expect(await count("select count(*) as n from workspaces where slug = 'brand-new'")).toBe(1);
      expect(await count("select count(*) as n from operation_runs r join tenants t on t.id = r.tenant_id where t.slug = 'fresh'")).toBe(8);
    } finally {
      await replica.close();
    }
  });
});
