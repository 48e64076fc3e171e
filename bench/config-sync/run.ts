/**
 * bench/config-sync: a first start with many new services in the YAML file, a reload that changes
 * one of them, and as many more created through the API in one `createServices` call. Prints the
 * time from start-up (file read, checked and synced, on a migrated database) to the first check and
 * to every declared service having been checked once with the scheduler running; the time of a
 * reload that changes one service and how many `services` rows it updated; the time of the
 * `createServices` call and until all its services were checked once.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx node bench/config-sync/run.ts [--count 10000]
 *
 * It creates its own database next to DATABASE_URL's (dropped at the end); the services are TCP
 * checks of a listener in this process, every 60 s.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig, type Config } from '../../server/config.ts';
import { startServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, 'timeout-s': { type: 'string', default: '150' } } });
const count = Number(values.count);
const deadlineMs = Number(values['timeout-s']) * 1000;
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('bench/config-sync needs DATABASE_URL (a PostgreSQL it may create a database on)');

const target = net.createServer((socket) => socket.end());
await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
const port = (target.address() as net.AddressInfo).port;

const dbName = `lookout_bench_sync_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-sync-'));
const file = path.join(dir, 'lookout.yaml');

const yaml = (changedTarget?: string) =>
  `services:\n${Array.from({ length: count }, (_, i) => {
    const name = `svc-${String(i).padStart(6, '0')}`;
    return `  - name: ${name}\n    kind: tcp\n    target: ${i === 0 && changedTarget ? changedTarget : `127.0.0.1:${port}`}\n    interval: 60s\n    tags: [bench]\n`;
  }).join('')}`;

const base: Config = { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: url.toString(), dataDir: dir, logLevel: 'warn' };
const logger = createLogger('warn');
const probe = new pg.Client({ connectionString: url.toString() });
const token = 'lko_bench_config_sync_token_0123456789';
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Polls until `count` services named like `pattern` have been checked once; the time it took from `t0`, or what it got to. */
async function untilChecked(pattern: string, count: number, t0: number): Promise<{ first: number; all: number; done: number }> {
  let first = NaN;
  let done = 0;
  const checked = async () =>
    Number((await probe.query<{ n: string }>(`select count(*) n from service_states st join services s on s.id = st.service_id where s.name like $1 and st.last_checked_at is not null`, [pattern])).rows[0].n);
  while ((done = await checked()) < count && performance.now() - t0 < deadlineMs) {
    if (done > 0 && Number.isNaN(first)) first = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (Number.isNaN(first)) first = performance.now() - t0;
  return { first, all: performance.now() - t0, done };
}

try {
  // Migrations first, without the file: the figure is the sync and the first checks, not the schema.
  await (await startServer(base, { logger, runScheduler: false })).close();
  await fs.writeFile(file, yaml());
  await probe.connect();

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const server = await startServer({ ...base, configFile: file, bootstrapToken: token }, { logger });
  const started = performance.now() - t0;
  const fromFile = await untilChecked('svc-%', count, t0);
  const cpu = process.cpuUsage(cpu0);

  // A reload that changes one service's target: how long, and how many services rows it updated.
  const updates = async () => Number((await probe.query<{ n: string }>(`select n_tup_upd n from pg_stat_user_tables where relname = 'services'`)).rows[0].n);
  const before = await updates();
  await fs.writeFile(file, yaml(`127.0.0.1:${port === 65535 ? 1 : port + 1}`));
  const t1 = performance.now();
  const reloaded = await server.app.configFile.reload('bench');
  const reload = performance.now() - t1;
  // The statistics reach pg_stat_user_tables a moment after the transaction ends (at most a second when idle).
  await new Promise((r) => setTimeout(r, 1500));
  const updated = (await updates()) - before;

  // As many through the API in one call (real HTTP, audited), then until each was checked once.
  const services = Array.from({ length: count }, (_, i) => ({ name: `api-${String(i).padStart(6, '0')}`, kind: 'tcp', target: `127.0.0.1:${port}`, interval: '60s' }));
  const t2 = performance.now();
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', variables: { s: services } }),
  });
  const body = (await response.json()) as { data?: { createServices: unknown[] }; errors?: unknown[] };
  if (body.errors) throw new Error(`createServices failed: ${JSON.stringify(body.errors).slice(0, 500)}`);
  const created = performance.now() - t2;
  const fromApi = await untilChecked('api-%', count, t2);
  await server.close();

  const all = (r: { all: number; done: number }) => (r.done < count ? `not all: ${r.done} of ${count} after ${seconds(r.all)}` : seconds(r.all));
  console.log('| services | path | synced (call returned) | first check | all checked once | node CPU to then | one-service reload | services rows it updated |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| ${count} | YAML, first start | ${seconds(started)} | ${seconds(fromFile.first)} | ${all(fromFile)} | ${seconds((cpu.user + cpu.system) / 1000)} | ${reloaded ? `${reload.toFixed(0)} ms` : 'failed'} | ${updated} |`);
  console.log(`| ${count} | createServices, one call | ${seconds(created)} | ${seconds(fromApi.first)} | ${all(fromApi)} | | | |`);
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await probe.end().catch(() => {});
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
  await fs.rm(dir, { recursive: true, force: true });
  target.close();
}
