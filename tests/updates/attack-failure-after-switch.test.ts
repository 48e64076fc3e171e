/**
 * Once the new version listens (the switch), it serves: a failure after that point (this worker told
 * to stop, the lease lost) must not "roll back" under it — asking the primary to abandon a worker
 * that already took over (a no-op there, answered ok), reverting the migrations the new version runs
 * on, and removing the directory it runs from, while the run says the old version serves. The
 * updater here runs for real (git, the release's own CLI on a real database); only the supervisor is
 * a recorder, since the primary cannot run inside the test process.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import type { Replacement, Supervisor } from '../../server/supervisor/link.ts';
import { Updater } from '../../server/updates/updater.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/signals.ts';
import { createGitFixture, type GitFixture } from './git-fixture.ts';

let ts: TestServer;
let repos: GitFixture;
beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
  repos = await createGitFixture();
});
afterAll(async () => {
  await repos?.close();
  await ts?.close();
});

const MIGRATION = 'Migration29990101000000_attack_after_switch';

/** The new version's CLI: `migrate` applies one (recorded) migration, `migrate --down-to` reverts it; each call is logged. */
function releaseCli(log: string): string {
  return `import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const pg = createRequire(${JSON.stringify(path.join(projectRoot, 'package.json'))})('pg');
const args = process.argv.slice(2);
appendFileSync(${JSON.stringify(log)}, args.join(' ') + '\\n');
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
if (args.includes('--down-to')) await client.query('delete from lookout_migrations where name = $1', [${JSON.stringify(MIGRATION)}]);
else await client.query('insert into lookout_migrations (name) values ($1)', [${JSON.stringify(MIGRATION)}]);
await client.end();
console.log('migrate ' + args.join(' ') + ' done');
`;
}

it('does not revert the migrations nor remove the directory of a new version that already took over, and the old one still retires', async () => {
  const log = path.join(repos.dir, 'cli-calls.log');
  writeFileSync(log, '');
  // The running version's node_modules: a stand-in vite (the build step runs it from the release's linked copy).
  mkdirSync(path.join(repos.running, 'node_modules', 'vite', 'bin'), { recursive: true });
  writeFileSync(path.join(repos.running, 'node_modules', 'vite', 'bin', 'vite.js'), "console.log('built in 0.1s');\n");
  mkdirSync(path.join(repos.dir, 'author', 'bin'), { recursive: true });
  const commit = repos.push('A version with a migration', { 'bin/lookout.mjs': releaseCli(log) });

  const calls: string[] = [];
  let updater!: Updater;
  const supervisor: Supervisor = {
    available: true,
    root: repos.running,
    async startReplacement() {
      calls.push('start');
      const replacement: Replacement = {
        pid: 424242,
        async listen() {
          calls.push('listen');
          // The new version now takes the connections; then this worker is told to stop (SIGTERM).
          void updater.stop();
        },
        async abandon() {
          calls.push('abandon');
        },
      };
      return replacement;
    },
    async retire() {
      calls.push('retire');
    },
  };
  const app = ts.server.app;
  updater = new Updater({
    sql: app.sql,
    pubsub: app.pubsub,
    clock: app.clock,
    logger: app.logger,
    supervisor,
    root: repos.running,
    settings: { remote: 'origin', branch: 'main', releasesDir: path.join(repos.dir, 'releases'), readyTimeoutMs: 60_000, drainTimeoutMs: 60_000, stepTimeoutMs: 60_000 },
    databaseUrl: () => ts.databaseUrl,
  });

  const { run } = await updater.execute({ requestedBy: 'attacker@example.com', drain: false });
  // The run ends by itself: listen() above tells the updater to stop.
  await until(async () => (await updater.run(run.id))?.state !== 'running', `update run #${run.id} ends`, 60_000, 100);
  await updater.stop();
  const after = (await updater.run(run.id))!;
  const why = `run: ${JSON.stringify(after, null, 1)}\ncli calls: ${readFileSync(log, 'utf8')}\nsupervisor calls: ${calls.join(', ')}`;
  expect(after.releaseRoot, why).toBeTruthy();
  expect(calls, why).toContain('listen');
  // The new version runs from its directory, on its schema: both stay.
  expect(calls, why).not.toContain('abandon');
  expect(readFileSync(log, 'utf8'), why).not.toMatch(/--down-to/);
  const { rows } = await app.sql.query('select 1 from lookout_migrations where name = $1', [MIGRATION]);
  expect(rows, why).toHaveLength(1);
  expect(existsSync(after.releaseRoot!), why).toBe(true);
  // This worker still hands over (the primary records the new version as the current release).
  expect(calls, why).toContain('retire');
  expect(after.state, why).not.toBe('running');
  expect(after.error ?? '', why).not.toMatch(/the old version serves/);
  expect(commit).toMatch(/^[0-9a-f]{40}$/);
});
