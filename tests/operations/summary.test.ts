/** The ops summary's reasons, one by one, and the start-up checklist blocking and its override. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertServices } from '../support/services.ts';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { CLAIM, COMPLETE, makeReady, SUBMIT, type ClaimResult } from './support.ts';
import { serverSubscribed } from '../support/subscribed.ts';
import { Channels } from '../../server/events/channels.ts';

const SUMMARY = `{ opsSummary(hours: 24) { status reasons runsBlocked runsRunning runsQueued runsFailed leasesActive leasesStale
  idempotencyReplays idempotencyConflicts dispatchTimeouts servicesDown servicesDegraded criticalServicesDown workersOnline } }`;
type Summary = { opsSummary: { status: string; reasons: string[]; [k: string]: unknown } };

describe('ops summary', () => {
  const clock = new ManualClock(new Date());
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  const summary = async () => (await gqlOk<Summary>(ts, SUMMARY, {}, admin())).opsSummary;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    await makeReady(ts);
  });
  afterAll(() => ts?.close());

  it('is healthy with nothing wrong', async () => {
    expect(await summary()).toMatchObject({ status: 'healthy', reasons: [], workersOnline: 1 });
  });

  it('names idempotency conflicts (and counts replays)', async () => {
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { a: 1 }, key: 'k1' }, admin());
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { a: 1 }, key: 'k1' }, admin());
    await gql(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { a: 2 }, key: 'k1' }, admin());
    const s = await summary();
    expect(s).toMatchObject({ idempotencyReplays: 1, idempotencyConflicts: 1, runsQueued: 1 });
    expect(s.reasons).toContain('IDEMPOTENCY_CONFLICTS');
  });

  it('names stale leases, failed runs, dispatch timeouts and blocked runs', async () => {
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-1', types: ['billing.invoice'], lease: 10 }, admin());
    await gqlOk(ts, SUBMIT, { type: 'reports.orphan', workspace: 'acme', input: {} }, admin()); // no worker serves this type
    clock.advance(6 * 60_000); // past the lease, and past the 5 min queue limit
    await gqlOk(ts, 'mutation { registerWorker(name: "worker-1", types: ["billing.invoice", "reports.build"]) { name } }', {}, admin());
    const s = await summary();
    expect(s).toMatchObject({ leasesStale: 1, runsBlocked: 1, dispatchTimeouts: 1 });
    expect(s.reasons).toEqual(expect.arrayContaining(['STALE_LEASES', 'BLOCKED_RUNS', 'DISPATCH_TIMEOUTS']));
    void claimRun;
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { b: 1 } }, admin());
    const { claimRun: second } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-1', types: ['billing.invoice'] }, admin());
    await gqlOk(ts, COMPLETE, { id: second!.run.id, token: second!.leaseToken, outcome: 'FAILED', error: 'boom' }, admin());
    expect((await summary()).reasons).toContain('FAILED_RUNS');
  });

  it('names critical services that are down', async () => {
    const target = http.createServer((_req, res) => { res.statusCode = 500; res.end(); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    await gqlOk(ts, 'mutation($u: String!) { createService(input: { name: "payments", kind: "http", target: $u, critical: true, failureThreshold: 1 }) { name } }', { u: url }, admin());
    await gqlOk(ts, 'mutation { recheckService(name: "payments") { status } }', {}, admin());
    target.close();
    const s = await summary();
    expect(s).toMatchObject({ criticalServicesDown: 1, servicesDown: 1 });
    expect(s.reasons).toContain('CRITICAL_SERVICES_DOWN');
  });
});

describe('start-up checklist', () => {
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('starts not ready, showing each check as passed, failed or pending', async () => {
    const { startupChecklist } = await gqlOk<{ startupChecklist: { ready: boolean; failing: string[]; checks: { name: string; state: string; required: boolean; error: string | null }[] } }>(
      ts, '{ startupChecklist { ready failing checks { name state required error } } }', {}, admin(),
    );
    expect(startupChecklist.ready).toBe(false);
    const byName = Object.fromEntries(startupChecklist.checks.map((c) => [c.name, c]));
    expect(byName.migrations.state).toBe('PASSED');
    expect(byName.critical_services).toMatchObject({ state: 'PENDING', error: expect.stringMatching(/not checked yet: lookout, postgres/) });
    expect(byName.worker_online).toMatchObject({ state: 'FAILED', error: expect.stringMatching(/no worker/) });
    expect(byName.required_files.state).toBe('PASSED');
    expect(startupChecklist.failing).toEqual(['critical_services', 'worker_online']);
  });

  it('names at most 20 critical services down or not checked, with how many more (regression: every critical service was read every 5 s and every one down named)', async () => {
    const sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
    try {
      const names = Array.from({ length: 45 }, (_, i) => `crit-${String(i).padStart(2, '0')}`);
      await insertServices(sql, names, { critical: true, status: 'down' });
      const checklist = ts.server.app.operations.checklist;
      const item = async () => (await checklist.run(new Date())).report.items.find((i) => i.name === 'critical_services')!;
      const down = await item();
      expect(down.state).toBe('failed');
      expect(down.error).toBe(`down: ${names.slice(0, 20).join(', ')} and 25 more`);
      await sql.query("update service_states set status = 'healthy' where service_id in (select id from services where name like 'crit-%')");
      // lookout and postgres are still not checked: named, none more.
      expect((await item()).error).toBe('not checked yet: lookout, postgres');
    } finally {
      await sql.query("delete from services where name like 'crit-%'");
      await sql.end();
      await ts.server.app.operations.checklist.run(new Date());
    }
  });

  it('lets an admin override a failing check with a reason (audited), which unblocks submission', async () => {
    for (const name of ['lookout', 'postgres']) await gqlOk(ts, 'mutation($n: String!) { recheckService(name: $n) { status } }', { n: name }, admin());
    const client = wsClient(ts, { token: ts.adminToken });
    const listening = serverSubscribed(ts, Channels.checklistUpdated);
    const live = takeEvents<{ startupChecklistUpdated: { ready: boolean } }>(client, 'subscription { startupChecklistUpdated { ready failing } }', 1);
    await listening.subscribed;
    listening.restore();
    const short = await gql(ts, 'mutation { overrideStartupCheck(name: "worker_online", reason: "no") { ready } }', {}, admin());
    expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const unknown = await gql(ts, 'mutation { overrideStartupCheck(name: "vibes", reason: "trust me") { ready } }', {}, admin());
    expect(unknown.errors?.[0].extensions?.field).toBe('name');
    const viewer = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "v", role: OPERATOR }) { secret } }', {}, admin());
    const forbidden = await gql(ts, 'mutation { overrideStartupCheck(name: "worker_online", reason: "workers start later") { ready } }', {}, { token: viewer.createApiToken.secret });
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const done = await gqlOk<{ overrideStartupCheck: { ready: boolean; checks: { name: string; overriddenBy: string; overrideReason: string }[] } }>(
      ts, 'mutation { overrideStartupCheck(name: "worker_online", reason: "workers start after deploy") { ready checks { name overriddenBy overrideReason } } }', {}, admin(),
    );
    expect(done.overrideStartupCheck.ready).toBe(true);
    expect(done.overrideStartupCheck.checks.find((c) => c.name === 'worker_online')).toMatchObject({ overrideReason: 'workers start after deploy', overriddenBy: expect.stringMatching(/bootstrap/) });
    expect((await live)[0].startupChecklistUpdated.ready).toBe(true);
    await client.dispose();
    const submitted = await gql(ts, 'mutation { submitRun(type: "billing.invoice", workspace: "acme") { replay } }', {}, admin());
    expect(submitted.errors).toBeUndefined();
    const { rows } = await ts.server.app.sql.query("select count(*)::int as n from audit_log where action = 'operations.checklist.override' and outcome = 'success'");
    expect(rows[0].n).toBe(1);
  });
});
