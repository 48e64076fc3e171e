/**
 * bench/checks: N HTTP services against a local target at an interval, through the real scheduler,
 * checkers and batched writer on PostgreSQL. Reports checks/s sustained, scheduler lag p50/p99,
 * CPU per check (Lookout's process, and PostgreSQL's), peak RSS, bytes stored per raw check, and
 * after a restart how long until every service has been checked again.
 *
 *   node bench/checks/run.ts [--services 1000] [--interval 30s] [--seconds 60]
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { createInProcessPubSub } from '../../server/events/pubsub.ts';
import { Monitoring } from '../../server/monitoring/monitor.ts';
import { parseDuration } from '../../server/duration.ts';
import { benchDatabase, cpuOfProcesses, insertHttpServices, percentile, startNodeOptions } from '../support/setup.ts';

const { values } = parseArgs({
  options: { services: { type: 'string', default: '1000' }, interval: { type: 'string', default: '30s' }, seconds: { type: 'string', default: '60' }, 'compare-options': { type: 'string' } },
});
const services = Number(values.services);
const intervalMs = parseDuration(values.interval, 'interval');
const measureMs = Number(values.seconds) * 1000;

const target = fork(path.join(import.meta.dirname, 'target.ts'), { execArgv: [] });
const port = await new Promise<number>((resolve) => target.once('message', (m: { port: number }) => resolve(m.port)));
const { db, dataDir, cleanup } = await benchDatabase();
const logger = createLogger('warn');
await db.sql.query("update services set paused = true where source = 'builtin'");
await insertHttpServices(db, services, `http://127.0.0.1:${port}`, intervalMs);

let lags: number[] = [];
let checks = 0;
const start = () => {
  const monitoring = new Monitoring({
    orm: db.orm, sql: db.sql, pubsub: createInProcessPubSub(), clock: systemClock, logger, dataDir,
    stats: { onLag: (ms) => lags.push(ms), onRecorded: (c) => (checks += c.length) },
  });
  return monitoring.start().then(() => monitoring);
};

const baselineRss = process.memoryUsage().rss; // process with the database open, before monitoring
let monitoring = await start();
await db.sql.query("update services set paused = true where source = 'builtin'");
// Warm up for one interval (every service checked once, connections open), then measure.
await new Promise((r) => setTimeout(r, Math.min(intervalMs, 30_000)));
lags = [];
checks = 0;
const sizeQuery = `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes from pg_inherits i join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent where p.relname = 'health_checks'`;
const rowsBefore = Number((await db.sql.query('select count(*) from health_checks')).rows[0].count);
const bytesBefore = Number((await db.sql.query(sizeQuery)).rows[0].bytes);
const cpu0 = process.cpuUsage();
const pg0 = await cpuOfProcesses('postgres');
const t0 = performance.now();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
await new Promise((r) => setTimeout(r, measureMs));
clearInterval(sampler);
const elapsedS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const pgCpuMs = (await cpuOfProcesses('postgres')) - pg0;
const measuredChecks = checks;
const sortedLags = [...lags].sort((a, b) => a - b);
await new Promise((r) => setTimeout(r, 500)); // let the last batch land
const bytesAfter = Number((await db.sql.query(sizeQuery)).rows[0].bytes);
const rows = Number((await db.sql.query('select count(*) from health_checks')).rows[0].count);

// Restart: stop, wait a moment, start again, and time until every service has been checked anew.
await monitoring.stop();
const restartAt = new Date();
monitoring = await start();
let recheckedAfterS = NaN;
const deadline = Date.now() + intervalMs * 2 + 10_000;
while (Date.now() < deadline) {
  const { rows: left } = await db.sql.query("select count(*)::int as n from service_states st join services s on s.id = st.service_id where s.source = 'api' and (st.last_checked_at is null or st.last_checked_at < $1)", [restartAt]);
  if (left[0].n === 0) {
    recheckedAfterS = (Date.now() - restartAt.getTime()) / 1000;
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}
await monitoring.stop();

/**
 * The real product: `lookout serve` (HTTP, GraphQL, dashboard and all) in its own process on the
 * same database and services, with the Node options `npm start` uses. RSS and CPU from /proc.
 */
async function measureServe(seconds: number, nodeOptions: string[]): Promise<{ nodeOptions: string; peakRssMb: number; cpuMsPerCheck: number; checksPerSecond: number }> {
  const { spawn } = await import('node:child_process');
  const { readFile } = await import('node:fs/promises');
  const child = spawn(process.execPath, [...nodeOptions, path.join(import.meta.dirname, '../../bin/lookout.mjs'), 'serve'], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOOKOUT_DATA_DIR: dataDir },
    stdio: 'ignore',
  });
  const stat = async () => {
    const text = await readFile(`/proc/${child.pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / 100) * 1000;
  };
  const rss = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
  await new Promise((r) => setTimeout(r, Math.min(intervalMs, 30_000) + 5000)); // start-up and one interval of warm-up
  const count = async () => Number((await db.sql.query('select count(*) from health_checks')).rows[0].count);
  const [cpuStart, rowsStart, t] = [await stat(), await count(), performance.now()];
  let peak = 0;
  const sampler = setInterval(() => void rss().then((v) => (peak = Math.max(peak, v)), () => {}), 250);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(sampler);
  const [cpuEnd, rowsEnd] = [await stat(), await count()];
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return {
    nodeOptions: nodeOptions.join(' '),
    peakRssMb: Math.round(peak / 1048576),
    cpuMsPerCheck: Math.round(((cpuEnd - cpuStart) / (rowsEnd - rowsStart)) * 1000) / 1000,
    checksPerSecond: Math.round(((rowsEnd - rowsStart) / ((performance.now() - t) / 1000)) * 10) / 10,
  };
}
const serve = await measureServe(Math.min(measureMs / 1000, 60), await startNodeOptions());
// --compare-options "…": the same measurement with other Node options, in the same run.
const compared = values['compare-options'] === undefined ? null : await measureServe(Math.min(measureMs / 1000, 60), values['compare-options'].split(/\s+/).filter(Boolean));

const cpuMsPerCheck = (cpu.user + cpu.system) / 1000 / measuredChecks;
const result = {
  services,
  interval: values.interval,
  measuredSeconds: Math.round(elapsedS),
  checksPerSecond: Math.round((measuredChecks / elapsedS) * 10) / 10,
  expectedPerSecond: Math.round((services / (intervalMs / 1000)) * 10) / 10,
  lagP50Ms: percentile(sortedLags, 50),
  lagP99Ms: percentile(sortedLags, 99),
  lookoutCpuMsPerCheck: Math.round(cpuMsPerCheck * 1000) / 1000,
  lookoutCores: Math.round(((cpu.user + cpu.system) / 1000 / (elapsedS * 1000)) * 1000) / 1000,
  postgresCpuMsPerCheck: Math.round((pgCpuMs / measuredChecks) * 1000) / 1000,
  peakRssMb: Math.round(peakRss / 1048576),
  bytesPerCheck: Math.round((bytesAfter - bytesBefore) / (rows - rowsBefore)),
  baselineRssMb: Math.round(baselineRss / 1048576),
  rowsStored: rows,
  rowsDuringMeasure: rows - rowsBefore,
  recheckedAfterRestartS: recheckedAfterS,
  serve,
  ...(compared && { compared }),
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `| ${services} | ${values.interval} | ${result.checksPerSecond} (of ${result.expectedPerSecond}) | ${result.lagP50Ms} / ${result.lagP99Ms} ms | ${result.lookoutCpuMsPerCheck} ms (${result.lookoutCores} cores) | ${result.postgresCpuMsPerCheck} ms | ${result.peakRssMb} MB (baseline ${result.baselineRssMb}) | ${result.bytesPerCheck} B | ${result.recheckedAfterRestartS} s | ${serve.checksPerSecond}/s, ${serve.cpuMsPerCheck} ms, ${serve.peakRssMb} MB |`,
);
if (compared) console.log(`| ${services} | ${values.interval} | \`lookout serve\` with ${compared.nodeOptions || '(no options)'} | ${compared.checksPerSecond}/s, ${compared.cpuMsPerCheck} ms, ${compared.peakRssMb} MB |`);
target.kill();
await cleanup();
process.exit(0);
