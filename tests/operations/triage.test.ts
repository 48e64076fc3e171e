/** Triage against a real server: lists, detail, retry, cancel, mark investigated; view vs manage; audit; workspaces. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession } from '../support/graphql.ts';
import { CLAIM, COMPLETE, makeReady, SUBMIT, token, type ClaimResult, type SubmitResult } from './support.ts';

const RETRY = 'mutation($id: ID!) { retryOperationRun(id: $id) { id status context retryOfRunId } }';
const CANCEL = 'mutation($id: ID!, $confirm: Boolean!) { cancelOperationRun(id: $id, confirm: $confirm) { id status outcome } }';
const MARK = 'mutation($id: ID!, $reason: String!) { markOperationRunInvestigated(id: $id, reason: $reason) { id context } }';

describe('triage', () => {
  let ts: TestServer;
  let operator: string;
  let viewer: string;
  const op = () => ({ token: operator });
  const auditCount = async () => Number((await ts.server.app.sql.query('select count(*) from audit_log')).rows[0].count);

  async function failedRun(type = 'billing.invoice', workspace = 'acme'): Promise<string> {
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type, workspace, input: { n: Math.random() } }, op());
    let claimed: ClaimResult['claimRun'] = null;
    while (!claimed || claimed.run.id !== s.submitRun.run.id) {
      claimed = (await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-1', types: [type] }, op())).claimRun;
      if (claimed && claimed.run.id !== s.submitRun.run.id) await gqlOk(ts, COMPLETE, { id: claimed.run.id, token: claimed.leaseToken, outcome: 'SUCCEEDED' }, op());
    }
    await gqlOk(ts, COMPLETE, { id: claimed.run.id, token: claimed.leaseToken, outcome: 'FAILED', error: 'card declined' }, op());
    return claimed.run.id;
  }

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
    operator = await token(ts, 'OPERATOR');
    viewer = await token(ts, 'VIEWER');
  });
  afterAll(() => ts?.close());

  it('lists failures newest first with workspace and tenant, and opens the detail', async () => {
    const a = await failedRun();
    const b = await failedRun();
    const { operationFailures } = await gqlOk<{ operationFailures: { runs: { id: string; workspace: { slug: string }; outcome: string; error: string }[] } }>(
      ts, '{ operationFailures(first: 10) { runs { id outcome error workspace { slug } tenant { slug } } } }', {}, { token: viewer },
    );
    expect(operationFailures.runs.map((r) => r.id).slice(0, 2)).toEqual([b, a]);
    expect(operationFailures.runs[0]).toMatchObject({ outcome: 'FAILED', error: 'card declined', workspace: { slug: 'acme' } });
  });

  it('retries only a completed, failed, retryable run, recording the lineage both ways', async () => {
    const id = await failedRun();
    const { retryOperationRun } = await gqlOk<{ retryOperationRun: { id: string; status: string; context: { triage: { retry_of_run_id: number } }; retryOfRunId: string } }>(ts, RETRY, { id }, op());
    expect(retryOperationRun).toMatchObject({ status: 'QUEUED', retryOfRunId: id, context: { triage: { retry_of_run_id: Number(id) } } });
    const again = await gql(ts, RETRY, { id: retryOperationRun.id }, op());
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/only a completed, failed operation can be retried/) });
    const detail = await gqlOk<{ operationRun: { retries: { id: string }[]; auditTrail: { action: string }[] } }>(
      ts, 'query($id: ID!) { operationRun(id: $id) { retries { id } auditTrail { action } } }', { id }, op(),
    );
    expect(detail.operationRun.retries.map((r) => r.id)).toEqual([retryOperationRun.id]);
    expect(detail.operationRun.auditTrail.map((e) => e.action)).toEqual(expect.arrayContaining(['operations.run.complete', 'platform.system_console.retry']));
    const child = await gqlOk<{ operationRun: { retriedFrom: { id: string }[]; auditTrail: { action: string }[] } }>(ts, 'query($id: ID!) { operationRun(id: $id) { retriedFrom { id } auditTrail { action } } }', { id: retryOperationRun.id }, op());
    expect(child.operationRun.retriedFrom.map((r) => r.id)).toEqual([id]);
    // The retry that created it is in its own trail (regression: the new run's trail was empty; found by an attack review).
    // (Then the refused retry of the new run itself, above.)
    expect(child.operationRun.auditTrail.map((e) => e.action)).toEqual(['platform.system_console.retry', 'platform.system_console.retry']);
  });

  it('cancels only with explicit confirmation, revokes the lease, and refuses the worker’s late completion', async () => {
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'reports.build', workspace: 'acme', input: { cancel: 1 } }, op());
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-2', types: ['reports.build'] }, op());
    expect(claimRun!.run.id).toBe(s.submitRun.run.id);
    const unconfirmed = await gql(ts, CANCEL, { id: s.submitRun.run.id, confirm: false }, op());
    expect(unconfirmed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'confirm' });
    const cancelled = await gqlOk<{ cancelOperationRun: { status: string; outcome: string } }>(ts, CANCEL, { id: s.submitRun.run.id, confirm: true }, op());
    expect(cancelled.cancelOperationRun).toMatchObject({ status: 'COMPLETED', outcome: 'CANCELLED' });
    const late = await gql(ts, COMPLETE, { id: s.submitRun.run.id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED' }, op());
    expect(late.errors?.[0].extensions?.code).toBe('CONFLICT');
    const twice = await gql(ts, CANCEL, { id: s.submitRun.run.id, confirm: true }, op());
    expect(twice.errors?.[0].message).toMatch(/already completed/);
  });

  it('marks a failed run investigated with a 5–500 character reason', async () => {
    const id = await failedRun();
    for (const reason of ['four', 'x'.repeat(501), '    ']) {
      const bad = await gql(ts, MARK, { id, reason }, op());
      expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    }
    const { markOperationRunInvestigated } = await gqlOk<{ markOperationRunInvestigated: { context: { triage: { investigated: { by: string; reason: string } } } } }>(
      ts, MARK, { id, reason: 'card network outage, see incident 42' }, op(),
    );
    expect(markOperationRunInvestigated.context.triage.investigated).toMatchObject({ reason: 'card network outage, see incident 42', by: expect.stringMatching(/^operator-/) });
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { fresh: 1 } }, op());
    const notStuck = await gql(ts, MARK, { id: s.submitRun.run.id, reason: 'nothing wrong here' }, op());
    expect(notStuck.errors?.[0].message).toMatch(/neither failed nor stuck/);
  });

  it('lets a viewer see everything but refuses every action with FORBIDDEN', async () => {
    const id = await failedRun();
    for (const [query, vars] of [
      [RETRY, { id }],
      [CANCEL, { id, confirm: true }],
      [MARK, { id, reason: 'looked at it' }],
      [SUBMIT, { type: 'billing.invoice', workspace: 'acme' }],
    ] as const) {
      const result = await gql(ts, query, vars, { token: viewer });
      expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const seen = await gqlOk<{ operationRun: { id: string } }>(ts, 'query($id: ID!) { operationRun(id: $id) { id } }', { id }, { token: viewer });
    expect(seen.operationRun.id).toBe(id);
  });

  it('writes one audit row per action', async () => {
    const id = await failedRun();
    for (const [query, vars] of [[MARK, { id, reason: 'one row each' }], [RETRY, { id }]] as const) {
      const before = await auditCount();
      await gqlOk(ts, query, vars, op());
      expect(await auditCount()).toBe(before + 1);
    }
    const { rows } = await ts.server.app.sql.query("select action from audit_log where target_type = 'operation_run' and target_id = $1 order by id", [id]);
    expect(rows.map((r) => r.action).slice(-2)).toEqual(['platform.system_console.mark_investigated', 'platform.system_console.retry']);
  });

  it('limits a workspace-bound token to its workspaces in lists, detail, actions and submissions', async () => {
    const other = await failedRun('billing.invoice', 'globex');
    const bound = await token(ts, 'OPERATOR', ['acme']);
    const list = await gqlOk<{ operationRuns: { runs: { workspace: { slug: string } }[] } }>(ts, '{ operationRuns(first: 100) { runs { workspace { slug } } } }', {}, { token: bound });
    expect(new Set(list.operationRuns.runs.map((r) => r.workspace.slug))).toEqual(new Set(['acme']));
    expect((await gqlOk<{ operationRun: null }>(ts, 'query($id: ID!) { operationRun(id: $id) { id } }', { id: other }, { token: bound })).operationRun).toBeNull();
    expect((await gql(ts, RETRY, { id: other }, { token: bound })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await gql(ts, SUBMIT, { type: 'billing.invoice', workspace: 'globex' }, { token: bound })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('lists tenants for the filters, only in the workspaces the caller may see', async () => {
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', tenant: 'eu-2', input: { t: 1 } }, op());
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'globex', tenant: 'us-1', input: { t: 2 } }, op());
    const TENANTS = 'query($w: String) { tenants(workspace: $w) { slug workspace { slug } } }';
    const all = await gqlOk<{ tenants: { slug: string; workspace: { slug: string } }[] }>(ts, TENANTS, {}, { token: viewer });
    expect(all.tenants).toEqual(expect.arrayContaining([{ slug: 'eu-2', workspace: { slug: 'acme' } }, { slug: 'us-1', workspace: { slug: 'globex' } }]));
    const acme = await gqlOk<{ tenants: { workspace: { slug: string } }[] }>(ts, TENANTS, { w: 'acme' }, { token: viewer });
    expect(new Set(acme.tenants.map((t) => t.workspace.slug))).toEqual(new Set(['acme']));
    const bound = await gqlOk<{ tenants: { workspace: { slug: string } }[] }>(ts, TENANTS, {}, { token: await token(ts, 'VIEWER', ['globex']) });
    expect(new Set(bound.tenants.map((t) => t.workspace.slug))).toEqual(new Set(['globex']));
    expect((await gql(ts, TENANTS, { w: 'Not A Slug' }, { token: viewer })).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'workspace' } });
  });

  it('limits a signed-in user to their workspaces the same way', async () => {
    const created = await gqlOk<{ createUser: { id: string; workspaces: string[] } }>(
      ts, 'mutation { createUser(input: { email: "acme-ops@example.com", password: "operator password", role: OPERATOR, workspaces: ["acme"] }) { id workspaces } }', {}, { token: ts.adminToken },
    );
    expect(created.createUser.workspaces).toEqual(['acme']);
    const session = await signInSession(ts, 'acme-ops@example.com', 'operator password');
    const list = await gqlOk<{ operationRuns: { runs: { workspace: { slug: string } }[] } }>(ts, '{ operationRuns(first: 100) { runs { workspace { slug } } } }', {}, session);
    expect(new Set(list.operationRuns.runs.map((r) => r.workspace.slug))).toEqual(new Set(['acme']));
    await gqlOk(ts, 'mutation($id: ID!) { setUserWorkspaces(id: $id, workspaces: null) { id } }', { id: created.createUser.id }, { token: ts.adminToken });
    const all = await gqlOk<{ operationRuns: { runs: { workspace: { slug: string } }[] } }>(ts, '{ operationRuns(first: 100) { runs { workspace { slug } } } }', {}, session);
    expect(new Set(all.operationRuns.runs.map((r) => r.workspace.slug)).has('globex')).toBe(true);
  });
});
