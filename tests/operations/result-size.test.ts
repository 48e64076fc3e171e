/**
 * Regression (found by an attack review): `completeRun` took a result of any size (3.5 MB each were
 * stored), while a run's input is bounded at 256 KiB; every read of the run carried it — a page of
 * 60 run ids cost 150 MB and a second, a completion seen by 100 subscribers 9 s of CPU. A result is
 * now bounded like an input, refused naming the field, and the run stays running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { CLAIM, COMPLETE, makeReady, SUBMIT, token, type ClaimResult } from './support.ts';

describe('a run completed with a large result', () => {
  let ts: TestServer;
  let operator: string;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
    operator = await token(ts, 'OPERATOR', ['acme']);
  });
  afterAll(() => ts?.close());

  const claimed = async () => {
    await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: {} }, { token: operator });
    return (await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-1', types: ['billing.invoice'], lease: 60 }, { token: operator })).claimRun!;
  };

  it('is refused over 256 KiB, naming the field, and the run stays running; one of 256 KiB completes it', async () => {
    const claim = await claimed();
    const big = { blob: 'r'.repeat(256 * 1024) };
    const refused = await gql(ts, COMPLETE, { id: claim.run.id, token: claim.leaseToken, outcome: 'SUCCEEDED', result: big }, { token: operator });
    expect(refused.errors?.[0]).toMatchObject({ message: 'result is larger than 256 KiB (257 KiB); store a large result elsewhere and give its address.', extensions: { code: 'BAD_USER_INPUT', field: 'result' } });
    const { rows } = await ts.server.app.sql.query('select status from operation_runs where id = $1', [claim.run.id]);
    expect(rows[0].status).toBe('running');
    const fits = { blob: 'r'.repeat(256 * 1024 - 20) };
    await gqlOk(ts, COMPLETE, { id: claim.run.id, token: claim.leaseToken, outcome: 'SUCCEEDED', result: fits }, { token: operator });
  });

  it('in a batch, refuses the whole call naming the entry', async () => {
    const claim = await claimed();
    const result = await gql(ts, 'mutation($c: [CompletionInput!]!) { completeRuns(completions: $c) { id refused { code } } }', { c: [{ id: claim.run.id, leaseToken: claim.leaseToken, outcome: 'SUCCEEDED', result: { blob: 'r'.repeat(300 * 1024) } }] }, { token: operator });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'completions[0].result' } });
  });
});
