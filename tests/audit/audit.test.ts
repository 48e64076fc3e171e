import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, sessionFrom } from '../support/graphql.ts';
import { graphql } from '../graphql/index.ts';

const AuditLog = graphql(`
  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      endCursor
      hasNextPage
      entries { id at actorType actorLabel action targetType targetId input outcome errorCode clientAddress }
    }
  }
`);

describe('audit log', () => {
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  const count = async () => Number((await ts.server.app.orm.em.getConnection().execute<{ n: string }[]>('select count(*) as n from audit_log'))[0].n);

  let pingToken = '';
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    const created = await gqlOk<{ createService: { pingUrl: string } }>(
      ts, 'mutation { createService(input: { name: "audited-beat", kind: "heartbeat", target: "push" }) { pingUrl } }', {}, { token: ts.adminToken },
    );
    pingToken = created.createService.pingUrl.split('/').at(-1)!;
    // the start-up checklist needs the critical built-ins checked once (no scheduler runs here)
    for (const name of ['lookout', 'postgres']) await gqlOk(ts, 'mutation($n: String!) { recheckService(name: $n) { status } }', { n: name }, { token: ts.adminToken });
  });
  afterAll(() => ts?.close());

  /** Every state-changing mutation, with what to run; each must add exactly one row (the claims here lease runs: an empty claim adds none, below). */
  const mutations: [string, () => Promise<unknown>][] = [];
  let userId = '';
  let tokenId = '';
  let session = { cookie: '', csrf: '' };
  mutations.push(
    ['completeSetup', async () => {
      const token = new URL(ts.setupUrl!).hash.replace('#token=', '');
      const r = await gql(ts, 'mutation($t: String!) { completeSetup(token: $t, email: "first@example.com", password: "first admin pass") { expiresAt } }', { t: token });
      session = sessionFrom(r.headers);
    }],
    ['createUser', async () => {
      const r = await gqlOk<{ createUser: { id: string } }>(ts, 'mutation { createUser(input: { email: "u@example.com", password: "user password", role: VIEWER }) { id } }', {}, admin());
      userId = r.createUser.id;
    }],
    ['setUserRole', () => gqlOk(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: OPERATOR) { role } }', { id: userId }, admin())],
    ['setUserWorkspaces', () => gqlOk(ts, 'mutation($id: ID!) { setUserWorkspaces(id: $id, workspaces: ["acme"]) { workspaces } }', { id: userId }, admin())],
    ['setUserDisabled', () => gqlOk(ts, 'mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { disabled } }', { id: userId }, admin())],
    ['createApiToken', async () => {
      const r = await gqlOk<{ createApiToken: { token: { id: string } } }>(ts, 'mutation { createApiToken(input: { name: "audited", role: VIEWER }) { token { id } } }', {}, admin());
      tokenId = r.createApiToken.token.id;
    }],
    ['revokeApiToken', () => gqlOk(ts, 'mutation($id: ID!) { revokeApiToken(id: $id) { status } }', { id: tokenId }, admin())],
    ['signIn', () => gqlOk(ts, 'mutation { signIn(email: "first@example.com", password: "first admin pass") { expiresAt } }')],
    ['signOut', () => gqlOk(ts, 'mutation { signOut }', {}, session)],
    ['createService', () => gqlOk(ts, 'mutation { createService(input: { name: "audited-svc", kind: "tcp", target: "127.0.0.1:9" }) { name } }', {}, admin())],
    ['createServices', () => gqlOk(ts, 'mutation { createServices(services: [{ name: "audited-batch-1", kind: "tcp", target: "127.0.0.1:9" }, { name: "audited-batch-2", kind: "tcp", target: "127.0.0.1:9" }]) { name } }', {}, admin())],
    ['updateService', () => gqlOk(ts, 'mutation { updateService(name: "audited-svc", input: { kind: "tcp", target: "127.0.0.1:10" }) { name } }', {}, admin())],
    ['recheckService', () => gqlOk(ts, 'mutation { recheckService(name: "audited-svc") { status } }', {}, admin())],
    ['diagnoseService', () => gqlOk(ts, 'mutation { diagnoseService(name: "audited-svc") { status } }', {}, admin())],
    ['pauseService', () => gqlOk(ts, 'mutation { pauseService(name: "audited-svc") { paused } }', {}, admin())],
    ['resumeService', () => gqlOk(ts, 'mutation { resumeService(name: "audited-svc") { paused } }', {}, admin())],
    ['pingHeartbeat', () => gqlOk(ts, 'mutation($t: String!) { pingHeartbeat(token: $t) }', { t: pingToken }, admin())],
    ['deleteService', () => gqlOk(ts, 'mutation { deleteService(name: "audited-svc") }', {}, admin())],
    ['overrideStartupCheck', () => gqlOk(ts, 'mutation { overrideStartupCheck(name: "worker_online", reason: "audit test") { ready } }', {}, admin())],
    ['rerunStartupChecklist', () => gqlOk(ts, 'mutation { rerunStartupChecklist { ready } }', {}, admin())],
    ['registerWorker', () => gqlOk(ts, 'mutation { registerWorker(name: "audit-worker", types: ["audit.job"]) { name } }', {}, admin())],
    ['submitRun', () => gqlOk(ts, 'mutation { submitRun(type: "audit.job", workspace: "audit", input: { n: 1 }) { replay } }', {}, admin())],
    ['claimRun', async () => {
      const r = await gqlOk<{ claimRun: { leaseToken: string; run: { id: string } } }>(ts, 'mutation { claimRun(worker: "audit-worker", types: ["audit.job"]) { leaseToken run { id } } }', {}, admin());
      lease = { id: r.claimRun.run.id, token: r.claimRun.leaseToken };
    }],
    ['heartbeatRun', () => gqlOk(ts, 'mutation($id: ID!, $t: String!) { heartbeatRun(id: $id, leaseToken: $t) { id } }', { id: lease.id, t: lease.token }, admin())],
    ['completeRun', () => gqlOk(ts, 'mutation($id: ID!, $t: String!) { completeRun(id: $id, leaseToken: $t, outcome: FAILED, error: "audit") { id } }', { id: lease.id, t: lease.token }, admin())],
    ['markOperationRunInvestigated', () => gqlOk(ts, 'mutation($id: ID!) { markOperationRunInvestigated(id: $id, reason: "audit test") { id } }', { id: lease.id }, admin())],
    ['retryOperationRun', async () => {
      const r = await gqlOk<{ retryOperationRun: { id: string } }>(ts, 'mutation($id: ID!) { retryOperationRun(id: $id) { id } }', { id: lease.id }, admin());
      lease = { id: r.retryOperationRun.id, token: '' };
    }],
    ['cancelOperationRun', () => gqlOk(ts, 'mutation($id: ID!) { cancelOperationRun(id: $id, confirm: true) { id } }', { id: lease.id }, admin())],
    ['submitRuns', () => gqlOk(ts, 'mutation { submitRuns(runs: [{ type: "audit.job", workspace: "audit", input: { n: 2 } }, { type: "audit.job", workspace: "audit", input: { n: 3 } }]) { replay } }', {}, admin())],
    ['claimRuns', async () => {
      const r = await gqlOk<{ claimRuns: { leaseToken: string; run: { id: string } }[] }>(ts, 'mutation { claimRuns(worker: "audit-worker", types: ["audit.job"], limit: 5) { leaseToken run { id } } }', {}, admin());
      batch = r.claimRuns.map((c) => ({ id: c.run.id, leaseToken: c.leaseToken }));
    }],
    ['heartbeatRuns', () => gqlOk(ts, 'mutation($l: [LeaseInput!]!) { heartbeatRuns(leases: $l) { id } }', { l: batch }, admin())],
    ['completeRuns', () => gqlOk(ts, 'mutation($c: [CompletionInput!]!) { completeRuns(completions: $c) { id } }', { c: batch.map((b) => ({ ...b, outcome: 'SUCCEEDED' })) }, admin())],
    ['updateAlertConfig', () => gqlOk(ts, 'mutation { updateAlertConfig(input: { escalationDelay: "1m" }) { service } }', {}, admin())],
    ['createAlertChannel', () =>
      gqlOk(ts, 'mutation($s: JSON!) { createAlertChannel(input: { name: "audit-hook", kind: "webhook", settings: $s }) { name } }', { s: { url: 'http://127.0.0.1:9/hook', secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` } }, admin())],
    ['updateAlertChannel', () => gqlOk(ts, 'mutation($s: JSON!) { updateAlertChannel(name: "audit-hook", settings: $s) { name } }', { s: { url: 'http://127.0.0.1:10/hook' } }, admin())],
    ['testAlertChannel', () => gqlOk(ts, 'mutation { testAlertChannel(name: "audit-hook") { ok } }', {}, admin())],
    ['deleteAlertChannel', () => gqlOk(ts, 'mutation { deleteAlertChannel(name: "audit-hook") }', {}, admin())],
    ['createMaintenanceWindow', async () => {
      const r = await gqlOk<{ createMaintenanceWindow: { id: number } }>(ts, 'mutation { createMaintenanceWindow(input: { name: "audit-window", all: true, duration: "10m" }) { id } }', {}, admin());
      windowId = r.createMaintenanceWindow.id;
    }],
    ['updateMaintenanceWindow', () => gqlOk(ts, 'mutation($id: Int!) { updateMaintenanceWindow(id: $id, input: { name: "audit-window", all: true, duration: "20m" }) { id } }', { id: windowId }, admin())],
    ['endMaintenanceWindow', () => gqlOk(ts, 'mutation($id: Int!) { endMaintenanceWindow(id: $id) { id } }', { id: windowId }, admin())],
    ['deleteMaintenanceWindow', () => gqlOk(ts, 'mutation($id: Int!) { deleteMaintenanceWindow(id: $id) }', { id: windowId }, admin())],
    ['createStatusPage', () => gqlOk(ts, 'mutation { createStatusPage(slug: "audited", input: { title: "Audited", groups: [{ name: "G", services: ["lookout"] }] }) { slug } }', {}, admin())],
    ['updateStatusPage', () => gqlOk(ts, 'mutation { updateStatusPage(slug: "audited", input: { title: "Audited again", groups: [] }) { slug } }', {}, admin())],
    ['deleteStatusPage', () => gqlOk(ts, 'mutation { deleteStatusPage(slug: "audited") }', {}, admin())],
    // This server declares no runtimes: the refusal is audited too (tests/runtimes/graphql.test.ts restarts each kind).
    ['restartRuntime', async () => {
      const r = await gql(ts, 'mutation { restartRuntime(name: "audit-runtime", confirm: true) { ok } }', {}, admin());
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }],
    // No service here has a restart action: the refusal is audited too (tests/actions/ restarts each kind).
    ['restartService', async () => {
      const r = await gql(ts, 'mutation { restartService(name: "lookout", confirm: true) { ok } }', {}, admin());
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }],
    // This server runs in-process, without Lookout's supervisor: the refusal is audited too (tests/supervisor/ restarts for real).
    ['restartLookout', async () => {
      const r = await gql(ts, 'mutation { restartLookout(confirm: true) { ok } }', {}, admin());
      expect(r.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    }],
    // Without the supervisor an update is refused before anything runs: audited too (tests/updates/update-e2e.test.ts updates for real).
    ['executeUpdate', async () => {
      const r = await gql(ts, 'mutation { executeUpdate(confirm: true) { success } }', {}, admin());
      expect(r.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    }],
    ['acknowledgeAlert', async () => {
      const { rows } = await ts.server.app.sql.query<{ id: number }>(
        `insert into alert_incidents (service_id, service_name, display_name, state, severity, status, reason, started_at, opened_at)
         select id, name, display_name, 'open', 'critical', 'down', 'audit test', now(), now() from services where name = 'lookout' returning id::int as id`,
      );
      await gqlOk(ts, 'mutation($id: Int!) { acknowledgeAlert(id: $id) { acknowledged } }', { id: rows[0].id }, admin());
    }],
  );
  let windowId = 0;
  let batch: { id: string; leaseToken: string }[] = [];
  let lease = { id: '', token: '' };

  it('covers every mutation of the schema', async () => {
    const { schema } = await import('../../schema/index.ts');
    expect(Object.keys(schema.getMutationType()!.getFields()).sort()).toEqual(mutations.map(([name]) => name).sort());
  });

  it.each(mutations)('%s writes exactly one audit row', async (_name, run) => {
    const before = await count();
    await run();
    expect(await count()).toBe(before + 1);
  });

  it('an empty claim (claimRun or claimRuns that leases nothing) writes no audit row: it changes nothing', async () => {
    const before = await count();
    const one = await gqlOk<{ claimRun: null }>(ts, 'mutation { claimRun(worker: "audit-worker", types: ["audit.none"]) { leaseToken } }', {}, admin());
    const many = await gqlOk<{ claimRuns: unknown[] }>(ts, 'mutation { claimRuns(worker: "audit-worker", types: ["audit.none"], limit: 5) { leaseToken } }', {}, admin());
    expect([one.claimRun, many.claimRuns]).toEqual([null, []]);
    expect(await count()).toBe(before);
  });

  it('a batch call writes one row naming every run it changed, found in each run\'s trail', async () => {
    const { auditLog } = await gqlOk(ts, AuditLog, { filter: { action: 'operations.runs.complete' } }, admin());
    expect(auditLog.entries).toHaveLength(1);
    expect(auditLog.entries[0]).toMatchObject({ targetType: 'operation_run', outcome: 'success' });
    expect(batch).toHaveLength(2);
    for (const { id } of batch) {
      const trail = await gqlOk<{ operationRun: { auditTrail: { action: string }[] } }>(ts, 'query($id: ID!) { operationRun(id: $id) { auditTrail { action } } }', { id }, admin());
      expect(trail.operationRun.auditTrail.map((e) => e.action)).toEqual(['operations.runs.submit', 'operations.runs.claim', 'operations.runs.heartbeat', 'operations.runs.complete']);
    }
  });

  it('keeps lease tokens out of the audit log', async () => {
    const { auditLog } = await gqlOk(ts, AuditLog, { filter: { action: 'operations.run.heartbeat' } }, admin());
    expect(auditLog.entries[0].input).toMatchObject({ leaseToken: '[redacted]' });
  });

  it('stores a recheck\'s check in the transaction of its audit row: when the row cannot be written, neither is the check', async () => {
    const checks = async () => Number((await ts.server.app.sql.query("select count(*) as n from health_checks h join services s on s.id = h.service_id where s.name = 'lookout'")).rows[0].n);
    await gqlOk(ts, 'mutation { recheckService(name: "lookout") { status } }', {}, admin());
    const before = await checks();
    await ts.server.app.sql.query(`
      create function refuse_recheck_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused for the test'; end $$;
      create trigger refuse_recheck_audit before insert on audit_log for each row
        when (new.action = 'monitoring.service.recheck' and new.outcome = 'success') execute function refuse_recheck_audit();`);
    try {
      const refused = await gql(ts, 'mutation { recheckService(name: "lookout") { status } }', {}, admin());
      expect(refused.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await ts.server.app.sql.query('drop trigger refuse_recheck_audit on audit_log; drop function refuse_recheck_audit();');
    }
    expect(await checks()).toBe(before);
    const { auditLog } = await gqlOk(ts, AuditLog, { filter: { action: 'monitoring.service.recheck' }, first: 1 }, admin());
    expect(auditLog.entries[0]).toMatchObject({ outcome: 'failure', errorCode: 'INTERNAL_SERVER_ERROR' });
  });

  it('a refused mutation writes one failure row and changes nothing', async () => {
    const before = await count();
    const result = await gql(ts, 'mutation { createUser(input: { email: "u@example.com", password: "user password", role: VIEWER }) { id } }', {}, admin());
    expect(result.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(await count()).toBe(before + 1);
    const { auditLog } = await gqlOk(ts, AuditLog, { first: 1 }, admin());
    expect(auditLog.entries[0]).toMatchObject({ action: 'auth.user.create', outcome: 'failure', errorCode: 'CONFLICT', actorType: 'token' });
  });

  it('records actor, action, target, input without secrets, outcome, time and client address', async () => {
    const { auditLog } = await gqlOk(ts, AuditLog, { filter: { action: 'auth.user.create', outcome: 'success' } }, admin());
    const entry = auditLog.entries[0];
    expect(entry).toMatchObject({
      actorType: 'token',
      actorLabel: 'bootstrap (LOOKOUT_BOOTSTRAP_TOKEN)',
      action: 'auth.user.create',
      targetType: 'user',
      targetId: userId,
      outcome: 'success',
      clientAddress: '127.0.0.1',
    });
    expect(entry.input).toEqual({ email: 'u@example.com', password: '[redacted]', role: 'viewer' });
    expect(Date.now() - Date.parse(entry.at)).toBeLessThan(60_000);
    const all = await gqlOk(ts, AuditLog, { first: 100 }, admin());
    expect(JSON.stringify(all)).not.toMatch(/first admin pass|user password/);
  });

  it('records a sign-in against the account signed into', async () => {
    const { auditLog } = await gqlOk(ts, AuditLog, { filter: { action: 'auth.session.create' } }, admin());
    expect(auditLog.entries[0]).toMatchObject({ actorType: 'user', actorLabel: 'first@example.com', outcome: 'success' });
  });

  it('filters by action prefix, actor and outcome', async () => {
    const auth = await gqlOk(ts, AuditLog, { filter: { action: 'auth.token.*' } }, admin());
    expect(new Set(auth.auditLog.entries.map((e) => e.action))).toEqual(new Set(['auth.token.create', 'auth.token.revoke', 'auth.token.bootstrap']));
    const byActor = await gqlOk(ts, AuditLog, { filter: { actor: 'first@' } }, admin());
    expect(byActor.auditLog.entries.length).toBeGreaterThan(0);
    expect(byActor.auditLog.entries.every((e) => e.actorLabel === 'first@example.com')).toBe(true);
    const failures = await gqlOk(ts, AuditLog, { filter: { outcome: 'failure' } }, admin());
    expect(failures.auditLog.entries.every((e) => e.outcome === 'failure')).toBe(true);
  });

  it('pages newest first with a cursor', async () => {
    const all = (await gqlOk(ts, AuditLog, { first: 500 }, admin())).auditLog.entries.map((e) => e.id);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof gqlOk<{ auditLog: { entries: { id: string }[]; endCursor: string | null; hasNextPage: boolean } }>>> =
        await gqlOk(ts, AuditLog, { first: 3, after }, admin());
      seen.push(...page.auditLog.entries.map((e) => e.id));
      after = page.auditLog.hasNextPage ? page.auditLog.endCursor : null;
    } while (after);
    expect(seen).toEqual(all);
    expect(all.map(Number)).toEqual([...all.map(Number)].sort((a, b) => b - a));
  });

  it.each([
    [{ first: 0 }, 'first'],
    [{ first: 501 }, 'first'],
    [{ after: 'abc' }, 'after'],
    [{ filter: { outcome: 'maybe' } }, 'filter.outcome'],
  ])('refuses bad paging or filters %j, naming the field', async (variables, field) => {
    const result = await gql(ts, AuditLog, variables as never, admin());
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});
