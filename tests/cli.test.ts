/**
 * The `lookout` command as a user runs it: real processes on the embedded PostgreSQL under a data
 * directory, with no DATABASE_URL. Slow-ish (each start boots PostgreSQL), so one file covers it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../server/db/embedded.ts';
import pg from 'pg';
import { gql, gqlOk } from './support/graphql.ts';
import { until } from './support/signals.ts';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'lookout.mjs');
const run = promisify(execFile);

let dataDir: string;
let port: number;
const env = () => {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, LOOKOUT_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
};
const url = () => `http://127.0.0.1:${port}`;

function postmasterPid(): number | null {
  const file = path.join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : null;
}

function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Postgres processes serving our data directory, found by their command line. */
async function postgresProcesses(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('postgres') && cmdline.includes(dataDir)) pids.push(Number(entry));
  }
  return pids;
}

interface Serve {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function startServe(extraEnv: Record<string, string> = {}): Promise<Serve> {
  const child = spawn(process.execPath, [bin, 'serve'], { env: { ...env(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Lookout is serving')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output, exited };
}

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: env(), timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const lastLine = (text: string) => text.trim().split('\n').at(-1)!;

/** /health answers 200 (healthy, or degraded while a loaded machine slows the first self-checks). */
async function expectServing(): Promise<void> {
  const response = await fetch(`${url()}/health`);
  expect(response.status).toBe(200);
  expect(['healthy', 'degraded']).toContain(((await response.json()) as { status: string }).status);
}

describe('lookout serve and the CLI on the embedded database', () => {
  let serve: Serve | undefined;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-cli-'));
    port = await freePort();
  });
  afterAll(async () => {
    serve?.child.kill('SIGKILL');
    for (const pid of await postgresProcesses()) process.kill(pid, 'SIGKILL');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('serves on PORT with an embedded PostgreSQL and prints the setup link', async () => {
    // Each Node process it starts says, as it exits, whether it loaded Node's TypeScript stripper and SOFA (see the SIGTERM test).
    serve = await startServe({ NODE_OPTIONS: `--import ${path.join(root, 'tests', 'support', 'report-loaded.mjs')}` });
    // The link is written just after the log line startServe waits for: wait for it too (CI once read between the two).
    await until(() => serve!.output().includes('Create the first admin'), 'the setup link is printed', 10_000);
    expect(serve.output()).toMatch(new RegExp(`Create the first admin: http://127\\.0\\.0\\.1:${port}/setup#token=[\\w-]+`));
    expect(alive(postmasterPid())).toBe(true);
    await expectServing();
  });

  it('the worker knows the database is the embedded one its primary opened: it says so, and paces its autovacuum (regression: only a process that opened it itself did)', async () => {
    expect(serve!.output()).toMatch(/"database":"embedded".*"msg":"Lookout is serving"/);
    const port = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
    const creds = JSON.parse(readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8')) as { user: string; password: string; database: string };
    const client = new pg.Client({ host: '127.0.0.1', port, user: creds.user, password: creds.password, database: creds.database });
    await client.connect();
    try {
      const naptime = async () => Number((await client.query<{ setting: string }>(`select setting from pg_settings where name = 'autovacuum_naptime'`)).rows[0].setting);
      // The 5 built-in services ask for a sixth of a check a second: 10 minutes.
      await until(async () => (await naptime()) === 600, 'the embedded server paced for the built-in services', 30_000);
    } finally {
      await client.end();
    }
  });

  it('creates a token beside the running server, on the same database, printing it as the last line', async () => {
    const result = await cli('token', 'create', '--name', 'ci', '--role', 'admin');
    expect(result.code).toBe(0);
    const token = lastLine(result.stdout);
    expect(token).toMatch(/^lko_/);
    const me = await gqlOk<{ me: { name: string; role: string } }>({ url: url() }, '{ me { name role } }', {}, { token });
    expect(me.me).toEqual({ name: 'ci', role: 'ADMIN' });
    expect(alive(postmasterPid())).toBe(true); // the CLI did not stop the server's database
    process.env.LOOKOUT_CLI_TEST_TOKEN = token;
  });

  it('adds a user, and refuses bad input naming the field', async () => {
    const ok = await cli('user', 'add', '--email', 'viewer@example.com', '--password', 'viewer password', '--role', 'viewer');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Created viewer viewer@example\.com/);
    const bad = await cli('user', 'add', '--email', 'viewer2@example.com', '--password', 'short', '--role', 'viewer');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Error \(password\): The password must be at least 10 characters/);
    const missing = await cli('token', 'create', '--role', 'admin');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--name is required/);
  });

  it('shuts down cleanly on SIGTERM: exit 0 and no postgres left', async () => {
    const pid = postmasterPid();
    serve!.child.kill('SIGTERM');
    expect(await serve!.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(await postgresProcesses()).toEqual([]);
  });

  it('neither the primary nor its worker loaded Node’s TypeScript stripper (both ran from the stripped cache, bin/typescript-cache.mjs), nor SOFA, with no REST request made', () => {
    const output = serve!.output();
    const workerPid = Number(/"pid":(\d+)[^\n]*"msg":"started a worker"/.exec(output)?.[1]);
    expect(workerPid).toBeGreaterThan(0);
    const reports = new Map([...output.matchAll(/loaded-report pid=(\d+) (stripper=\w+ sofa=\w+)/g)].map((m) => [Number(m[1]), m[2]]));
    expect(reports.get(serve!.child.pid!)).toBe('stripper=false sofa=false');
    expect(reports.get(workerPid)).toBe('stripper=false sofa=false');
  });

  it('starts the database itself when nothing is running, and stops it afterwards', async () => {
    const result = await cli('token', 'create', '--name', 'offline', '--capability', 'platform.operations.view');
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toMatch(/^lko_/);
    expect(await postgresProcesses()).toEqual([]);
    const check = await cli('migrate', '--check');
    expect(check.stdout).toMatch(/up to date/);
    expect(check.code).toBe(0);
  });

  it('recovers after a crash that left the postmaster running', async () => {
    serve = await startServe();
    const pid = postmasterPid();
    serve.child.kill('SIGKILL');
    await serve.exited;
    expect(alive(pid)).toBe(true); // the orphan
    serve = await startServe();
    expect(serve.output()).toMatch(/adopting a PostgreSQL left running/);
    const me = await gql({ url: url() }, '{ me { name } }', {}, { token: process.env.LOOKOUT_CLI_TEST_TOKEN });
    expect(me.data?.me).toEqual({ name: 'ci' });
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(await postgresProcesses()).toEqual([]);
  });

  it('recovers after a crash that left a stale postmaster.pid', async () => {
    serve = await startServe();
    const pid = postmasterPid()!;
    serve.child.kill('SIGKILL');
    await serve.exited;
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
    serve = await startServe();
    expect(serve.output()).toMatch(/stale postmaster\.pid/);
    await expectServing();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(await postgresProcesses()).toEqual([]);
  });

  it('prints the ops summary as stable JSON, or six short lines', async () => {
    const json = await cli('ops-summary', '--json', '--hours', '6');
    const summary = JSON.parse(json.stdout);
    expect(Object.keys(summary).sort()).toEqual(['dispatchTimeouts', 'generatedAt', 'idempotency', 'leases', 'reasons', 'runs', 'services', 'status', 'windowHours', 'workersOnline']);
    expect(summary).toMatchObject({ windowHours: 6, runs: { blocked: 0, running: 0, queued: 0, failed: 0 }, leases: { active: 0, stale: 0 }, idempotency: { replays: 0, conflicts: 0 } });
    expect(summary.reasons).toContain('startup_checklist_blocking'); // no worker has ever been online here
    expect(json.code).toBe(summary.status === 'healthy' ? 0 : 1);
    const text = await cli('ops-summary');
    const lines = text.stdout.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]).toMatch(/^(HEALTHY|DEGRADED)/);
  });

  it('reloads LOOKOUT_CONFIG on SIGHUP', async () => {
    // lookout.yaml links to services.yaml, edited in place: the config watcher reacts only to
    // entries named lookout.yaml, so the new service can come from the SIGHUP reload alone.
    const configDir = path.join(dataDir, 'config');
    const services = (...names: string[]) => `services:\n${names.map((n) => `  - name: ${n}\n    kind: tcp\n    target: 127.0.0.1:9\n`).join('')}`;
    await fs.mkdir(configDir);
    await fs.writeFile(path.join(configDir, 'services.yaml'), services('first'));
    await fs.symlink('services.yaml', path.join(configDir, 'lookout.yaml'));
    serve = await startServe({ LOOKOUT_CONFIG: path.join(configDir, 'lookout.yaml') });
    const known = async () =>
      (await gqlOk<{ services: { name: string; source: string }[] }>({ url: url() }, '{ services { name source } }', {}, { token: process.env.LOOKOUT_CLI_TEST_TOKEN })).services
        .filter((s) => s.source === 'CONFIG') // the built-in self-monitoring is kept beside the file's
        .map((s) => s.name)
        .sort();
    expect(await known()).toEqual(['first']);

    await fs.writeFile(path.join(configDir, 'services.yaml'), services('first', 'second'));
    process.kill(serve.child.pid!, 'SIGHUP');
    const reloads = () =>
      serve!
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; reason?: string })
        .filter((entry) => entry.msg === 'config reloaded');
    const deadline = Date.now() + 10_000;
    while (!reloads().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(reloads().map((entry) => entry.reason)).toEqual(['SIGHUP']);
    expect(await known()).toEqual(['first', 'second']);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(await postgresProcesses()).toEqual([]);
  });

  it.skipIf(!existsSync('/usr/bin/node'))('runs under an older system Node by re-executing with the project’s Node 22', async () => {
    const { stdout } = await run('/usr/bin/node', [bin, 'help'], { env: env() });
    expect(stdout).toMatch(/Usage: lookout <command>/);
  });
});
