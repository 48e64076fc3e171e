/**
 * `update_runs.steps` is read back as it was stored, and other versions of Lookout write it too
 * (the old and the new version share the database during and after an update). A run whose steps
 * are not the list this version expects — not a list, entries that are not steps, a state this
 * version does not know — must neither block every later update (a crashed run with such steps
 * could never be closed as abandoned, so its unique "running" slot stayed taken) nor break the
 * history (updateRuns failed as a whole on one unknown step state).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql } from '../support/graphql.ts';
import { createRun, finishRun, getRun } from '../../server/updates/store.ts';
import { newRun } from './support/runs.ts';

let ts: TestServer;
const input = newRun;

beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
});
afterAll(() => ts?.close());

/** A crashed run (its lease ran out a minute ago) whose steps are `steps` as stored JSON. */
async function crashedRunWithSteps(steps: string): Promise<number> {
  const { rows } = await ts.server.app.sql.query<{ id: string }>(
    `insert into update_runs (state, from_commit, from_version, remote, branch, requested_by, replica, lease_expires_at, started_at, steps)
     values ('running', $1, '0.1.0', 'origin', 'main', 'someone', 'gone:1', now() - interval '1 minute', now() - interval '2 minutes', $2::jsonb) returning id`,
    ['c'.repeat(40), steps],
  );
  return Number(rows[0].id);
}

describe('update runs with steps this version did not write', () => {
  for (const [what, steps] of [
    ['an object instead of a list', '{"fetch": "running"}'],
    ['a string', '"broken"'],
    ['a list with entries that are not steps', '[null, 3, "x", {"state": "running"}]'],
  ] as const) {
    it(`closes a crashed run whose steps are ${what} as abandoned, and the next update starts`, async () => {
      const crashed = await crashedRunWithSteps(steps);
      const next = await createRun(ts.server.app.sql, ts.server.app.pubsub, input());
      expect(await getRun(ts.server.app.sql, crashed)).toMatchObject({ state: 'abandoned', error: expect.stringMatching(/lease ran out/) });
      await finishRun(ts.server.app.sql, ts.server.app.pubsub, next.id, { state: 'succeeded' }, new Date());
    });
  }

  it('lists the history when one run has a step in a state this version does not know', async () => {
    const id = await crashedRunWithSteps(JSON.stringify([{ name: 'verify', label: 'Verify (a newer version’s step)', state: 'cancelled', startedAt: null, finishedAt: null, detail: null }]));
    await ts.server.app.sql.query(`update update_runs set state = 'failed', finished_at = now() where id = $1`, [id]);
    const result = await gql<{ updateRuns: { id: number; steps: { name: string; state: string }[] }[] }>(ts, '{ updateRuns(first: 50) { id steps { name state detail } } }', {}, { token: ts.adminToken });
    expect(result.errors).toBeUndefined();
    const run = result.data!.updateRuns.find((r) => r.id === id);
    expect(run?.steps).toHaveLength(1);
    expect(run?.steps[0].name).toBe('verify');
  });
});
