/**
 * bench/overview: `healthOverview` latency over real HTTP with 1,000 and then 10,000 services, each
 * with a status, recent latencies and a few uptime windows in the last day: the dashboard's query
 * (the worst 200 with the counts of all) and every service at once, alternately. Goal: p95 < 50 ms at 1,000.
 *
 *   node bench/overview/run.ts [--sizes 1000,10000] [--requests 50]
 *   node bench/overview/run.ts --write-load [--requests 200]
 *
 * With --write-load: 1,000 services checked every second by the server's own scheduler against a
 * local target (its own process), so 1,000 checks a second are written while the grid is asked for
 * (the issue-15 goal: p95 under 50 ms at 1,000 while 1,000 checks/s are written); compiled queries
 * only, and the checks actually stored meanwhile are counted.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import { benchDatabase, insertHttpServices, percentile } from '../support/setup.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000' }, requests: { type: 'string', default: '50' }, 'write-load': { type: 'boolean', default: false } } });
const writeLoad = values['write-load'];
const sizes = writeLoad ? [1000] : values.sizes.split(',').map(Number);
const requests = Number(values.requests);

const CARD = 'name displayName target status statusSince lastCheckedAt latencyMs lastError uptime24h recentLatencies critical tags paused';
/** The dashboard's grid query (client/src/lib/overview-query.ts): the worst 200 services, 13 fields each, and the counts and tags of all. */
const QUERY = `query HealthOverview($first: Int = 200) { healthOverview(orderBy: WORST_FIRST, first: $first) {
  generatedAt configError totalCount tags summary { total healthy degraded down pending paused criticalDown criticalDegraded }
  services { ${CARD} }
} }`;
/** Every service at once, as the dashboard asked before it paged (and as an integrator may). */
const WHOLE = `query HealthOverview { healthOverview { generatedAt configError services { ${CARD} } } }`;

const { db, dataDir, cleanup } = await benchDatabase();
const token = 'lko_bench_overview_token_0123456789';
// --write-load: the services are checked for real, against a target in its own process.
const target = writeLoad ? fork(path.join(import.meta.dirname, '../checks/target.ts'), { execArgv: [] }) : null;
const targetUrl = target ? `http://127.0.0.1:${await new Promise<number>((resolve) => target.once('message', (m: { port: number }) => resolve(m.port)))}` : 'http://127.0.0.1:9';
const start = (runScheduler = false) =>
  startServer(
    { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: db.url, dataDir, bootstrapToken: token, logLevel: 'warn' },
    { logger: createLogger('warn'), runScheduler },
  );
// Fill first under load: the scheduler checks what is there when it starts.
if (writeLoad) await fill(1000);
// Two servers on one database, compiled (graphql-jit) and interpreted queries, measured alternately
// in the same run so the machine's load falls on both alike (under --write-load, the compiled one
// alone, whose scheduler writes the checks).
const server = await start(writeLoad);
process.env.LOOKOUT_GRAPHQL_JIT = 'off';
const interpreted = writeLoad ? null : await start();
delete process.env.LOOKOUT_GRAPHQL_JIT;

async function fill(total: number): Promise<void> {
  const { rows } = await db.sql.query("select count(*)::int as n from services where source = 'api'");
  const missing = total - rows[0].n;
  if (missing <= 0) return;
  await insertHttpServices(db, missing, targetUrl, writeLoad ? 1000 : 30_000, `svc${total}`);
  // statuses, sparklines, and three uptime windows per service over the last day
  await db.sql.query(`update service_states set
      status = (array['healthy','healthy','healthy','degraded','down'])[1 + (service_id % 5)],
      status_since = now() - interval '2 hours', last_checked_at = now() - interval '5 seconds', last_latency_ms = 20 + service_id % 50,
      recent_latencies = array(select 10 + (random() * 90)::int from generate_series(1, 20))
    where status is null`);
  await db.sql.query(`insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
    select s.id, w.status, now() - w.since, case when w.until is null then null else now() - w.until end, null
      from services s cross join (values ('healthy', interval '30 hours', interval '6 hours'), ('down', interval '6 hours', interval '5 hours'),
                                          ('healthy', interval '5 hours', null::interval)) as w(status, since, until)
     where s.source = 'api' and not exists (select 1 from uptime_records u where u.service_id = s.id)`);
  await db.sql.query('analyze');
}

const rowsOut: string[] = [];
const storedChecks = async () => Number((await db.sql.query('select count(*) from health_checks')).rows[0].count);
for (const size of sizes) {
  await fill(size);
  if (writeLoad) {
    // One interval's warm-up for the scheduler to spread the checks, then wait until they are being stored.
    const first = await storedChecks();
    while ((await storedChecks()) - first < 2000) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const timings = { jit: [] as number[], plain: [] as number[], whole: [] as number[] };
  const bytes = { jit: 0, plain: 0, whole: 0 };
  const checksBefore = await storedChecks();
  const measureStart = performance.now();
  for (let i = 0; i < requests + 5; i++) {
    for (const [key, target, query] of [['jit', server, QUERY], ['whole', server, WHOLE], ['plain', interpreted, QUERY]] as const) {
      if (!target) continue;
      const t0 = performance.now();
      const response = await fetch(`${target.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      const text = await response.text();
      if (i >= 5) timings[key].push(performance.now() - t0);
      bytes[key] = text.length;
      if (!text.includes('"healthOverview"')) throw new Error(text.slice(0, 500));
    }
  }
  const writtenPerSecond = ((await storedChecks()) - checksBefore) / ((performance.now() - measureStart) / 1000);
  for (const list of Object.values(timings)) list.sort((a, b) => a - b);
  const services = Number((await db.sql.query('select count(*) from services')).rows[0].count);
  const plain = interpreted ? `${percentile(timings.plain, 50).toFixed(1)} ms | ${percentile(timings.plain, 95).toFixed(1)} ms` : `— | — (checks stored meanwhile: ${writtenPerSecond.toFixed(0)}/s)`;
  const row = `| ${services} | ${percentile(timings.jit, 50).toFixed(1)} ms | ${percentile(timings.jit, 95).toFixed(1)} ms | ${plain} | ${(bytes.jit / 1024).toFixed(0)} KiB | ${percentile(timings.whole, 50).toFixed(1)} ms | ${percentile(timings.whole, 95).toFixed(1)} ms | ${(bytes.whole / 1024).toFixed(0)} KiB |`;
  rowsOut.push(row);
  console.log(row);
}
await server.close();
await interpreted?.close();
target?.kill();
await cleanup();
console.log(
  [
    '| services | dashboard page: p50 (jit) | p95 (jit) | p50 (interpreted) | p95 (interpreted) | response | every service: p50 (jit) | p95 (jit) | response |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rowsOut,
  ].join('\n'),
);
process.exit(0);
