/**
 * Regression (found by an attack review): a submission with an idempotency key ran in a transaction
 * holding a pooled connection, and asked the pool for a second one inside it — to make a workspace
 * or tenant it had not seen, and to count an idempotency conflict. Sixteen at once (fresh tenants,
 * or the same key with other inputs) held every connection while each waited for another: every
 * request of the process answered SERVICE_UNAVAILABLE after 10 s, and a conflict was not told as one.
 * Now the workspaces and tenants are found before the transaction and a conflict is counted after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { makeReady, SUBMIT, token } from './support.ts';

const BURST = 24;

describe('keyed submissions sent together', () => {
  let ts: TestServer;
  let operator: string;
  const codes = (results: { errors?: { extensions?: { code?: unknown } }[] }[]) => results.map((r) => (r.errors?.[0]?.extensions?.code as string | undefined) ?? 'OK');

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
    operator = await token(ts, 'OPERATOR', ['acme', 'fresh']);
  });
  afterAll(() => ts?.close());

  it('to tenants never seen hold no second connection: all are taken, and other requests answer', async () => {
    const burst = Array.from({ length: BURST }, (_, i) => gql(ts, SUBMIT, { type: 'billing.invoice', workspace: 'fresh', tenant: `tenant-${i}`, input: { i }, key: `key-${i}` }, { token: operator }));
    const read = gql(ts, '{ operationRuns(first: 5) { runs { id } } }', {}, { token: ts.adminToken });
    const [answer, ...results] = await Promise.all([read, ...burst]);
    expect(answer.errors).toBeUndefined();
    expect(codes(results)).toEqual(Array(BURST).fill('OK'));
  }, 60_000);

  it('with one key and other inputs are each told CONFLICT, and every conflict is counted', async () => {
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { v: 'first' }, key: 'shared-key' }, { token: operator });
    const results = await Promise.all(Array.from({ length: BURST }, (_, i) => gql(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { v: i }, key: 'shared-key' }, { token: operator })));
    expect(codes(results)).toEqual(Array(BURST).fill('CONFLICT'));
    const { rows } = await ts.server.app.sql.query<{ n: number }>(`select count(*)::int as n from dispatch_events where kind = 'idempotency_conflict'`);
    expect(rows[0].n).toBe(BURST);
  }, 60_000);
});
