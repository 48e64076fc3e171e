/**
 * bench/config-sync: a first start with many new services in the YAML file, and a reload that
 * changes one of them. Prints the time from start-up (file read, checked and synced, on a migrated
 * database) to every declared service having been checked once with the scheduler running, the
 * time of a reload that changes one service, and how many `services` rows that reload updated.
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

try {
  // Migrations first, without the file: the figure is the sync and the first checks, not the schema.
  await (await startServer(base, { logger, runScheduler: false })).close();
  await fs.writeFile(file, yaml());
  await probe.connect();

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const server = await startServer({ ...base, configFile: file }, { logger });
  const started = performance.now() - t0;
  const checked = async () =>
    Number((await probe.query<{ n: string }>(`select count(*) n from service_states st join services s on s.id = st.service_id where s.source = 'config' and st.last_checked_at is not null`)).rows[0].n);
  let done = 0;
  while ((done = await checked()) < count && performance.now() - t0 < deadlineMs) await new Promise((r) => setTimeout(r, 50));
  const allChecked = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  // A reload that changes one service's target: how long, and how many services rows it updated.
  const before = await probe.query<{ n: string }>(`select n_tup_upd::text n from pg_stat_user_tables where relname = 'services'`);
  await fs.writeFile(file, yaml(`127.0.0.1:${port === 65535 ? 1 : port + 1}`));
  const t1 = performance.now();
  const reloaded = await server.app.configFile.reload('bench');
  const reload = performance.now() - t1;
  // The statistics collector reports a transaction's counts at its end, a little later at most.
  await new Promise((r) => setTimeout(r, 1000));
  const after = await probe.query<{ n: string }>(`select n_tup_upd::text n from pg_stat_user_tables where relname = 'services'`);
  await server.close();

  console.log(`| services | start-up (sync) | all checked once | node CPU to then | one-service reload | services rows updated by it |`);
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| ${count} | ${(started / 1000).toFixed(2)} s | ${done < count ? `not all: ${done} of ${count} after ${(allChecked / 1000).toFixed(0)} s` : `${(allChecked / 1000).toFixed(2)} s`} | ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s | ${reloaded ? `${reload.toFixed(0)} ms` : 'failed'} | ${Number(after.rows[0].n) - Number(before.rows[0].n)} |`,
  );
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await probe.end().catch(() => {});
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
  await fs.rm(dir, { recursive: true, force: true });
  target.close();
}
