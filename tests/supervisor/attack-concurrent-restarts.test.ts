/**
 * Two restartLookout calls at once (a double click, two admins): each asked the primary for a
 * replacement, both replacements listened, the second became "the" worker and the first was left
 * running beside it for good — serving, running the checks and jobs a second time, never restarted
 * nor replaced again. One replacement at a time: the second call is refused, and one worker remains.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { alive } from '../runtimes/support/fixtures.ts';
import { parentPid, startPrimary, type Primary } from './support/primary.ts';

const RESTART = 'mutation { restartLookout(confirm: true) { ok pid } }';

let primary: Primary;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
  primary = await startPrimary({ DATABASE_URL: database.url });
}, 60_000);
afterAll(async () => {
  await primary?.stop();
  await database?.drop();
});

/** The primary's live child processes (its workers: it runs no database here). */
function workers(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => parentPid(pid) === primary.child.pid && alive(pid));
}

it('refuses a second restart while the first is under way, and leaves one worker serving', async () => {
  const admin = { token: primary.adminToken };
  const before = (await gqlOk<{ systemStatus: { lookout: { pid: number } } }>(primary, '{ systemStatus { lookout { pid } } }', {}, admin)).systemStatus.lookout.pid;
  const results = await Promise.all([gql<{ restartLookout: { pid: number } }>(primary, RESTART, {}, admin), gql<{ restartLookout: { pid: number } }>(primary, RESTART, {}, admin)]);
  await until(() => !alive(before), `the old worker (pid ${before}) exited`, 60_000);
  const succeeded = results.filter((r) => r.data?.restartLookout);
  const why = `results: ${JSON.stringify(results.map((r) => r.data ?? r.errors))}; workers: ${workers().join(', ')}${primary.tail(3000)}`;
  expect(succeeded, why).toHaveLength(1);
  expect(results.find((r) => r.errors)?.errors?.[0], why).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/already/) });
  // Every replacement other than the one that took over is gone.
  await until(() => workers().length === 1, `one worker is left (there are ${workers().join(', ')})`, 60_000).catch(() => {});
  expect(workers(), why).toEqual([succeeded[0].data!.restartLookout.pid]);
}, 180_000);
