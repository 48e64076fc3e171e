/**
 * The worker calls (submitRun, claimRun, heartbeatRun, completeRun) and their batch forms write their
 * change and its audit row in one statement (audit.ts auditedStatement): the audit contract holds
 * exactly as in a transaction — one row per call that changed something, none for one that changed
 * nothing, a failure row for a refused call, the targets in the call's order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { CLAIM, COMPLETE, HEARTBEAT, SUBMIT, makeReady, token, type ClaimResult, type SubmitResult } from './support.ts';

interface AuditRow {
  action: string;
  actor_label: string | null;
  target_type: string | null;
  target_id: string | null;
  target_ids: string[] | null;
  outcome: string;
  error_code: string | null;
  input: Record<string, unknown>;
}

describe('worker calls audited in one statement', () => {
  let ts: TestServer;
  let operator: string;
  const type = 'billing.invoice';
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
    operator = await token(ts, 'OPERATOR');
  });
  afterAll(() => ts?.close());

  /** The audit rows written since row `after`, oldest first. */
  async function rowsAfter(after: number): Promise<AuditRow[]> {
    const { rows } = await ts.server.app.sql.query<AuditRow>(
      'select action, actor_label, target_type, target_id, target_ids, outcome, error_code, input from audit_log where id > $1 order by id',
      [after],
    );
    return rows;
  }
  async function lastId(): Promise<number> {
    const { rows } = await ts.server.app.sql.query<{ id: string | null }>('select max(id) as id from audit_log');
    return Number(rows[0].id ?? 0);
  }
  const submit = (input: unknown, key?: string) => gqlOk<SubmitResult>(ts, SUBMIT, { type, workspace: 'billing', input, key }, { token: operator });
  const claim = () => gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-1', types: [type] }, { token: operator });

  it('writes one row for each of submitRun, claimRun and completeRun, naming the run', async () => {
    const before = await lastId();
    const { submitRun } = await submit({ n: 1 });
    const { claimRun } = await claim();
    expect(claimRun?.run.id).toBe(submitRun.run.id);
    await gqlOk(ts, COMPLETE, { id: claimRun!.run.id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED', result: { ok: true } }, { token: operator });
    const rows = await rowsAfter(before);
    expect(rows.map((r) => [r.action, r.outcome, r.target_type, r.target_id, r.target_ids])).toEqual([
      ['operations.run.submit', 'success', 'operation_run', submitRun.run.id, null],
      ['operations.run.claim', 'success', 'operation_run', submitRun.run.id, null],
      ['operations.run.complete', 'success', 'operation_run', submitRun.run.id, null],
    ]);
    expect(rows.every((r) => r.actor_label?.startsWith('operator-'))).toBe(true);
    expect(rows[1].input).toMatchObject({ worker: 'worker-1', types: [type] });
    expect(JSON.stringify(rows[2].input)).not.toContain(claimRun!.leaseToken);
    expect(rows[2].input.leaseToken).toBe('[redacted]');
  });

  it('writes no row for a claim that finds nothing (an idle worker polling)', async () => {
    const before = await lastId();
    const { claimRun } = await claim();
    expect(claimRun).toBeNull();
    expect(await rowsAfter(before)).toEqual([]);
  });

  it('writes only a failure row for a completion with a stale lease token, and changes nothing', async () => {
    const { submitRun } = await submit({ n: 2 });
    const { claimRun } = await claim();
    const before = await lastId();
    const refused = await gql(ts, COMPLETE, { id: claimRun!.run.id, token: 'not-the-lease', outcome: 'SUCCEEDED' }, { token: operator });
    expect(refused.errors?.[0].extensions?.code).toBe('CONFLICT');
    const rows = await rowsAfter(before);
    expect(rows.map((r) => [r.action, r.outcome, r.error_code, r.target_id])).toEqual([['operations.run.complete', 'failure', 'CONFLICT', submitRun.run.id]]);
    const { rows: [run] } = await ts.server.app.sql.query<{ status: string }>('select status from operation_runs where id = $1', [submitRun.run.id]);
    expect(run.status).toBe('running');
    await gqlOk(ts, COMPLETE, { id: claimRun!.run.id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED' }, { token: operator });
  });

  it('writes one failure row for a completion refused before any statement (a failure without its error)', async () => {
    await submit({ n: 3 });
    const { claimRun } = await claim();
    const before = await lastId();
    const refused = await gql(ts, COMPLETE, { id: claimRun!.run.id, token: claimRun!.leaseToken, outcome: 'FAILED' }, { token: operator });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await rowsAfter(before)).map((r) => [r.action, r.outcome, r.error_code])).toEqual([['operations.run.complete', 'failure', 'BAD_USER_INPUT']]);
    await gqlOk(ts, COMPLETE, { id: claimRun!.run.id, token: claimRun!.leaseToken, outcome: 'FAILED', error: 'no' }, { token: operator });
  });

  it('keeps the idempotent submission in its transaction: one row for the first, none for the replay, which changes nothing', async () => {
    const before = await lastId();
    const first = await submit({ n: 4 }, 'key-4');
    const again = await submit({ n: 4 }, 'key-4');
    expect(again.submitRun).toMatchObject({ replay: true, run: { id: first.submitRun.run.id } });
    const rows = await rowsAfter(before);
    expect(rows.map((r) => [r.action, r.outcome, r.target_id])).toEqual([['operations.run.submit', 'success', first.submitRun.run.id]]);
    const { claimRun } = await claim();
    await gqlOk(ts, COMPLETE, { id: claimRun!.run.id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED' }, { token: operator });
  });

  it('writes one row for a heartbeat, and only a failure row for one with a stale token', async () => {
    const { submitRun } = await submit({ n: 5 });
    const { claimRun } = await claim();
    const before = await lastId();
    await gqlOk(ts, HEARTBEAT, { id: claimRun!.run.id, token: claimRun!.leaseToken }, { token: operator });
    const stale = await gql(ts, HEARTBEAT, { id: claimRun!.run.id, token: 'stale' }, { token: operator });
    expect(stale.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await rowsAfter(before)).map((r) => [r.action, r.outcome, r.target_id, r.input.leaseToken])).toEqual([
      ['operations.run.heartbeat', 'success', submitRun.run.id, '[redacted]'],
      ['operations.run.heartbeat', 'failure', submitRun.run.id, '[redacted]'],
    ]);
    await gqlOk(ts, COMPLETE, { id: claimRun!.run.id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED' }, { token: operator });
  });

  it('lists every changed run of a batch in the call’s order, and leaves refused ones out', async () => {
    const before = await lastId();
    const { submitRuns } = await gqlOk<{ submitRuns: { run: { id: string } }[] }>(
      ts,
      'mutation($runs: [SubmitRunInput!]!) { submitRuns(runs: $runs) { run { id } } }',
      { runs: [1, 2, 3].map((n) => ({ type, workspace: 'billing', input: { batch: n } })) },
      { token: operator },
    );
    const ids = submitRuns.map((s) => s.run.id);
    const { claimRuns } = await gqlOk<{ claimRuns: { leaseToken: string; run: { id: string } }[] }>(
      ts,
      'mutation($types: [String!]!) { claimRuns(worker: "worker-1", types: $types, limit: 5) { leaseToken run { id } } }',
      { types: [type] },
      { token: operator },
    );
    expect(claimRuns.map((c) => c.run.id)).toEqual(ids);
    // Heartbeats in reverse order, the first with a stale token.
    const { heartbeatRuns } = await gqlOk<{ heartbeatRuns: { refused: { code: string } | null }[] }>(
      ts,
      'mutation($l: [LeaseInput!]!) { heartbeatRuns(leases: $l) { refused { code } } }',
      { l: [...claimRuns].reverse().map((c, i) => ({ id: c.run.id, leaseToken: i === 0 ? 'stale' : c.leaseToken })) },
      { token: operator },
    );
    expect(heartbeatRuns.map((r) => r.refused?.code ?? null)).toEqual(['CONFLICT', null, null]);
    // Completed in reverse order, the middle one with a stale token.
    const completions = [...claimRuns].reverse().map((c, i) => ({ id: c.run.id, leaseToken: i === 1 ? 'stale' : c.leaseToken, outcome: 'SUCCEEDED' }));
    const { completeRuns } = await gqlOk<{ completeRuns: { id: string; refused: { code: string } | null }[] }>(
      ts,
      'mutation($c: [CompletionInput!]!) { completeRuns(completions: $c) { id refused { code } } }',
      { c: completions },
      { token: operator },
    );
    expect(completeRuns.map((r) => r.refused?.code ?? null)).toEqual([null, 'CONFLICT', null]);
    const rows = await rowsAfter(before);
    expect(rows.map((r) => [r.action, r.outcome, r.target_type, r.target_id, r.target_ids])).toEqual([
      ['operations.runs.submit', 'success', 'operation_run', null, ids],
      ['operations.runs.claim', 'success', 'operation_run', null, ids],
      ['operations.runs.heartbeat', 'success', 'operation_run', null, [ids[1], ids[0]]],
      ['operations.runs.complete', 'success', 'operation_run', null, [ids[2], ids[0]]],
    ]);
    // Every token refused: nothing changed, no row.
    const beforeRefused = await lastId();
    const { completeRuns: none } = await gqlOk<{ completeRuns: { refused: { code: string } | null }[] }>(
      ts,
      'mutation($c: [CompletionInput!]!) { completeRuns(completions: $c) { refused { code } } }',
      { c: [{ id: ids[1], leaseToken: 'stale', outcome: 'SUCCEEDED' }] },
      { token: operator },
    );
    expect(none[0].refused?.code).toBe('CONFLICT');
    expect(await rowsAfter(beforeRefused)).toEqual([]);
  });
});
