import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../examples/worker.ts';
import { runBatchWorker } from '../../examples/batch-worker.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { makeReady, SUBMIT, token, type SubmitResult } from './support.ts';

describe('the example workers against a real server', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
  });
  afterAll(() => ts?.close());

  it('examples/worker.ts runs submitted operations to success and failure', async () => {
    const workerToken = await token(ts, 'OPERATOR');
    const ok = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'example.echo', workspace: 'acme', input: { hello: 'world' } }, { token: workerToken });
    const bad = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'example.fail', workspace: 'acme', input: {} }, { token: workerToken });
    const controller = new AbortController();
    const worker = runWorker({
      url: ts.url,
      token: workerToken,
      name: 'example-worker',
      signal: controller.signal,
      idleMs: 50,
      handlers: {
        'example.echo': async (input) => ({ echoed: input }),
        'example.fail': async () => {
          throw new Error('the example failed on purpose');
        },
      },
    });
    const status = async (id: string) =>
      (await gqlOk<{ operationRun: { outcome: string; result: unknown; error: string | null } }>(ts, 'query($id: ID!) { operationRun(id: $id) { outcome result error } }', { id }, { token: workerToken })).operationRun;
    const deadline = Date.now() + 10_000;
    while ((await status(ok.submitRun.run.id)).outcome === 'PENDING' || (await status(bad.submitRun.run.id)).outcome === 'PENDING') {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    await worker;
    expect(await status(ok.submitRun.run.id)).toMatchObject({ outcome: 'SUCCEEDED', result: { echoed: { hello: 'world' } } });
    expect(await status(bad.submitRun.run.id)).toMatchObject({ outcome: 'FAILED', error: 'the example failed on purpose' });
  });

  it('examples/batch-worker.ts runs a batch of operations with three calls per batch', async () => {
    const workerToken = await token(ts, 'OPERATOR');
    const { submitRuns } = await gqlOk<{ submitRuns: { run: { id: string } }[] }>(
      ts,
      'mutation($runs: [SubmitRunInput!]!) { submitRuns(runs: $runs) { run { id } } }',
      { runs: [...Array.from({ length: 30 }, (_, i) => ({ type: 'example.square', workspace: 'acme', input: { n: i } })), { type: 'example.square', workspace: 'acme', input: { n: 'x' } }] },
      { token: workerToken },
    );
    const ids = submitRuns.map((s) => s.run.id);
    const controller = new AbortController();
    const worker = runBatchWorker({
      url: ts.url,
      token: workerToken,
      name: 'example-batch-worker',
      capacity: 20,
      signal: controller.signal,
      idleMs: 50,
      handlers: {
        'example.square': async (input) => {
          const n = (input as { n: unknown }).n;
          if (typeof n !== 'number') throw new Error(`not a number: ${JSON.stringify(n)}`);
          return { square: n * n };
        },
      },
    });
    const pending = async () => Number((await ts.server.app.sql.query("select count(*) as n from operation_runs where id = any($1::bigint[]) and outcome = 'pending'", [ids])).rows[0].n);
    const deadline = Date.now() + 10_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await worker;
    const { rows } = await ts.server.app.sql.query('select id, outcome, result, error from operation_runs where id = any($1::bigint[]) order by id', [ids]);
    expect(rows.slice(0, 30).map((r) => r.result)).toEqual(Array.from({ length: 30 }, (_, i) => ({ square: i * i })));
    expect(rows[30]).toMatchObject({ outcome: 'failed', error: 'not a number: "x"' });
    const calls = await ts.server.app.sql.query("select action, count(*)::int as n from audit_log where actor_label like 'operator-%' and action like 'operations.runs.%' group by action");
    const byAction = Object.fromEntries(calls.rows.map((r) => [r.action, r.n]));
    expect(byAction['operations.runs.complete']).toBe(2); // 31 runs, 20 per batch
  });
});

describe('npm run worker, as the README says', () => {
  it('runs the example worker with the project’s Node 22 (regression: `node examples/worker.ts` failed on the system Node 20), and says how to get a token when none is set', async () => {
    const { spawnSync } = await import('node:child_process');
    const { projectRoot } = await import('../../server/config.ts');
    const env = { ...process.env };
    delete env.LOOKOUT_TOKEN;
    const run = spawnSync('npm', ['run', '--silent', 'worker'], { cwd: projectRoot, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Set LOOKOUT_TOKEN to an operator API token');
  }, 90_000);
});
