/**
 * Workspace isolation against a real server, with real tokens and a signed-in user limited to ws-a:
 * nothing of ws-b reaches them (audit rows, errors, lists, counts, events, lineage, idempotency), and
 * a run of ws-b is, for every call that names a run, exactly a run that does not exist.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession, wsClient, type Credentials } from '../support/graphql.ts';
import { HEARTBEAT, COMPLETE, makeReady, SUBMIT, token, type SubmitResult } from './support.ts';

const SUBMIT_MANY = 'mutation($runs: [SubmitRunInput!]!) { submitRuns(runs: $runs) { replay run { id workspace { slug } } } }';
const CLAIM_MANY = `mutation($worker: String!, $types: [String!]!, $limit: Int) {
  claimRuns(worker: $worker, types: $types, limit: $limit) { leaseToken run { id workspace { slug } } }
}`;
const HEARTBEAT_MANY = 'mutation($leases: [LeaseInput!]!) { heartbeatRuns(leases: $leases) { id run { id } refused { code message } } }';
const COMPLETE_MANY = 'mutation($completions: [CompletionInput!]!) { completeRuns(completions: $completions) { id run { id outcome } refused { code message } } }';
const TRAIL = 'query($id: ID!) { operationRun(id: $id) { auditTrail { action outcome input withheld } } }';
const AUDIT_LOG = `query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) { endCursor hasNextPage entries { id action targetType targetId input outcome errorCode errorMessage withheld } }
}`;

interface Claimed { claimRuns: { leaseToken: string; run: { id: string; workspace: { slug: string } } }[] }
interface LeaseResult { id: string; run: { id: string } | null; refused: { code: string; message: string } | null }
interface TrailEntry { action: string; outcome: string; input: Record<string, unknown>; withheld: string | null }
interface AuditRow { id: string; action: string; targetType: string | null; targetId: string | null; input: Record<string, unknown>; outcome: string; errorCode: string | null; errorMessage: string | null; withheld: string | null }
interface AuditPage { auditLog: { endCursor: string | null; hasNextPage: boolean; entries: AuditRow[] } }

/** What a caller is told of a run that does not exist (and, so, of one it may not see). */
const missing = (id: string | number) => `Operation "#${id}" does not exist.`;
const NO_SUCH_RUN = '987654321';

describe('workspace isolation', () => {
  let ts: TestServer;
  let viewerA: string;
  let operatorA: string;
  let operatorB: string;
  let sessionA: Credentials;
  const admin = () => ({ token: ts.adminToken });
  const as = (secret: string) => ({ token: secret });
  const auditRows = async () => Number((await ts.server.app.sql.query('select count(*) as n from audit_log')).rows[0].n);
  const runState = async (id: string) => (await ts.server.app.sql.query('select status, outcome, lease_token_hash, lease_expires_at, context from operation_runs where id = $1', [id])).rows[0];

  /** Queues runs as the admin, claims them all and returns the leases in submission order. */
  async function leased(runs: { type: string; workspace: string }[], claimer = admin()): Promise<{ id: string; leaseToken: string; workspace: string }[]> {
    const { submitRuns } = await gqlOk<{ submitRuns: { run: { id: string; workspace: { slug: string } } }[] }>(ts, SUBMIT_MANY, { runs: runs.map((r, n) => ({ ...r, input: { n } })) }, admin());
    const { claimRuns } = await gqlOk<Claimed>(ts, CLAIM_MANY, { worker: 'w-iso', types: [...new Set(runs.map((r) => r.type))], limit: runs.length }, claimer);
    const byId = new Map(claimRuns.map((c) => [c.run.id, c.leaseToken]));
    return submitRuns.map((s) => ({ id: s.run.id, leaseToken: byId.get(s.run.id)!, workspace: s.run.workspace.slug }));
  }

  async function failedRun(type: string, workspace: string): Promise<string> {
    const [run] = await leased([{ type, workspace }]);
    await gqlOk(ts, COMPLETE, { id: run.id, token: run.leaseToken, outcome: 'FAILED', error: `${workspace}: failed on purpose` }, admin());
    return run.id;
  }

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
    viewerA = await token(ts, 'VIEWER', ['ws-a']);
    operatorA = await token(ts, 'OPERATOR', ['ws-a']);
    operatorB = await token(ts, 'OPERATOR', ['ws-b']);
    await gqlOk(ts, 'mutation { createUser(input: { email: "viewer-a@example.com", password: "viewer a password", role: VIEWER, workspaces: ["ws-a"] }) { id } }', {}, admin());
    sessionA = await signInSession(ts, 'viewer-a@example.com', 'viewer a password');
  });
  afterAll(() => ts?.close());

  it("shows a viewer limited to ws-a only ws-a's part of a batch mixing workspaces (regression: a ws-a run's auditTrail named ws-b's runs and error text)", async () => {
    const runs = await leased([
      { type: 'iso.mixed', workspace: 'ws-a' },
      { type: 'iso.mixed', workspace: 'ws-b' },
      { type: 'iso.mixed', workspace: 'ws-b' },
      { type: 'iso.mixed', workspace: 'ws-a' },
    ]);
    const [a0, b0, , a1] = runs;
    await gqlOk(ts, HEARTBEAT_MANY, { leases: runs.map(({ id, leaseToken }) => ({ id, leaseToken })) }, admin());
    const errorOf = (r: { id: string }) => (r === a0 ? 'ws-a: card declined' : r === b0 ? 'ws-b secret: vault 7 unreachable' : null);
    await gqlOk(ts, COMPLETE_MANY, {
      completions: runs.map((r) => ({ id: r.id, leaseToken: r.leaseToken, outcome: errorOf(r) ? 'FAILED' : 'SUCCEEDED', error: errorOf(r) })),
    }, admin());
    const aIds = [a0.id, a1.id].map(Number);

    for (const caller of [as(viewerA), sessionA]) {
      const trail = (await gqlOk<{ operationRun: { auditTrail: TrailEntry[] } }>(ts, TRAIL, { id: a0.id }, caller)).operationRun.auditTrail;
      expect(trail.map((e) => e.action)).toEqual(['operations.runs.submit', 'operations.runs.claim', 'operations.runs.heartbeat', 'operations.runs.complete']);
      const [submit, claim, heartbeat, complete] = trail;
      expect(submit.input).toEqual({ count: 2, types: ['iso.mixed'], workspaces: ['ws-a'] });
      expect(claim.input).toMatchObject({ worker: 'w-iso', types: ['iso.mixed'] });
      expect(heartbeat.input.ids).toEqual(aIds);
      expect(complete.input.completions).toEqual([
        { id: aIds[0], outcome: 'failed', error: 'ws-a: card declined' },
        { id: aIds[1], outcome: 'succeeded', error: null },
      ]);
      for (const entry of trail) expect(entry.withheld).toBe('and runs in other workspaces, not shown');
      expect(JSON.stringify(trail)).not.toMatch(/ws-b|vault 7/);
    }
    // Trimmed for the limited caller only: a caller with every workspace reads the rows whole.
    const whole = (await gqlOk<{ operationRun: { auditTrail: TrailEntry[] } }>(ts, TRAIL, { id: a0.id }, admin())).operationRun.auditTrail;
    expect(whole.every((e) => e.withheld === null)).toBe(true);
    expect(whole[0].input).toEqual({ count: 4, types: ['iso.mixed'], workspaces: ['ws-a', 'ws-b'] });
    expect((whole[3].input.completions as unknown[]).length).toBe(4);
    expect(JSON.stringify(whole[3])).toContain('vault 7');
  });

  it('trims auditLog the same way for an admin limited to ws-a, and leaves out rows only about ws-b (sibling: the audit log, and paging past the rows left out)', async () => {
    const adminA = await token(ts, 'ADMIN', ['ws-a']);
    await gqlOk(ts, SUBMIT, { type: 'iso.keyed', workspace: 'ws-b', input: { v: 1 }, key: 'key-b' }, admin());
    await failedRun('iso.only-b', 'ws-b');
    await failedRun('iso.only-a', 'ws-a');
    // A mixed batch refused because of ws-b's idempotency key: its error names ws-b.
    const refused = await gql(ts, SUBMIT_MANY, { runs: [{ type: 'iso.keyed', workspace: 'ws-a' }, { type: 'iso.keyed', workspace: 'ws-b', input: { v: 2 }, idempotencyKey: 'key-b' }] }, admin());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('ws-b') });

    const readAll = async (caller: Credentials, first: number) => {
      const rows: AuditRow[] = [];
      let after: string | null = null;
      for (let page = 0; page < 200; page++) {
        const { auditLog }: AuditPage = await gqlOk<AuditPage>(ts, AUDIT_LOG, { filter: { action: 'operations.*' }, first, after }, caller);
        rows.push(...auditLog.entries);
        if (!auditLog.hasNextPage) return rows;
        after = auditLog.endCursor;
      }
      throw new Error('the audit log did not end');
    };
    const limited = await readAll(as(adminA), 500);
    expect(JSON.stringify(limited)).not.toMatch(/ws-b|vault 7|key-b/);
    const targets = limited.filter((r) => r.targetType === 'operation_run' && r.targetId).map((r) => r.targetId);
    const { rows } = await ts.server.app.sql.query('select distinct w.slug from operation_runs r join workspaces w on w.id = r.workspace_id where r.id = any($1::bigint[])', [targets]);
    expect(rows.map((r) => r.slug)).toEqual(['ws-a']);
    const conflict = limited.find((r) => r.action === 'operations.runs.submit' && r.outcome === 'failure');
    expect(conflict).toMatchObject({
      errorCode: 'CONFLICT',
      errorMessage: null,
      input: { workspaces: ['ws-a'] },
      withheld: 'and runs in other workspaces, not shown; the error message is withheld, as it may name them',
    });
    expect(conflict!.input).not.toHaveProperty('count');
    // Paging small pages over the rows left out gives the same rows, none twice.
    expect((await readAll(as(adminA), 2)).map((r) => r.id)).toEqual(limited.map((r) => r.id));
    // The unlimited admin reads every row whole.
    const all = await readAll(admin(), 500);
    expect(all.length).toBeGreaterThan(limited.length);
    expect(all.find((r) => r.id === conflict!.id)).toMatchObject({ errorMessage: expect.stringContaining('ws-b'), withheld: null });
  });

  it('refuses a workspace-limited admin a token or a user beyond its own limit (sibling: a limited admin could create an unlimited token and read every workspace)', async () => {
    const adminA = await token(ts, 'ADMIN', ['ws-a']);
    const TOKEN = 'mutation($w: [String!]) { createApiToken(input: { name: "from-limited", role: VIEWER, workspaces: $w }) { secret token { workspaces } } }';
    const USER = 'mutation($e: String!, $w: [String!]) { createUser(input: { email: $e, password: "limited admin made me", role: ADMIN, workspaces: $w }) { id workspaces } }';
    const LIMIT = 'mutation($id: ID!, $w: [String!]) { setUserWorkspaces(id: $id, workspaces: $w) { workspaces } }';
    for (const w of [null, ['ws-b'], ['ws-a', 'ws-b']]) {
      const rowsBefore = await auditRows();
      expect((await gql(ts, TOKEN, { w }, as(adminA))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.workspaces' });
      expect((await gql(ts, USER, { e: `u${Math.random()}@example.com`, w }, as(adminA))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.workspaces' });
      expect(await auditRows()).toBe(rowsBefore + 2);
    }
    const made = await gqlOk<{ createApiToken: { secret: string; token: { workspaces: string[] } } }>(ts, TOKEN, { w: ['ws-a'] }, as(adminA));
    expect(made.createApiToken.token.workspaces).toEqual(['ws-a']);
    const user = (await gqlOk<{ createUser: { id: string } }>(ts, USER, { e: 'made-by-limited@example.com', w: ['ws-a'] }, as(adminA))).createUser;
    for (const w of [null, ['ws-b']]) expect((await gql(ts, LIMIT, { id: user.id, w }, as(adminA))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'workspaces' });
    expect((await gqlOk<{ setUserWorkspaces: { workspaces: string[] } }>(ts, LIMIT, { id: user.id, w: [] }, as(adminA))).setUserWorkspaces.workspaces).toEqual([]);
    // The admin with every workspace still gives any limit, or none.
    expect((await gqlOk<{ setUserWorkspaces: { workspaces: null } }>(ts, LIMIT, { id: user.id, w: null }, admin())).setUserWorkspaces.workspaces).toBeNull();
  });

  it("refuses heartbeats and completions of a ws-b run as NOT_FOUND, even with its lease token (regression: a ws-a operator completed ws-b's run; heartbeatRun answered CONFLICT)", async () => {
    const [runB] = await leased([{ type: 'iso.lease', workspace: 'ws-b' }], as(operatorB));
    const before = await runState(runB.id);
    for (const leaseToken of [runB.leaseToken, 'not-its-token']) {
      for (const document of [HEARTBEAT, COMPLETE]) {
        const variables = { token: leaseToken, outcome: 'SUCCEEDED' };
        const foreign = await gql(ts, document, { ...variables, id: runB.id }, as(operatorA));
        const absent = await gql(ts, document, { ...variables, id: NO_SUCH_RUN }, as(operatorA));
        expect(foreign.errors?.[0]).toMatchObject({ message: missing(runB.id), extensions: { code: 'NOT_FOUND' } });
        expect(absent.errors?.[0]).toMatchObject({ message: missing(NO_SUCH_RUN), extensions: { code: 'NOT_FOUND' } });
      }
    }
    // Batches: the caller's own run is done, ws-b's is refused exactly as a missing one.
    const [own] = await leased([{ type: 'iso.lease-a', workspace: 'ws-a' }], as(operatorA));
    const leases = [{ id: own.id, leaseToken: own.leaseToken }, { id: runB.id, leaseToken: runB.leaseToken }, { id: NO_SUCH_RUN, leaseToken: 'x' }];
    const beats = (await gqlOk<{ heartbeatRuns: LeaseResult[] }>(ts, HEARTBEAT_MANY, { leases }, as(operatorA))).heartbeatRuns;
    const completions = leases.map((l) => ({ ...l, outcome: 'SUCCEEDED' }));
    const completed = (await gqlOk<{ completeRuns: LeaseResult[] }>(ts, COMPLETE_MANY, { completions }, as(operatorA))).completeRuns;
    for (const results of [beats, completed]) {
      expect(results[0]).toMatchObject({ run: { id: own.id }, refused: null });
      expect(results[1]).toEqual({ id: runB.id, run: null, refused: { code: 'NOT_FOUND', message: missing(runB.id) } });
      expect(results[2]).toEqual({ id: NO_SUCH_RUN, run: null, refused: { code: 'NOT_FOUND', message: missing(NO_SUCH_RUN) } });
    }
    // A batch that changed nothing is not audited.
    const rowsBefore = await auditRows();
    const nothing = await gqlOk<{ completeRuns: LeaseResult[] }>(ts, COMPLETE_MANY, { completions: completions.slice(1) }, as(operatorA));
    expect(nothing.completeRuns.map((r) => r.refused?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await auditRows()).toBe(rowsBefore);
    // ws-b's run is untouched, and its own worker still holds it.
    expect(await runState(runB.id)).toEqual(before);
    await gqlOk(ts, HEARTBEAT, { id: runB.id, token: runB.leaseToken }, as(operatorB));
    expect((await gqlOk<{ completeRun: { outcome: string } }>(ts, COMPLETE, { id: runB.id, token: runB.leaseToken, outcome: 'SUCCEEDED' }, as(operatorB))).completeRun.outcome).toBe('SUCCEEDED');
  });

  it('answers retry, cancel, mark investigated and operationRun of a ws-b run as of a missing one, and changes nothing (sibling: every run-addressed call)', async () => {
    const failed = await failedRun('iso.triage', 'ws-b');
    const { submitRun } = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'iso.triage', workspace: 'ws-b', input: { queued: true } }, admin());
    const queued = submitRun.run.id;
    const calls: [string, string, Record<string, unknown>][] = [
      ['retryOperationRun', 'mutation($id: ID!) { retryOperationRun(id: $id) { id } }', { id: failed }],
      ['cancelOperationRun', 'mutation($id: ID!) { cancelOperationRun(id: $id, confirm: true) { id } }', { id: queued }],
      ['markOperationRunInvestigated', 'mutation($id: ID!, $r: String!) { markOperationRunInvestigated(id: $id, reason: $r) { id } }', { id: failed, r: 'looked into it' }],
    ];
    const states = [await runState(failed), await runState(queued)];
    const runCount = async () => Number((await ts.server.app.sql.query('select count(*) as n from operation_runs')).rows[0].n);
    const runsBefore = await runCount();
    const operatorOfNone = await token(ts, 'OPERATOR', ['ws-none']); // a workspace that does not exist yet
    for (const [, document, variables] of calls) {
      const rowsBefore = await auditRows();
      const foreign = await gql(ts, document, variables, as(operatorA));
      expect(foreign.errors?.[0]).toMatchObject({ message: missing(variables.id as string), extensions: { code: 'NOT_FOUND' } });
      const ofNone = await gql(ts, document, variables, as(operatorOfNone));
      expect(ofNone.errors?.[0]).toMatchObject({ message: missing(variables.id as string), extensions: { code: 'NOT_FOUND' } });
      const absent = await gql(ts, document, { ...variables, id: NO_SUCH_RUN }, as(operatorA));
      expect(absent.errors?.[0]).toMatchObject({ message: missing(NO_SUCH_RUN), extensions: { code: 'NOT_FOUND' } });
      expect(await auditRows()).toBe(rowsBefore + 3); // a refused call writes its failure row, as every refusal does
    }
    expect([await runState(failed), await runState(queued)]).toEqual(states);
    expect(await runCount()).toBe(runsBefore);
    for (const id of [failed, queued, NO_SUCH_RUN]) {
      const read = await gqlOk<{ operationRun: null }>(ts, 'query($id: ID!) { operationRun(id: $id) { id auditTrail { action } } }', { id }, as(viewerA));
      expect(read.operationRun).toBeNull();
    }
  });

  it("never lets a cancel overwrite a worker's completion that committed first (sibling: triage checked a state read before the change, without a lock)", async () => {
    const [run] = await leased([{ type: 'iso.race', workspace: 'ws-a' }]);
    const holder = new pg.Client({ connectionString: ts.databaseUrl });
    await holder.connect();
    const waiting = async () => Number((await holder.query("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0].n);
    const waitFor = async (n: number) => {
      for (const deadline = Date.now() + 10_000; (await waiting()) < n; ) {
        if (Date.now() > deadline) throw new Error(`fewer than ${n} statements waited for the run's lock`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await holder.query('begin');
      await holder.query('select id from operation_runs where id = $1 for update', [run.id]);
      const completion = gql<{ completeRun: { outcome: string } }>(ts, COMPLETE, { id: run.id, token: run.leaseToken, outcome: 'SUCCEEDED' }, admin());
      await waitFor(1);
      const cancel = gql(ts, 'mutation($id: ID!) { cancelOperationRun(id: $id, confirm: true) { outcome } }', { id: run.id }, as(operatorA));
      await waitFor(2);
      await holder.query('commit');
      expect((await completion).data?.completeRun.outcome).toBe('SUCCEEDED');
      expect((await cancel).errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('already completed (succeeded)') });
      expect(await runState(run.id)).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    } finally {
      await holder.end();
    }
  });

  it('keeps retry lineage inside the workspace of the run it retries (sibling: retriedFrom / retries links)', async () => {
    const original = await failedRun('iso.lineage', 'ws-a');
    const { retryOperationRun } = await gqlOk<{ retryOperationRun: { id: string; workspace: { slug: string } } }>(
      ts, 'mutation($id: ID!) { retryOperationRun(id: $id) { id workspace { slug } } }', { id: original }, as(operatorA),
    );
    expect(retryOperationRun.workspace.slug).toBe('ws-a');
    const LINEAGE = 'query($id: ID!) { operationRun(id: $id) { retryOfRunId retriedFrom { id } retries { id } } }';
    const seen = await gqlOk<{ operationRun: { retryOfRunId: string; retriedFrom: { id: string }[]; retries: unknown[] } }>(ts, LINEAGE, { id: retryOperationRun.id }, as(viewerA));
    expect(seen.operationRun).toEqual({ retryOfRunId: original, retriedFrom: [{ id: original }], retries: [] });
    for (const id of [original, retryOperationRun.id]) expect((await gqlOk<{ operationRun: null }>(ts, LINEAGE, { id }, as(operatorB))).operationRun).toBeNull();
    // Defensive: should a link ever cross workspaces (only retryOperationRun writes them, in the
    // original's workspace), the walk stops at it, naming nothing beyond.
    const foreign = await failedRun('iso.lineage-b', 'ws-b');
    await ts.server.app.sql.query('update operation_runs set retry_of_run_id = $1 where id = $2', [foreign, original]);
    const crossed = await gqlOk<{ operationRun: { retriedFrom: { id: string }[] } }>(ts, LINEAGE, { id: retryOperationRun.id }, as(viewerA));
    expect(crossed.operationRun.retriedFrom).toEqual([{ id: original }]);
    const fromB = await gqlOk<{ operationRun: { retries: { id: string }[] } }>(ts, LINEAGE, { id: foreign }, as(operatorB));
    expect(fromB.operationRun.retries).toEqual([]);
    await ts.server.app.sql.query('update operation_runs set retry_of_run_id = null where id = $1', [original]);
  });

  it('reveals nothing of ws-b through idempotency keys, batch errors, counts, workspace and tenant lists (siblings)', async () => {
    // A key used in ws-b is another key in ws-a: no CONFLICT, no replay, nothing of ws-b's run.
    await gqlOk(ts, SUBMIT, { type: 'iso.key', workspace: 'ws-b', tenant: 't-b', input: { v: 'b' }, key: 'shared-key' }, admin());
    const inA = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'iso.key', workspace: 'ws-a', input: { v: 'a' }, key: 'shared-key' }, as(operatorA));
    expect(inA.submitRun).toMatchObject({ replay: false, run: { workspace: { slug: 'ws-a' } } });
    // Naming ws-b gets the answer naming a workspace that does not exist gets: nothing says it exists.
    const entry = (workspace: string) => [{ type: 'iso.key', workspace: 'ws-a' }, { type: 'iso.key', workspace, idempotencyKey: 'shared-key' }];
    const toB = await gql(ts, SUBMIT_MANY, { runs: entry('ws-b') }, as(operatorA));
    const toNowhere = await gql(ts, SUBMIT_MANY, { runs: entry('ws-nowhere') }, as(operatorA));
    expect(toB.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(toB.errors?.[0].message.replace('ws-b', 'X')).toBe(toNowhere.errors?.[0].message.replace('ws-nowhere', 'X'));
    // A conflict in ws-b is not counted for ws-a.
    await gql(ts, SUBMIT, { type: 'iso.key', workspace: 'ws-b', input: { v: 'other' }, key: 'shared-key' }, admin());
    const SUMMARY = '{ opsSummary { runsQueued runsRunning runsFailed idempotencyConflicts idempotencyReplays } }';
    const { opsSummary } = await gqlOk<{ opsSummary: Record<string, number> }>(ts, SUMMARY, {}, as(viewerA));
    const { rows: [expected] } = await ts.server.app.sql.query(
      `select count(*) filter (where r.status = 'queued') as queued, count(*) filter (where r.status = 'running') as running, count(*) filter (where r.outcome = 'failed') as failed
         from operation_runs r join workspaces w on w.id = r.workspace_id where w.slug = 'ws-a'`,
    );
    expect(opsSummary).toEqual({ runsQueued: Number(expected.queued), runsRunning: Number(expected.running), runsFailed: Number(expected.failed), idempotencyConflicts: 0, idempotencyReplays: 0 });
    expect((await gqlOk<{ opsSummary: { idempotencyConflicts: number } }>(ts, SUMMARY, {}, admin())).opsSummary.idempotencyConflicts).toBeGreaterThan(0);
    // Workspaces and tenants: ws-b is as absent as a workspace that does not exist.
    expect((await gqlOk<{ workspaces: { slug: string }[] }>(ts, '{ workspaces { slug } }', {}, as(viewerA))).workspaces).toEqual([{ slug: 'ws-a' }]);
    const TENANTS = 'query($w: String) { tenants(workspace: $w) { slug } }';
    expect((await gqlOk<{ tenants: unknown[] }>(ts, TENANTS, { w: 'ws-b' }, as(viewerA))).tenants).toEqual([]);
    expect((await gqlOk<{ tenants: unknown[] }>(ts, TENANTS, {}, as(viewerA))).tenants).toEqual([]);
    expect((await gqlOk<{ operationRuns: { runs: unknown[] } }>(ts, '{ operationRuns(filter: { workspace: "ws-b" }) { runs { id } } }', {}, as(viewerA))).operationRuns.runs).toEqual([]);
  });

  it("tells a limited viewer's subscriptions nothing of ws-b's runs (sibling: operationRunUpdated and operationRunsChanged)", async () => {
    const client = wsClient(ts, { token: viewerA });
    const updated: string[] = [];
    const changed: string[][] = [];
    let notify = () => {};
    const next = () => new Promise<void>((resolve) => (notify = resolve));
    const fail = (err: unknown) => { throw err instanceof Error ? err : new Error(JSON.stringify(err)); };
    const disposers = [
      client.subscribe<{ operationRunUpdated: { id: string } }>({ query: 'subscription { operationRunUpdated { id } }' }, {
        next: ({ data }) => { updated.push(data!.operationRunUpdated.id); notify(); }, error: fail, complete: () => {},
      }),
      client.subscribe<{ operationRunsChanged: { ids: string[] } }>({ query: 'subscription { operationRunsChanged(intervalMs: 250) { ids } }' }, {
        next: ({ data }) => { changed.push(data!.operationRunsChanged.ids); notify(); }, error: fail, complete: () => {},
      }),
    ];
    const seen = async (id: string, deadline = Date.now() + 10_000) => {
      while (!(updated.includes(id) && changed.flat().includes(id))) {
        if (Date.now() > deadline) throw new Error(`run ${id} was not seen by both subscriptions`);
        await Promise.race([next(), new Promise((r) => setTimeout(r, 100))]);
      }
    };
    try {
      // Probe until both subscriptions are live: a ws-a run they both report.
      const probe = async () => (await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'iso.live', workspace: 'ws-a', input: { probe: Math.random() } }, admin())).submitRun.run.id;
      for (let id = await probe(), tries = 0; ; id = await probe(), tries++) {
        try {
          await seen(id, Date.now() + 500);
          break;
        } catch (error) {
          if (tries > 20) throw error;
        }
      }
      // ws-b changes first, then a ws-a marker: events arrive in order, so anything of ws-b would come first.
      const [runB] = await leased([{ type: 'iso.live-b', workspace: 'ws-b' }]);
      await gqlOk(ts, COMPLETE, { id: runB.id, token: runB.leaseToken, outcome: 'FAILED', error: 'ws-b private' }, admin());
      const marker = await probe();
      await seen(marker);
      expect(updated).not.toContain(runB.id);
      expect(changed.flat()).not.toContain(runB.id);
    } finally {
      for (const dispose of disposers) dispose();
      await client.dispose();
    }
  });
});
