/**
 * Updating a real Lookout from git, end to end: a copy of this project is committed to a repository
 * made by the test, cloned from a bare "remote", and started as `lookout serve` (its supervisor and
 * a worker) on a fresh database. Newer commits are pushed to the remote, one at a time:
 *   - a crashed updater's run (its lease expired) holds nothing: the next update closes it as abandoned;
 *   - a migration that fails: the update stops at migrate, the old version serves, the schema is unchanged;
 *   - a version that never becomes ready, updated with a drain: new operation runs are held back while
 *     the running one finishes, then the new version is abandoned at its ready timeout, its applied
 *     migration reverted, the old version serving, and runs handed out again;
 *   - a good version, updated while a poller asks for /health, /graphql and / every 50 ms, with a
 *     second executeUpdate at the same moment: one runs, the other is refused; the new commit then
 *     serves with 0 failed requests, and the run is readable from the new version.
 * Refusals: local changes, active runs without a drain, nothing newer, no confirm, a non-admin.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import { createTestDatabase } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { freePort } from '../runtimes/support/fixtures.ts';
import { makeReady, token, SUBMIT, CLAIM, COMPLETE } from '../operations/support.ts';
import { launchBrowser, SCREENSHOTS, signInPage } from '../support/browser.ts';
import { startPoller } from '../support/poller.ts';

const run = promisify(execFile);
const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=Lookout Test', '-c', 'user.email=test@example.com', ...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
/** The longest any one wait may take (an update builds the dashboard: tens of seconds on a loaded machine). */
const WAIT = 240_000;

const RUN_FIELDS = 'id state fromVersion toVersion toCommit failedStep error appliedMigrations steps { name state detail }';
interface RunView {
  id: number;
  state: string;
  fromVersion: string;
  toVersion: string | null;
  toCommit: string | null;
  failedStep: string | null;
  error: string | null;
  appliedMigrations: string[];
  steps: { name: string; state: string; detail: string | null }[];
}

let dir: string;
let seed: string;
let app: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: pg.Pool;
let primary: ChildProcess;
let output = '';
const adminToken = `lko_test_${randomBytes(16).toString('hex')}`;
let ts: { url: string; wsUrl: string; adminToken: string };
const admin = () => ({ token: adminToken });

async function lookout() {
  return (await gqlOk<{ systemStatus: { lookout: { version: string; commit: string | null; pid: number } } }>(ts, '{ systemStatus { lookout { version commit pid } } }', {}, admin())).systemStatus.lookout;
}
const execute = (drain = false, confirm = true, auth = admin()) => gql<{ executeUpdate: { success: boolean; message: string; newVersion: string | null; run: RunView } }>(ts, `mutation($d: Boolean, $c: Boolean!) { executeUpdate(confirm: $c, drain: $d) { success message newVersion run { ${RUN_FIELDS} } } }`, { d: drain, c: confirm }, auth);
const runById = async (id: number) => (await gqlOk<{ updateRun: RunView }>(ts, `query($id: Int!) { updateRun(id: $id) { ${RUN_FIELDS} } }`, { id }, admin())).updateRun;
async function finished(id: number): Promise<RunView> {
  let last: RunView | null = null;
  await until(async () => {
    last = await runById(id).catch(() => null);
    return last !== null && last.state !== 'RUNNING';
  }, `update #${id} ends`, WAIT, 250);
  return last!;
}
const tableExists = async (name: string) => (await sql.query(`select to_regclass($1) as t`, [name])).rows[0].t !== null;
const appliedMigrations = async () => (await sql.query<{ name: string }>('select name from lookout_migrations order by id')).rows.map((r) => r.name);

/** Commits a change to the seed repository and pushes it to the remote; returns the commit. */
async function publish(subject: string, change: (root: string) => Promise<void>): Promise<string> {
  await change(seed);
  await git(seed, 'add', '-A');
  await git(seed, 'commit', '-q', '-m', subject);
  await git(seed, 'push', '-q', 'origin', 'main');
  return (await git(seed, 'rev-parse', 'HEAD')).stdout.trim();
}

/** A migration in the seed, registered in migrations/index.ts. */
async function addMigration(root: string, name: string, up: string, down: string) {
  await fs.writeFile(
    path.join(root, 'migrations', `${name}.ts`),
    `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${name} extends Migration {\n  override name = '${name}';\n  override up(): void { ${up} }\n  override down(): void { ${down} }\n}\n`,
  );
  const index = path.join(root, 'migrations', 'index.ts');
  let text = await fs.readFile(index, 'utf8');
  text = text.replace(`export const migrationsList`, `import { ${name} } from './${name}.ts';\n\nexport const migrationsList`);
  text = text.replace(/\n\];\s*$/, `\n  { name: '${name}', class: ${name} },\n];\n`);
  await fs.writeFile(index, text);
}

async function setVersion(root: string, version: string) {
  const file = path.join(root, 'package.json');
  const pkg = JSON.parse(await fs.readFile(file, 'utf8'));
  pkg.version = version;
  await fs.writeFile(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'client', 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
  }
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-update-e2e-'));
  // The project as it is (tracked and new files, not ignored ones), committed as version 0.1.0.
  seed = path.join(dir, 'seed');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(projectRoot, file))) continue; // deleted in the working tree
    await fs.mkdir(path.dirname(path.join(seed, file)), { recursive: true });
    await fs.copyFile(path.join(projectRoot, file), path.join(seed, file));
  }
  await setVersion(seed, '0.1.0');
  await git(seed, 'init', '-q', '-b', 'main');
  await git(seed, 'add', '-A');
  await git(seed, 'commit', '-q', '-m', 'Lookout 0.1.0');
  const remote = path.join(dir, 'remote.git');
  await git(dir, 'clone', '-q', '--bare', seed, remote);
  await git(seed, 'remote', 'add', 'origin', remote);
  // The running checkout: a clone, with this project's node_modules (hard links) and built dashboard.
  app = path.join(dir, 'app');
  await git(dir, 'clone', '-q', remote, app);
  await run('cp', ['-al', path.join(projectRoot, 'node_modules'), path.join(app, 'node_modules')]);
  await fs.cp(path.join(projectRoot, 'dist'), path.join(app, 'dist'), { recursive: true });

  database = await createTestDatabase();
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const port = await freePort();
  ts = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql`, adminToken };
  const dataDir = path.join(dir, 'data');
  await fs.mkdir(dataDir);
  primary = spawn(process.execPath, [path.join(app, 'bin', 'lookout.mjs'), 'serve'], {
    cwd: app,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOOKOUT_DATA_DIR: dataDir,
      LOOKOUT_BOOTSTRAP_TOKEN: adminToken,
      LOOKOUT_UPDATE_READY_TIMEOUT: '20s',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  primary.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  primary.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  await until(async () => (await fetch(`${ts.url}/health`).then((r) => r.status, () => 0)) > 0, `Lookout answers (output: ${output.slice(-2000)})`, WAIT, 200);
  await until(async () => (await gql(ts, '{ me { name } }', {}, admin())).data != null, 'the bootstrap token works', WAIT, 200);
}, WAIT);

afterAll(async () => {
  if (primary && primary.exitCode === null) {
    const exited = new Promise((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    if (primary.exitCode === null) primary.kill('SIGKILL');
  }
  await sql?.end();
  await database?.drop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
}, 60_000);

describe('updating Lookout from git', () => {
  it('finds nothing newer at first, and refuses to update then', async () => {
    const { updateCheck } = await gqlOk<{ updateCheck: { currentVersion: string; updateAvailable: boolean; changelog: string[]; canUpdate: boolean } }>(ts, '{ updateCheck { currentVersion updateAvailable changelog canUpdate } }', {}, admin());
    expect(updateCheck).toEqual({ currentVersion: '0.1.0', updateAvailable: false, changelog: [], canUpdate: true });
    const refused = await execute();
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/up to date/) });
    // The seed's REST paths answer the same, from the same schema.
    const check = await fetch(`${ts.url}/api/system/update/check`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(check.status).toBe(200);
    expect(await check.json()).toMatchObject({ currentVersion: '0.1.0', updateAvailable: false, changelog: [] });
    const executed = await fetch(`${ts.url}/api/system/update/execute`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ confirm: true }) });
    expect(executed.status).toBe(409);
    expect(((await executed.json()) as { errors: { message: string }[] }).errors[0].message).toMatch(/up to date/);
  });

  it('refuses without confirm, and to an operator', async () => {
    expect((await execute(false, false)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'confirm' });
    const operator = await token({ ...ts, adminToken } as never, 'OPERATOR');
    expect((await execute(false, true, { token: operator })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(ts, '{ updateCheck { updateAvailable } }', {}, { token: operator })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('says so when the checkout has local changes', async () => {
    const readme = path.join(app, 'README.md');
    const before = await fs.readFile(readme, 'utf8');
    await fs.appendFile(readme, '\nedited by hand\n');
    try {
      const { errors } = await gql(ts, '{ updateCheck { updateAvailable } }', {}, admin());
      expect(errors?.[0]?.message).toMatch(/local changes/i);
      expect(errors?.[0]?.message).toContain('README.md');
    } finally {
      await fs.writeFile(readme, before);
    }
  });

  it('lists the new version and its changelog; stops a failing migration at migrate, with the old version serving and the schema unchanged', async () => {
    // A crashed updater's run: running, its lease long expired. It must not hold the next update back.
    await sql.query(
      `insert into update_runs (state, from_commit, from_version, remote, branch, requested_by, replica, lease_expires_at, started_at, steps)
       values ('running', 'x', '0.1.0', 'origin', 'main', 'someone', 'gone:1', now() - interval '1 hour', now() - interval '2 hours', $1)`,
      [JSON.stringify([{ name: 'build', label: 'Build', state: 'running', startedAt: null, finishedAt: null, detail: null }])],
    );
    const migrationsBefore = await appliedMigrations();
    const commit = await publish('Add a migration that fails', async (root) => {
      await addMigration(root, 'Migration20991231000001_broken', `this.addSql('create table "update_probe_broken" (id int);'); this.addSql('select 1/0;');`, `this.addSql('drop table if exists "update_probe_broken";');`);
    });
    const { updateCheck } = await gqlOk<{ updateCheck: { updateAvailable: boolean; latestCommit: string; changelog: string[] } }>(ts, '{ updateCheck { updateAvailable latestCommit changelog } }', {}, admin());
    expect(updateCheck).toEqual({ updateAvailable: true, latestCommit: commit, changelog: ['Add a migration that fails'] });
    const pid = (await lookout()).pid;

    const started = await execute();
    expect(started.errors).toBeUndefined();
    expect(started.data!.executeUpdate.success).toBe(true);
    expect(started.data!.executeUpdate.run.steps.map((s) => s.name)).toEqual(['drain', 'fetch', 'prepare', 'install', 'build', 'migrate', 'start', 'ready', 'switch', 'stop-old']);
    const { rows: abandoned } = await sql.query(`select state, error from update_runs where replica = 'gone:1'`);
    expect(abandoned[0]).toMatchObject({ state: 'abandoned', error: expect.stringMatching(/lease ran out/) });

    const done = await finished(started.data!.executeUpdate.run.id);
    expect(done).toMatchObject({ state: 'FAILED', failedStep: 'migrate', appliedMigrations: [] });
    expect(done.error).toMatch(/division by zero|exited with code/);
    expect(done.steps.find((s) => s.name === 'start')!.state).toBe('SKIPPED');
    expect(await tableExists('update_probe_broken')).toBe(false);
    expect(await appliedMigrations()).toEqual(migrationsBefore);
    expect(await lookout()).toMatchObject({ version: '0.1.0', pid });
    const { lines } = (await gqlOk<{ updateRun: { lines: { step: string; line: string }[] } }>(ts, `query($id: Int!) { updateRun(id: $id) { lines { step line } } }`, { id: done.id }, admin())).updateRun;
    expect(lines.some((l) => l.step === 'migrate')).toBe(true);
    expect(lines.at(-1)!.line).toMatch(/rollback done/);
  }, WAIT);

  it('drains operation runs when asked, abandons a version that never becomes ready, reverts its migration, and hands out runs again', async () => {
    await makeReady(ts as never, 'update-worker', ['update.job']);
    const operator = await token(ts as never, 'OPERATOR');
    const op = { token: operator };
    await gqlOk(ts, SUBMIT, { type: 'update.job', workspace: 'acme', input: { n: 1 } }, op);
    const claimed = (await gqlOk<{ claimRun: { leaseToken: string; run: { id: string } } }>(ts, CLAIM, { worker: 'update-worker', types: ['update.job'], lease: 600 }, op)).claimRun;
    await gqlOk(ts, SUBMIT, { type: 'update.job', workspace: 'acme', input: { n: 2 } }, op);

    await publish('A version that hangs at start', async (root) => {
      // Revert the broken migration, add a good one, and make the server wait forever before it is ready.
      await fs.rm(path.join(root, 'migrations', 'Migration20991231000001_broken.ts'));
      const index = path.join(root, 'migrations', 'index.ts');
      await fs.writeFile(index, (await fs.readFile(index, 'utf8')).replace(/import \{ Migration20991231000001_broken \}.*\n/, '').replace(/\s*\{ name: 'Migration20991231000001_broken'.*\},?/, ''));
      await addMigration(root, 'Migration20991231000002_probe', `this.addSql('create table "update_probe" (id int);');`, `this.addSql('drop table if exists "update_probe";');`);
      const main = path.join(root, 'server', 'main.ts');
      await fs.writeFile(main, (await fs.readFile(main, 'utf8')).replace('export async function startServer(config: Config, options: StartOptions = {}): Promise<LookoutServer> {', 'export async function startServer(config: Config, options: StartOptions = {}): Promise<LookoutServer> {\n  if (process.argv.includes(\'--worker\')) await new Promise(() => {});'));
    });
    const before = await appliedMigrations();
    const pid = (await lookout()).pid;

    // Without a drain: refused, naming the active runs.
    const refused = await execute(false);
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining(`#${claimed.run.id} update.job (running on update-worker)`) });

    const started = await execute(true);
    expect(started.errors).toBeUndefined();
    const id = started.data!.executeUpdate.run.id;
    await until(async () => (await runById(id)).steps.find((s) => s.name === 'drain')!.state === 'RUNNING', 'the drain waits', WAIT, 200);
    // While it drains, the queued run is not handed out.
    expect((await gqlOk<{ claimRun: unknown }>(ts, CLAIM, { worker: 'update-worker', types: ['update.job'], lease: 60 }, op)).claimRun).toBeNull();
    // A restart of Lookout would cut the update short: refused while it runs.
    const restart = await gql(ts, 'mutation { restartLookout(confirm: true) { ok } }', {}, admin());
    expect(restart.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/update is under way/) });
    await gqlOk(ts, COMPLETE, { id: claimed.run.id, token: claimed.leaseToken, outcome: 'SUCCEEDED' }, op);

    const done = await finished(id);
    expect(done).toMatchObject({ state: 'FAILED', failedStep: 'start' });
    expect(done.error).toMatch(/ready|20 ?s/i);
    expect(done.steps.find((s) => s.name === 'drain')!.state).toBe('SUCCEEDED');
    expect(done.steps.find((s) => s.name === 'migrate')!.detail).toContain('Migration20991231000002_probe');
    expect(await tableExists('update_probe')).toBe(false);
    expect(await appliedMigrations()).toEqual(before);
    expect(await lookout()).toMatchObject({ version: '0.1.0', pid });
    // The drain ended with the update: the queued run is handed out again.
    const next = (await gqlOk<{ claimRun: { leaseToken: string; run: { id: string } } | null }>(ts, CLAIM, { worker: 'update-worker', types: ['update.job'], lease: 60 }, op)).claimRun;
    expect(next).not.toBeNull();
    await gqlOk(ts, COMPLETE, { id: next!.run.id, token: next!.leaseToken, outcome: 'SUCCEEDED' }, op);
  }, WAIT);

  it('does not switch when the current release cannot be recorded: the new version is stopped and the old one serves alone (regression: both served round-robin for good, and the old one could not retire)', async () => {
    await publish('Lookout 0.1.1: its release cannot be recorded', async (root) => {
      // Starts again (the version before hung at start).
      const main = path.join(root, 'server', 'main.ts');
      await fs.writeFile(main, (await fs.readFile(main, 'utf8')).replace("\n  if (process.argv.includes('--worker')) await new Promise(() => {});", ''));
      await setVersion(root, '0.1.1');
    });
    // A directory where the file goes: the primary cannot write it, root or not.
    const blocker = path.join(dir, 'data', 'current-release');
    await fs.mkdir(path.join(blocker, 'occupied'), { recursive: true });
    try {
      const pid = (await lookout()).pid;
      const started = await execute();
      expect(started.errors).toBeUndefined();
      const done = await finished(started.data!.executeUpdate.run.id);
      expect(done.state, JSON.stringify(done)).toBe('FAILED');
      const failedStep = done.steps.find((step) => step.state === 'FAILED')!;
      expect(failedStep.name, JSON.stringify(done)).toBe('switch');
      expect(failedStep.detail).toContain('Could not record the current release');
      // Only the old version answers, every time.
      for (let i = 0; i < 10; i++) expect(await lookout()).toMatchObject({ version: '0.1.0', pid });
    } finally {
      await fs.rm(blocker, { recursive: true, force: true });
    }
  }, WAIT);

  it('refuses to deploy a branch that moved between the check and the fetch, deploying nothing (regression: whatever the second fetch brought was deployed, unchecked)', async () => {
    const operator = await token(ts as never, 'OPERATOR');
    const op = { token: operator };
    await gqlOk(ts, SUBMIT, { type: 'update.job', workspace: 'acme', input: { n: 'moved' } }, op);
    const claimed = (await gqlOk<{ claimRun: { leaseToken: string; run: { id: string } } }>(ts, CLAIM, { worker: 'update-worker', types: ['update.job'], lease: 600 }, op)).claimRun;
    const checked = await publish('Lookout 0.1.2: the one checked', (root) => setVersion(root, '0.1.2'));
    const pid = (await lookout()).pid;
    // The drain holds the update between its check and its fetch while the run is running.
    const started = await execute(true);
    expect(started.errors).toBeUndefined();
    const id = started.data!.executeUpdate.run.id;
    expect(started.data!.executeUpdate.run.toCommit).toBe(checked);
    await until(async () => (await runById(id)).steps.find((s) => s.name === 'drain')!.state === 'RUNNING', 'the drain waits', WAIT, 200);
    const moved = await publish('Lookout 0.1.3: pushed after the check', (root) => setVersion(root, '0.1.3'));
    await gqlOk(ts, COMPLETE, { id: claimed.run.id, token: claimed.leaseToken, outcome: 'SUCCEEDED' }, op);
    const done = await finished(id);
    expect(done.state, JSON.stringify(done)).toBe('FAILED');
    expect(done.failedStep).toBe('fetch');
    expect(done.error).toContain(`moved from ${checked.slice(0, 12)}, the commit checked, to ${moved.slice(0, 12)}`);
    expect(await lookout()).toMatchObject({ version: '0.1.0', pid });
  }, WAIT);

  it('updates to a good version with zero failed requests, one update at a time, and the new commit serves', async () => {
    const commit = await publish('Lookout 0.2.0', async (root) => {
      const main = path.join(root, 'server', 'main.ts');
      await fs.writeFile(main, (await fs.readFile(main, 'utf8')).replace("\n  if (process.argv.includes('--worker')) await new Promise(() => {});", ''));
      await setVersion(root, '0.2.0');
    });
    const pid = (await lookout()).pid;
    const poller = startPoller(ts.url, { everyMs: 50, health: true });
    try {
      const [a, b] = await Promise.all([execute(), execute()]);
      const ok = [a, b].filter((r) => !r.errors);
      const refused = [a, b].filter((r) => r.errors);
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0].errors![0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/already running/) });
      const id = ok[0].data!.executeUpdate.run.id;
      const done = await finished(id);
      expect(done, JSON.stringify(done)).toMatchObject({ state: 'SUCCEEDED', toVersion: '0.2.0', toCommit: commit });
      expect(done.steps.every((s) => s.state === 'SUCCEEDED' || (s.name === 'drain' && s.state === 'SKIPPED'))).toBe(true);
      // Until the old worker has finished its handover it still answers on the connections it had (with
      // Connection: close); then every answer comes from the new version.
      await until(async () => {
        const answer = await lookout();
        return answer.pid !== pid && answer.version === '0.2.0';
      }, 'the new version answers', WAIT, 100);
      await until(async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'the old version has exited', WAIT, 100);
      expect(await lookout()).toMatchObject({ version: '0.2.0' });
      // A few more requests after the switch, then the count.
      const after = poller.requests() + 40;
      await until(() => poller.requests() >= after, 'the poller goes on', WAIT, 50);
    } finally {
      await poller.stop();
    }
    expect(poller.failures).toEqual([]);
    expect(poller.requests()).toBeGreaterThan(100);
    const { updateCheck } = await gqlOk<{ updateCheck: { currentVersion: string; currentCommit: string; updateAvailable: boolean } }>(ts, '{ updateCheck { currentVersion currentCommit updateAvailable } }', {}, admin());
    expect(updateCheck).toEqual({ currentVersion: '0.2.0', currentCommit: commit, updateAvailable: false });
  }, WAIT);

  it('updates from the dashboard: check, changelog, a confirmation listing the steps, each step live, the outcome and the history', async () => {
    await publish('Lookout 0.3.0: from the dashboard', (root) => setVersion(root, '0.3.0'));
    const person = { email: 'updates.admin@example.com', password: 'a long admin passphrase' };
    await gqlOk(ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { ...person, role: 'ADMIN' } }, admin());
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
      page.setDefaultTimeout(process.env.UPDATE_E2E_DEBUG ? 60_000 : WAIT);
      await signInPage(page, ts.url, person.email, person.password);
      await page.goto(`${ts.url}/system/updates`);
      // Past updates are listed (two failed, one succeeded).
      await page.getByTestId('update-history-row').nth(2).waitFor();
      await page.getByTestId('update-check').click();
      await page.locator('[data-testid="update-available"][data-available="true"]').waitFor();
      expect(await page.getByTestId('update-changelog').textContent()).toContain('Lookout 0.3.0: from the dashboard');
      await page.getByTestId('update-execute').click();
      const dialog = page.getByTestId('update-dialog');
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('Apply database migrations');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('update-cancel');
      await page.getByTestId('update-confirm').click();
      // Live: a step seen running, then the run's outcome once the new version serves the page's socket.
      await page.locator('[data-testid="update-step"][data-state="RUNNING"]').first().waitFor();
      await page.locator('[data-testid="update-run"][data-state="SUCCEEDED"]').waitFor();
      expect(await page.getByTestId('update-output').locator('span').count()).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="update-step"][data-state="SUCCEEDED"]').count()).toBe(9);
      await page.locator('[data-testid="update-history-row"][data-state="SUCCEEDED"]').nth(1).waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'system-updates.png'), fullPage: true });
    } catch (error) {
      const [page] = browser.contexts()[0]?.pages() ?? [];
      await page?.screenshot({ path: path.join(os.tmpdir(), 'lookout-update-e2e-failure.png'), fullPage: true }).catch(() => {});
      throw error;
    } finally {
      await browser.close();
    }
    // Every answer from the new version once the old one has handed over.
    await until(async () => (await lookout()).version === '0.3.0', 'the new version answers', WAIT, 100);
  }, WAIT);
});
