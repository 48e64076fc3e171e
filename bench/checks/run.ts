/**
 * bench/checks: N HTTP services against a local target at an interval, through the real scheduler,
 * checkers and batched writer on PostgreSQL. Reports checks/s sustained, scheduler lag p50/p99,
 * CPU per check (Lookout's process, and PostgreSQL's), peak RSS, bytes stored per raw check, and
 * after a restart how long until every service has been checked again. Then a real `lookout serve`:
 * CPU per check of its process and of the whole tree (with PostgreSQL's postmaster, backends and
 * helpers, including those that exited), and bytes per check of the whole database (tree.ts).
 *
 *   node bench/checks/run.ts [--services 1000] [--interval 30s] [--seconds 60] [--serve-only] [--serve-seconds 600] [--scrape-every 15s]
 *       [--compare-options="…"] [--compare-root DIR] [--cpu-prof DIR] [--history-hours 12]
 *   node bench/checks/run.ts --idle [--seconds 120]     (the 5 built-in services only)
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { createInProcessPubSub } from '../../server/events/pubsub.ts';
import { Monitoring } from '../../server/monitoring/monitor.ts';
import { parseDuration } from '../../server/duration.ts';
import { ensurePartitions } from '../../server/monitoring/timeseries.ts';
import { benchDatabase, cpuOfProcesses, insertHttpServices, percentile, startNodeOptions } from '../support/setup.ts';
import { databaseBytes, growthPerCheck, loadAverage, maintenanceBetween, maintenanceRuns, relationBytes, postmasterPid, treeCpuMs, treePssBytes } from './tree.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '30s' },
    seconds: { type: 'string' },
    'compare-options': { type: 'string' },
    // Extra Node options for every `lookout serve` (e.g. `--import ./bench/checks/count-statements.ts`).
    'extra-options': { type: 'string', default: '' },
    // Another checkout (e.g. `git archive` of the commit before a change, node_modules linked): its
    // `lookout serve` measured in the same run, alternately with this one's.
    'compare-root': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'serve-only': { type: 'boolean', default: false },
    // How long each `lookout serve` is measured (default: --seconds, at most 60): a steady state at 100,000 needs minutes.
    'serve-seconds': { type: 'string' },
    // Scrape /metrics every this many seconds during each `lookout serve` measurement, as Prometheus
    // would (default: only at its start and end); the lag is then also reported per scrape interval.
    'scrape-every': { type: 'string' },
    idle: { type: 'boolean', default: false },
    // Store this many hours of past checks of the services first (ordinary inserts, as the writer
    // makes them): what a server that has run that long holds in memory and on disk.
    'history-hours': { type: 'string', default: '0' },
  },
});
const idle = values.idle;
const services = idle ? 0 : Number(values.services);
const intervalMs = parseDuration(values.interval, 'interval');
const measureMs = Number(values.seconds ?? (idle ? 120 : 60)) * 1000;
const loadAtStart = await loadAverage();

const target = fork(path.join(import.meta.dirname, 'target.ts'), { execArgv: [] });
const port = await new Promise<number>((resolve) => target.once('message', (m: { port: number }) => resolve(m.port)));
const { db, dataDir, cleanup } = await benchDatabase();
const logger = createLogger('warn');
const postmaster = await postmasterPid(db);
const emptyBytes = await databaseBytes(db);
if (!idle) {
  await db.sql.query("update services set paused = true where source = 'builtin'");
  await insertHttpServices(db, services, `http://127.0.0.1:${port}`, intervalMs);
  const historyHours = Number(values['history-hours']);
  if (historyHours > 0) {
    const began = performance.now();
    const stored = await insertHistory(historyHours);
    console.error(`stored ${stored} past checks (${historyHours} h) in ${Math.round((performance.now() - began) / 1000)} s`);
  }
}

/**
 * `hours` of past checks of every bench service at the interval, ending now, healthy at 20 ms, in
 * time order and in statements of 5,000 rows (the writer's are smaller): the pages they fill pass
 * through PostgreSQL's shared buffers as the writer's would.
 */
async function insertHistory(hours: number): Promise<number> {
  const from = Date.now() - hours * 3600_000;
  await ensurePartitions(db.sql, new Date(from), Math.ceil(hours / 24) + 2);
  const { rows } = await db.sql.query<{ id: number }>(`select id from services where name like 'bench-%' order by id`);
  const ids = rows.map((r) => r.id);
  const rounds = Math.floor((hours * 3600_000) / intervalMs);
  const spacing = intervalMs / Math.max(ids.length, 1);
  const total = rounds * ids.length;
  for (let g = 0; g < total; g += 5000) {
    await db.sql.query(
      `insert into health_checks (checked_at, service_id, outcome)
       select to_timestamp(($1::float8 + (g / $4::int) * $5::float8 + (g % $4::int) * $6::float8) / 1000), ($3::int[])[(1 + g % $4::int)::int], 20 * 4
         from generate_series($2::bigint, least($2::bigint + 4999, $7::bigint - 1)) g`,
      [from, g, ids, ids.length, intervalMs, spacing, total],
    );
  }
  return total;
}

let lags: number[] = [];
let checks = 0;
const start = () => {
  const monitoring = new Monitoring({
    orm: db.orm, sql: db.sql, pubsub: createInProcessPubSub(), clock: systemClock, logger, dataDir,
    stats: { onLag: (ms) => lags.push(ms), onRecorded: (c) => (checks += c.length) },
  });
  return monitoring.start().then(() => monitoring);
};

/** The in-process pipeline (scheduler, checkers, writer) with the bench's own stats, then a restart. */
async function measurePipeline() {
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
const tree0 = await treeCpuMs(postmaster);
const db0 = await databaseBytes(db);
const t0 = performance.now();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
await new Promise((r) => setTimeout(r, measureMs));
clearInterval(sampler);
const elapsedS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const pgCpuMs = (await cpuOfProcesses('postgres')) - pg0;
const pgTreeMs = (await treeCpuMs(postmaster)) - tree0;
const measuredChecks = checks;
const sortedLags = [...lags].sort((a, b) => a - b);
await new Promise((r) => setTimeout(r, 500)); // let the last batch land
const bytesAfter = Number((await db.sql.query(sizeQuery)).rows[0].bytes);
const rows = Number((await db.sql.query('select count(*) from health_checks')).rows[0].count);
const db1 = await databaseBytes(db);

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
const cpuMsPerCheck = (cpu.user + cpu.system) / 1000 / measuredChecks;
return {
  measuredSeconds: Math.round(elapsedS),
  checksPerSecond: Math.round((measuredChecks / elapsedS) * 10) / 10,
  lagP50Ms: percentile(sortedLags, 50),
  lagP99Ms: percentile(sortedLags, 99),
  lookoutCpuMsPerCheck: round3(cpuMsPerCheck),
  lookoutCores: round3((cpu.user + cpu.system) / 1000 / (elapsedS * 1000)),
  /** Processes named postgres (as before): misses backends that exited during the run. */
  postgresCpuMsPerCheck: round3(pgCpuMs / measuredChecks),
  /** PostgreSQL's whole tree, exited backends included. */
  postgresTreeCpuMsPerCheck: round3(pgTreeMs / measuredChecks),
  totalCpuMsPerCheck: round3(cpuMsPerCheck + pgTreeMs / measuredChecks),
  peakRssMb: Math.round(peakRss / 1048576),
  bytesPerCheck: Math.round((bytesAfter - bytesBefore) / (rows - rowsBefore)),
  databaseBytesPerCheck: Math.round((db1.relations - db0.relations) / (rows - rowsBefore)),
  baselineRssMb: Math.round(baselineRss / 1048576),
  rowsStored: rows,
  rowsDuringMeasure: rows - rowsBefore,
  recheckedAfterRestartS: recheckedAfterS,
};
}
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The real product: `lookout serve` (HTTP, GraphQL, dashboard and all) in its own process on the
 * same database and services, with the Node options `npm start` uses. RSS and CPU from /proc.
 */
async function measureServe(seconds: number, nodeOptions: string[], root = path.join(import.meta.dirname, '../..')) {
  const { spawn } = await import('node:child_process');
  const profile = values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`];
  const extra = values['extra-options'].split(/\s+/).filter(Boolean);
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeOptions, ...extra, ...profile, path.join(root, 'bin/lookout.mjs'), 'serve'], {
    // The bench's database stands in for the embedded one a user's `npm start` runs, which Lookout paces.
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOOKOUT_DATA_DIR: dataDir, LOOKOUT_PACE_AUTOVACUUM: process.env.DATABASE_URL ? 'false' : 'true', LOOKOUT_METRICS_PUBLIC: 'true' },
    stdio: 'ignore',
  });
  /** The scheduler's lag histogram from the server's /metrics: cumulative counts by upper bound (seconds). */
  const lagBuckets = async (): Promise<Map<number, number>> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const buckets = new Map<number, number>();
    for (const m of text.matchAll(/^lookout_scheduler_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
    return buckets;
  };
  const rss = () => treePssBytes(child.pid!);
  // Start-up and warm-up: one interval (at most 30 s), or a whole interval for a steady-state run (--serve-seconds).
  await new Promise((r) => setTimeout(r, (values['serve-seconds'] !== undefined ? intervalMs : Math.min(intervalMs, 30_000)) + 5000));
  const count = async () => Number((await db.sql.query('select count(*) from health_checks')).rows[0].count);
  const [cpuStart, treeStart, rowsStart, t] = [await treeCpuMs(child.pid!), await treeCpuMs(postmaster), await count(), performance.now()];
  const bytesStart = await databaseBytes(db);
  const tablesStart = await relationBytes(db);
  const maintenanceStart = await maintenanceRuns(db);
  const lagStart = await lagBuckets().catch(() => new Map<number, number>());
  let peak = 0;
  let peakPg = 0;
  const sampler = setInterval(() => void Promise.all([rss(), treePssBytes(postmaster)]).then(([v, p]) => ((peak = Math.max(peak, v)), (peakPg = Math.max(peakPg, p))), () => {}), 1000);
  // CPU per check (Lookout + PostgreSQL) of each minute of the window: how far from a steady state
  // its start is. A minute's checks are those that started in it, counted through the time index
  // a few seconds later (stored by then), not by counting the whole table each minute.
  const minutes: number[] = [];
  let minuteStart = { lookout: cpuStart, postgres: treeStart, at: Date.now() };
  const STORED_AFTER_MS = 3000;
  const minuteTimer = setInterval(() => {
    const at = Date.now();
    void Promise.all([treeCpuMs(child.pid!), treeCpuMs(postmaster)]).then(async ([lookout, postgres]) => {
      await new Promise((r) => setTimeout(r, STORED_AFTER_MS));
      const { rows } = await db.sql.query<{ n: number }>('select count(*)::int as n from health_checks where checked_at >= $1 and checked_at < $2', [
        new Date(minuteStart.at),
        new Date(at),
      ]);
      minutes.push(round3((lookout - minuteStart.lookout + postgres - minuteStart.postgres) / Math.max(rows[0].n, 1)));
      minuteStart = { lookout, postgres, at };
    }, () => {});
  }, 60_000);
  // --scrape-every: Prometheus' load, and the lag of each interval between two scrapes.
  const slices: { p99: string; max: string; scrapeMs: number }[] = [];
  let sliceStart = lagStart;
  const scrapeEveryMs = values['scrape-every'] === undefined ? 0 : parseDuration(values['scrape-every'], 'scrape-every');
  const scraper = scrapeEveryMs
    ? setInterval(() => {
        const began = performance.now();
        void lagBuckets().then((now) => {
          const { p99, max } = lagPercentiles(sliceStart, now);
          slices.push({ p99, max, scrapeMs: Math.round(performance.now() - began) });
          sliceStart = now;
        }, () => {});
      }, scrapeEveryMs)
    : undefined;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(sampler);
  clearInterval(minuteTimer);
  clearInterval(scraper);
  const [cpuEnd, treeEnd, rowsEnd] = [await treeCpuMs(child.pid!), await treeCpuMs(postmaster), await count()];
  // The checks counted were stored by now: the time after (reading sizes, the lag) is not theirs.
  const elapsedMs = performance.now() - t;
  const bytesEnd = await databaseBytes(db);
  const tablesEnd = await relationBytes(db);
  // Statistics reach pg_stat_user_tables within a second or so of a run's end: close enough for a window of a minute.
  const maintenanceEnd = await maintenanceRuns(db);
  const lagEnd = await lagBuckets().catch(() => new Map<number, number>());
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const checks = rowsEnd - rowsStart;
  const nodeMs = cpuEnd - cpuStart;
  const pgMs = treeEnd - treeStart;
  return {
    root,
    nodeOptions: nodeOptions.join(' '),
    /** Peak proportional set size of Lookout's tree (primary and worker), of PostgreSQL's. */
    peakPssMb: Math.round(peak / 1048576),
    peakPostgresPssMb: Math.round(peakPg / 1048576),
    checksPerSecond: Math.round((checks / (elapsedMs / 1000)) * 10) / 10,
    checks,
    cpuMsPerCheck: round3(nodeMs / checks),
    postgresTreeCpuMsPerCheck: round3(pgMs / checks),
    totalCpuMsPerCheck: round3((nodeMs + pgMs) / checks),
    /** Percent of one core: Lookout's process, PostgreSQL's tree, both. */
    lookoutCorePercent: Math.round((nodeMs / elapsedMs) * 10000) / 100,
    postgresCorePercent: Math.round((pgMs / elapsedMs) * 10000) / 100,
    totalCorePercent: Math.round(((nodeMs + pgMs) / elapsedMs) * 10000) / 100,
    databaseBytesPerCheck: Math.round((bytesEnd.relations - bytesStart.relations) / checks),
    databaseSizeBytesPerCheck: Math.round((bytesEnd.database - bytesStart.database) / checks),
    databaseBytesAtEnd: bytesEnd.relations,
    /** Where the bytes went: the tables that grew most, bytes per check each. */
    growthByTable: growthPerCheck(tablesStart, tablesEnd, checks),
    /** Autovacuum's runs in the window, per table: PostgreSQL's CPU beside the statements (its workers are in the tree). */
    maintenance: maintenanceBetween(maintenanceStart, maintenanceEnd),
    /** Scheduler lag over the measurement, as the server's histogram has it: the bucket each percentile falls in ("≤ 0.25 s"). */
    lag: lagPercentiles(lagStart, lagEnd),
    /** With --scrape-every: the lag between each two scrapes, and how long each scrape took. */
    ...(slices.length && { lagByScrapeInterval: slices }),
    /** CPU per check, Lookout and PostgreSQL together, of each whole minute of the window in turn (ms). */
    cpuMsPerCheckByMinute: minutes,
  };
}

/** p50 / p99 / max bucket of the checks started between two readings of a cumulative histogram. */
function lagPercentiles(start: Map<number, number>, end: Map<number, number>): { checks: number; p50: string; p99: string; max: string } {
  const bounds = [...end.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => ({ le, n: (end.get(le) ?? 0) - (start.get(le) ?? 0) }));
  const total = delta.at(-1)?.n ?? 0;
  const at = (q: number) => {
    const hit = delta.find((d) => d.n >= q * total);
    return hit ? (hit.le === Infinity ? `> ${bounds.at(-2)} s` : `≤ ${hit.le} s`) : '—';
  };
  return { checks: total, p50: at(0.5), p99: at(0.99), max: at(1) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
const pipeline = idle || values['serve-only'] ? null : await measurePipeline();
const serveSeconds = values['serve-seconds'] !== undefined ? Number(values['serve-seconds']) : idle ? measureMs / 1000 : Math.min(measureMs / 1000, 60);
// --compare-root: the other checkout's `lookout serve` first, then this one's, on the same database.
const comparedRoot = values['compare-root'] === undefined ? null : await measureServe(serveSeconds, await startNodeOptions(path.resolve(values['compare-root'])), path.resolve(values['compare-root']));
const serve = await measureServe(serveSeconds, await startNodeOptions());
// --compare-options "…": the same measurement with other Node options, in the same run.
const compared = values['compare-options'] === undefined ? null : await measureServe(serveSeconds, values['compare-options'].split(/\s+/).filter(Boolean));

const result = {
  services,
  interval: idle ? '30s (built-ins)' : values.interval,
  expectedPerSecond: Math.round(((idle ? 5 : services) / ((idle ? 30_000 : intervalMs) / 1000)) * 10) / 10,
  loadAverage: { start: loadAtStart, end: await loadAverage() },
  emptyDatabaseBytes: emptyBytes,
  ...(pipeline && { pipeline }),
  serve,
  ...(comparedRoot && { comparedRoot }),
  ...(compared && { compared }),
};
console.log(JSON.stringify(result, null, 2));
const row = (s: typeof serve) =>
  `| ${services} | ${result.interval} | ${s.checksPerSecond}/s | ${s.cpuMsPerCheck} ms | ${s.postgresTreeCpuMsPerCheck} ms | **${s.totalCpuMsPerCheck} ms** (${s.totalCorePercent}% of a core) | ${s.databaseBytesPerCheck} B | ${s.peakPssMb} + ${s.peakPostgresPssMb} MB | lag p50 ${s.lag.p50}, p99 ${s.lag.p99} | ${result.loadAverage.start} |`;
if (pipeline) {
  console.log(
    `pipeline: | ${services} | ${values.interval} | ${pipeline.checksPerSecond} (of ${result.expectedPerSecond}) | ${pipeline.lagP50Ms} / ${pipeline.lagP99Ms} ms | ${pipeline.lookoutCpuMsPerCheck} ms + ${pipeline.postgresTreeCpuMsPerCheck} ms = ${pipeline.totalCpuMsPerCheck} ms | raw ${pipeline.bytesPerCheck} B, whole ${pipeline.databaseBytesPerCheck} B | ${pipeline.recheckedAfterRestartS} s |`,
  );
}
if (comparedRoot) console.log(`${comparedRoot.root}: ${row(comparedRoot)}`);
console.log(`serve: ${row(serve)}`);
if (compared) console.log(`with ${compared.nodeOptions || '(no options)'}: ${row(compared)}`);
target.kill();
await cleanup();
process.exit(0);
