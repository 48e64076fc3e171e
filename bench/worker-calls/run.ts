/**
 * bench/worker-calls: what one worker pays per call when it takes runs one at a time. A real Lookout
 * (started in this process, on a fresh database, periodic jobs off) with an operator token and a
 * ready platform; one client on one keep-alive HTTP connection does N rounds of submitRun, claimRun,
 * completeRun in sequence. Prints p50/p95/p99 per call and where the time went: every statement the
 * server sent to PostgreSQL is timed (pg's Client.query, wrapped) and sorted into token lookup,
 * transaction control, the change, the audit row and other statements; what is left is Node's own
 * work (HTTP, GraphQL parse/validate/execute, JSON).
 *
 *   node bench/worker-calls/run.ts [--rounds 2000] [--warmup 200] [--baseline <git revision>]
 *
 * With --baseline, before and after in one run: the same measurement on that revision's code (its
 * files from `git archive` in a temporary directory, this script copied in, node_modules linked),
 * then on the working tree, each in its own process, one after the other.
 *
 * The database: DATABASE_URL's server when set (a fresh database is created there and dropped),
 * else an embedded PostgreSQL in a temporary directory.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import { benchDatabase, percentile, wholeNumberOption } from '../support/setup.ts';
import { scratchDatabase } from '../../tests/support/scratch-database.ts';

const USAGE = `node bench/worker-calls/run.ts [--rounds 2000] [--warmup 200] [--baseline REV]

  --rounds N        measured rounds of submitRun → claimRun → completeRun (default 2000)
  --warmup N        rounds run first and not measured (default 200)
  --baseline REV    first the same on git revision REV's code, then on the working tree`;

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '2000' }, warmup: { type: 'string', default: '200' }, baseline: { type: 'string' }, help: { type: 'boolean', default: false } },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const wholeNumber = (name: string, text: string, min: number, max: number) => wholeNumberOption(USAGE, name, text, min, max);
const ROUNDS = wholeNumber('rounds', args.rounds, 1, 1_000_000);
const WARMUP = wholeNumber('warmup', args.warmup, 0, 1_000_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Runs this script (without --baseline) in `tree`, its output passed through; bounded to 10 minutes. */
function measureIn(tree: string, label: string): Promise<void> {
  console.log(`\n## ${label}\n`);
  const child = spawn(process.execPath, [path.join(tree, 'bench/worker-calls/run.ts'), '--rounds', String(ROUNDS), '--warmup', String(WARMUP)], { cwd: tree, stdio: ['ignore', 'inherit', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
  return new Promise((resolve, reject) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`the measurement of ${label} ended with ${signal ?? `exit code ${code}`}`));
    }),
  );
}

if (args.baseline) {
  const revision = execFileSync('git', ['rev-parse', '--verify', `${args.baseline}^{commit}`], { cwd: root, encoding: 'utf8', timeout: 10_000 }).trim();
  const tree = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-worker-calls-baseline-'));
  try {
    execFileSync('sh', ['-c', `git archive ${revision} | tar -x -C "${tree}"`], { cwd: root, timeout: 60_000, maxBuffer: 1024 * 1024 });
    await fs.symlink(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
    await fs.mkdir(path.join(tree, 'bench/worker-calls'), { recursive: true });
    await fs.copyFile(fileURLToPath(import.meta.url), path.join(tree, 'bench/worker-calls/run.ts'));
    console.log(`worker-calls before and after: load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await measureIn(tree, `before: ${revision.slice(0, 10)}`);
    await measureIn(root, 'after: the working tree');
  } finally {
    await fs.rm(tree, { recursive: true, force: true });
  }
  process.exit(0);
}

/** A fresh database on DATABASE_URL's server, dropped afterwards. */
const freshDatabase = (adminUrl: string) => scratchDatabase(adminUrl, 'lookout_bench_worker_calls');

// Every statement any pooled connection sends, timed from the call to its answer (callback or promise).
type Statement = { text: string; ms: number };
let statements: Statement[] = [];
const originalQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }).query = function timedQuery(this: pg.Client, ...a: unknown[]) {
  const config = a[0] as string | { text?: string };
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const t0 = performance.now();
  const done = () => statements.push({ text, ms: performance.now() - t0 });
  const last = a.length - 1;
  if (typeof a[last] === 'function') {
    const callback = a[last] as (...r: unknown[]) => void;
    a[last] = (...r: unknown[]) => {
      done();
      callback(...r);
    };
    return originalQuery.apply(this, a);
  }
  const configCallback = config && typeof config === 'object' && typeof (config as { callback?: unknown }).callback === 'function';
  const result = originalQuery.apply(this, a) as Promise<unknown> | undefined;
  if (result && typeof result.then === 'function') result.then(done, done);
  else if (configCallback || (result as { on?: unknown })?.on) done(); // a submittable: timing unknown, counted as 0
  return result;
};

/** Which part of a call a statement belongs to. */
function kindOf(text: string): string {
  const t = text.trim().toLowerCase();
  if (/^(begin|commit|rollback|savepoint|release)/.test(t)) return 'transaction';
  if (t.includes('api_tokens')) return 'token lookup';
  // A change that carries its own audit row (audit.ts auditedStatement) counts as the change.
  if (t.includes('operation_runs') || t.includes('idempotency_keys')) return 'the change';
  if (t.includes('insert into audit_log') || t.includes('"audit_log"')) return 'audit row';
  return 'other sql';
}
const KINDS = ['token lookup', 'transaction', 'the change', 'audit row', 'other sql'];

const fresh = process.env.DATABASE_URL ? await freshDatabase(process.env.DATABASE_URL) : null;
if (fresh) process.env.DATABASE_URL = fresh.url;
const { db, dataDir, cleanup } = await benchDatabase();
const adminToken = 'lko_bench_worker_calls_admin_0123456789';
const server = await startServer(
  { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: db.url, dataDir, bootstrapToken: adminToken, logLevel: 'warn' },
  { logger: createLogger('warn'), runScheduler: false },
);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const { hostname, port } = new URL(server.url);

/** One GraphQL call over the kept-alive connection; bounded: 10 s, 1 MB. */
function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, hostname, port, path: '/graphql', method: 'POST', timeout: 10_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 1_000_000) request.destroy(new Error('answer larger than 1 MB'));
          else chunks.push(c);
        });
        response.on('end', () => {
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: T; errors?: unknown[] };
            if (parsed.errors) reject(new Error(`GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`));
            else resolve(parsed.data);
          } catch (error) {
            reject(new Error(`unreadable answer (HTTP ${response.statusCode}): ${(error as Error).message}`));
          }
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', reject);
    request.end(body);
  });
}

const TYPE = 'bench.job';
const admin = <T>(q: string, v: Record<string, unknown> = {}) => gql<T>(adminToken, q, v);
for (const name of ['lookout', 'postgres']) await admin('mutation($n: String!) { recheckService(name: $n) { status } }', { n: name });
await admin('mutation($t: [String!]!) { registerWorker(name: "bench-worker", types: $t, capacity: 1) { name } }', { t: [TYPE] });
const { rerunStartupChecklist } = await admin<{ rerunStartupChecklist: { ready: boolean; failing: string[] } }>('mutation { rerunStartupChecklist { ready failing } }');
if (!rerunStartupChecklist.ready) throw new Error(`platform not ready: ${rerunStartupChecklist.failing.join(', ')}`);
const { createApiToken } = await admin<{ createApiToken: { secret: string } }>('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }', { input: { name: 'bench-operator', role: 'OPERATOR' } });
const operator = createApiToken.secret;

// What a simple worker sends (examples/worker.ts asks for about as much).
const SUBMIT = `mutation($type: String!, $workspace: String!, $input: JSON) { submitRun(type: $type, workspace: $workspace, input: $input) { replay run { id status } } }`;
const CLAIM = `mutation($worker: String!, $types: [String!]!) { claimRun(worker: $worker, types: $types, leaseSeconds: 60) { leaseToken run { id status attempt input } } }`;
const COMPLETE = `mutation($id: ID!, $token: String!, $result: JSON) { completeRun(id: $id, leaseToken: $token, outcome: SUCCEEDED, result: $result) { id status outcome } }`;

const CALLS = ['submitRun', 'claimRun', 'completeRun'] as const;
type Call = (typeof CALLS)[number];
const latencies: Record<Call, number[]> = { submitRun: [], claimRun: [], completeRun: [] };
const spent: Record<Call, Record<string, { ms: number; count: number }>> = Object.fromEntries(
  CALLS.map((c) => [c, Object.fromEntries(KINDS.map((k) => [k, { ms: 0, count: 0 }]))]),
) as never;

async function timed<T>(call: Call, measure: boolean, work: () => Promise<T>): Promise<T> {
  statements = [];
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  if (measure) {
    latencies[call].push(ms);
    for (const s of statements) {
      const part = spent[call][kindOf(s.text)];
      part.ms += s.ms;
      part.count += 1;
    }
  }
  return result;
}

async function round(i: number, measure: boolean): Promise<void> {
  const submitted = await timed('submitRun', measure, () =>
    gql<{ submitRun: { run: { id: string } } }>(operator, SUBMIT, { type: TYPE, workspace: 'default', input: { n: i } }),
  );
  const claimed = await timed('claimRun', measure, () =>
    gql<{ claimRun: { leaseToken: string; run: { id: string } } | null }>(operator, CLAIM, { worker: 'bench-worker', types: [TYPE] }),
  );
  if (!claimed.claimRun || claimed.claimRun.run.id !== submitted.submitRun.run.id) throw new Error(`round ${i}: claimed ${JSON.stringify(claimed.claimRun)} instead of run ${submitted.submitRun.run.id}`);
  await timed('completeRun', measure, () => gql(operator, COMPLETE, { id: claimed.claimRun!.run.id, token: claimed.claimRun!.leaseToken, result: { ok: true } }));
}

try {
  for (let i = 0; i < WARMUP; i++) await round(i, false);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) await round(WARMUP + i, true);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const { rows: [audit] } = await db.sql.query<{ n: string }>(`select count(*) as n from audit_log where action in ('operations.run.submit', 'operations.run.claim', 'operations.run.complete')`);

  console.log(`worker-calls: ${ROUNDS} rounds (after ${WARMUP} warm-up) on one keep-alive connection, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${(ROUNDS / seconds).toFixed(0)} runs/s end to end (3 calls each); Lookout + client CPU ${(((cpu.user + cpu.system) / 1000) / (ROUNDS * 3)).toFixed(2)} ms per call; audit rows: ${audit.n} for ${(ROUNDS + WARMUP) * 3} calls`);
  console.log('');
  console.log('| call | p50 | p95 | p99 | mean | statements/call |');
  console.log('|---|---|---|---|---|---|');
  for (const call of CALLS) {
    const sorted = [...latencies[call]].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const count = Object.values(spent[call]).reduce((a, p) => a + p.count, 0) / sorted.length;
    console.log(`| ${call} | ${percentile(sorted, 50).toFixed(2)} ms | ${percentile(sorted, 95).toFixed(2)} ms | ${percentile(sorted, 99).toFixed(2)} ms | ${mean.toFixed(2)} ms | ${count.toFixed(1)} |`);
  }
  console.log('');
  if (Number(audit.n) !== (ROUNDS + WARMUP) * 3) {
    console.error(`expected one audit row per call (${(ROUNDS + WARMUP) * 3}), found ${audit.n}`);
    process.exitCode = 1;
  }
  console.log(`| mean ms per call (statements) | ${KINDS.join(' | ')} | Node (HTTP, GraphQL, JSON) |`);
  console.log(`|---|${KINDS.map(() => '---').join('|')}|---|`);
  for (const call of CALLS) {
    const n = latencies[call].length;
    const mean = latencies[call].reduce((a, b) => a + b, 0) / n;
    const parts = KINDS.map((k) => spent[call][k]);
    const inSql = parts.reduce((a, p) => a + p.ms, 0) / n;
    console.log(`| ${call} | ${parts.map((p) => `${(p.ms / n).toFixed(2)} (${(p.count / n).toFixed(1)})`).join(' | ')} | ${(mean - inSql).toFixed(2)} |`);
  }
} finally {
  agent.destroy();
  await server.close();
  await cleanup();
  await fresh?.drop();
}
