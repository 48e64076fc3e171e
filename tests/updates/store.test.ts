/**
 * The update runs' records on a real database: one running run at a time (the second is refused
 * naming the first), a crashed updater's run (lease expired) closed as abandoned by the next, a lost
 * lease not renewed, output lines numbered in order and capped, steps not reached marked skipped
 * when a run fails, and a drain holding new operation runs back only while its lease is valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { projectRoot } from '../../server/config.ts';
import { gqlOk } from '../support/graphql.ts';
import { makeReady, token, SUBMIT, CLAIM } from '../operations/support.ts';
import { abandonExpired, appendLines, createRun, finishRun, getRun, MAX_LINES_PER_RUN, renewLease, runLines, updateStep } from '../../server/updates/store.ts';
import { newRun } from './support/runs.ts';

let ts: TestServer;
const input = newRun;

beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
});
afterAll(() => ts?.close());

describe('update runs', () => {
  it('lets one run at a time, refusing the second with the first named; a finished run frees the way', async () => {
    const { sql, pubsub } = ts.server.app;
    const first = await createRun(sql, pubsub, input());
    await expect(createRun(sql, pubsub, input())).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`#${first.id}, to 0.2.0, started by admin@example.com`) });
    const failed = await finishRun(sql, pubsub, first.id, { state: 'failed', failedStep: 'install', error: 'npm ci exited with code 1' }, new Date());
    expect(failed.steps.filter((s) => s.state === 'skipped').map((s) => s.name)).toEqual(['drain', 'fetch', 'prepare', 'install', 'build', 'migrate', 'start', 'ready', 'switch', 'stop-old']);
    const second = await createRun(sql, pubsub, input());
    await finishRun(sql, pubsub, second.id, { state: 'succeeded' }, new Date());
  });

  it('closes a run whose lease ran out as abandoned (its updater crashed), on the step it was at, and lets the next start', async () => {
    const { sql, pubsub } = ts.server.app;
    const crashed = await createRun(sql, pubsub, input({ now: new Date(Date.now() - 120_000) }));
    await updateStep(sql, pubsub, crashed.id, 'build', { state: 'running', startedAt: new Date().toISOString() });
    // Its lease (30 s from two minutes ago) has run out: the next update is not held back.
    const next = await createRun(sql, pubsub, input());
    const closed = (await getRun(sql, crashed.id))!;
    expect(closed).toMatchObject({ state: 'abandoned', failedStep: 'build', error: expect.stringMatching(/lease ran out/) });
    expect(closed.steps.find((s) => s.name === 'build')).toMatchObject({ state: 'failed' });
    // The crashed updater, were it to wake, cannot renew or finish it.
    expect(await renewLease(sql, crashed.id, new Date(Date.now() + 30_000))).toBe(false);
    await expect(finishRun(sql, pubsub, crashed.id, { state: 'succeeded' }, new Date())).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await abandonExpired(sql, pubsub, new Date())).toEqual([]);
    expect(await renewLease(sql, next.id, new Date(Date.now() + 30_000))).toBe(true);
    await finishRun(sql, pubsub, next.id, { state: 'succeeded' }, new Date());
  });

  it('numbers output lines in order, cuts long ones, and keeps at most MAX_LINES_PER_RUN, saying so once', async () => {
    const { sql, pubsub } = ts.server.app;
    const run = await createRun(sql, pubsub, input());
    const at = new Date();
    await appendLines(sql, pubsub, run.id, 'running', [{ step: 'install', at, line: 'added 514 packages' }, { step: 'install', at, line: 'x'.repeat(5000) }]);
    const first = await runLines(sql, run.id, 0, 10);
    expect(first.map((l) => l.seq)).toEqual([1, 2]);
    expect(first[1].line.length).toBe(2000);
    await appendLines(sql, pubsub, run.id, 'running', Array.from({ length: MAX_LINES_PER_RUN + 10 }, (_, i) => ({ step: 'build', at, line: `line ${i}` })));
    await appendLines(sql, pubsub, run.id, 'running', [{ step: 'build', at, line: 'one more' }]);
    const all = await runLines(sql, run.id, 0, MAX_LINES_PER_RUN + 100);
    expect(all).toHaveLength(MAX_LINES_PER_RUN + 1);
    expect(all.at(-1)!.line).toMatch(/later output not kept/);
    await finishRun(sql, pubsub, run.id, { state: 'succeeded' }, new Date());
  });

  it('holds new operation runs back while a draining update’s lease is valid, and not after it ran out', async () => {
    const { sql, pubsub } = ts.server.app;
    await makeReady(ts, 'drain-worker', ['drain.job']);
    const op = { token: await token(ts, 'OPERATOR') };
    await gqlOk(ts, SUBMIT, { type: 'drain.job', workspace: 'acme', input: {} }, op);
    const claim = async () => (await gqlOk<{ claimRun: { run: { id: string } } | null }>(ts, CLAIM, { worker: 'drain-worker', types: ['drain.job'], lease: 60 }, op)).claimRun;
    const draining = await createRun(sql, pubsub, input({ drain: true }));
    expect(await claim()).toBeNull();
    // Its updater is gone: the lease runs out, and the hold with it.
    await sql.query(`update update_runs set lease_expires_at = now() - interval '1 second' where id = $1`, [draining.id]);
    expect(await claim()).not.toBeNull();
    await abandonExpired(sql, pubsub, new Date());
  });
});

describe('an update whose updater died after it migrated', () => {
  it('is closed and undone by the next: its migrations reverted with its release’s own code; one that had switched is left as it is', async () => {
    const { sql } = ts.server.app;
    const applied = async () => (await sql.query<{ name: string }>('select name from lookout_migrations order by id')).rows.map((r) => r.name);
    const before = await applied();
    const steps = (switched: boolean) =>
      JSON.stringify(['fetch', 'prepare', 'install', 'build', 'migrate', 'start', 'ready', 'switch'].map((name) => ({ name, label: name, state: name === 'switch' ? (switched ? 'succeeded' : 'pending') : name === 'start' && !switched ? 'running' : 'succeeded', startedAt: null, finishedAt: null, detail: null })));
    const insert = async (switched: boolean) =>
      Number((await sql.query<{ id: string }>(
        `insert into update_runs (state, from_commit, from_version, remote, branch, requested_by, replica, lease_expires_at, started_at, steps, release_root, migrations_before, applied_migrations)
         values ('running', 'a', '0.1.0', 'origin', 'main', 'someone', 'gone:2', now() - interval '1 minute', now() - interval '5 minutes', $1, $2, $3, $4) returning id`,
        [steps(switched), projectRoot, before.at(-2), [before.at(-1)]],
      )).rows[0].id);
    // Killed mid-start: the last migration was its own (the release here is this checkout).
    const crashed = await insert(false);
    const closed = await ts.server.app.updater.recoverAbandoned();
    expect(closed.map((r) => r.id)).toEqual([crashed]);
    expect(await applied()).toEqual(before.slice(0, -1));
    expect((await getRun(sql, crashed))!).toMatchObject({ state: 'abandoned', failedStep: 'start', error: expect.stringContaining(`recovered: its migrations (${before.at(-1)}) were reverted`) });
    await ts.server.db.orm.migrator.up();
    expect(await applied()).toEqual(before);
    // Killed after the switch: the new version serves on its schema, which stays.
    const switched = await insert(true);
    await ts.server.app.updater.recoverAbandoned();
    expect(await applied()).toEqual(before);
    expect((await getRun(sql, switched))!.error).not.toMatch(/recovered/);
  }, 120_000);
});
