import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../examples/worker.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { makeReady, SUBMIT, token, type SubmitResult } from './support.ts';

describe('examples/worker.ts against a real server', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await makeReady(ts);
  });
  afterAll(() => ts?.close());

  it('runs submitted operations to success and failure', async () => {
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
});
