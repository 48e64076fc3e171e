/**
 * bench/status-page: anonymous readers of a public status page of 100 services (90 days of status
 * windows each, open incidents, a maintenance window) over real HTTP: p50/p95 latency, requests
 * per second, and the database queries they cause, for 1 reader and then 1,000 concurrent readers.
 * Goal: 1,000 readers cause the same database load as one (the page is computed once per TTL).
 * It runs on a database of its own, created on DATABASE_URL's server and dropped at the end (an
 * embedded one in a temporary directory without DATABASE_URL). Queries are counted on the server's pool (every query of the public routes goes through it);
 * the database's own transaction counter (pg_stat_database.xact_commit) is shown beside them.
 * The readers run in a worker thread, so the client's work is not on the server's event loop.
 *
 *   DATABASE_URL=postgres://… npx node bench/status-page/run.ts [--seconds 20] [--readers 1000]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { percentile } from '../support/setup.ts';

interface LoadRequest { url: string; readers: number; seconds: number }
interface LoadResult { latencies: number[]; errors: number; bytes: number }

if (!isMainThread) {
  // The readers: each fetches the page again as soon as it has it, for `seconds`.
  const { url, readers, seconds } = workerData as LoadRequest;
  const agent = new http.Agent({ keepAlive: true, maxSockets: readers });
  const until = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      // As browsers do: gzip accepted (the body is counted, not unpacked).
      const req = http.get(url, { agent, timeout: 30_000, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        let size = 0;
        res.on('data', (chunk: Buffer) => (size += chunk.length));
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - t0);
          else errors++;
          bytes = size;
          resolve();
        });
        res.on('error', () => (errors++, resolve()));
      });
      req.on('error', () => (errors++, resolve()));
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
  const reader = async () => {
    while (performance.now() < until) await one();
  };
  // No readers: the baseline, what the database does meanwhile anyway.
  if (readers === 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await Promise.all(Array.from({ length: readers }, reader));
  agent.destroy();
  parentPort!.postMessage({ latencies, errors, bytes } satisfies LoadResult);
} else {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, readers: { type: 'string', default: '1000' } } });
  const seconds = Number(values.seconds);
  const many = Number(values.readers);
  const { loadConfig } = await import('../../server/config.ts');
  const { startServer } = await import('../../server/main.ts');
  const { createLogger } = await import('../../server/logger.ts');
  const { benchDatabase, insertHttpServices } = await import('../support/setup.ts');

  // A database of its own (benchDatabase): the benchmark's 100 services and page must not land in anyone's.
  const { db, dataDir, cleanup } = await benchDatabase();
  const server = await startServer(
    { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: db.url, dataDir, logLevel: 'warn' },
    { logger: createLogger('warn'), runScheduler: false },
  );

  // 100 services; 90 days of status windows (a healthy day, with a 10-minute outage every third day); 3 open incidents; one maintenance window.
  await insertHttpServices(db, 100, 'http://127.0.0.1:9', 30_000, 'page');
  await db.sql.query(`update service_states set status = case when service_id % 40 = 0 then 'down' when service_id % 17 = 0 then 'degraded' else 'healthy' end,
                        status_since = now() - interval '1 hour', last_checked_at = now() where status is null`);
  await db.sql.query(`insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
    select s.id, w.status, w.started_at, w.ended_at, null from services s cross join lateral (
      select 'healthy' as status, date_trunc('day', now()) - d * interval '1 day' as started_at,
             date_trunc('day', now()) - d * interval '1 day' + interval '12 hours' as ended_at from generate_series(1, 89) d
      union all select case when (d + s.id) % 3 = 0 then 'down' else 'healthy' end, date_trunc('day', now()) - d * interval '1 day' + interval '12 hours',
             date_trunc('day', now()) - d * interval '1 day' + interval '12 hours 10 minutes' from generate_series(1, 89) d
      union all select 'healthy', date_trunc('day', now()) - d * interval '1 day' + interval '12 hours 10 minutes',
             date_trunc('day', now()) - (d - 1) * interval '1 day' from generate_series(1, 89) d
      union all select 'healthy', date_trunc('day', now()), null) w where s.source = 'api'`);
  await db.sql.query(`insert into alert_incidents (service_id, service_name, display_name, state, severity, status, reason, started_at, opened_at)
    select id, name, display_name, 'open', 'critical', 'down', 'bench', now() - interval '1 hour', now() - interval '1 hour' from services where name in ('page-00039', 'page-00079', 'page-00099')`);
  await db.sql.query(`insert into maintenance_windows (name, services, tags, everything, starts_at, ends_at, rrule, duration_ms, reason, end_when_healthy, source, created_by, created_at)
    values ('bench-window', '{page-00001,page-00002}', '{}', false, now() + interval '1 day', now() + interval '1 day 1 hour', null, null, null, false, 'api', 'bench', now())`);
  const names = (await db.sql.query<{ name: string }>("select name from services where source = 'api' order by name")).rows.map((r) => r.name);
  const groups = [0, 1, 2, 3].map((g) => ({ name: `Group ${g + 1}`, services: names.slice(g * 25, g * 25 + 25) }));
  await db.sql.query(`insert into status_pages (slug, title, description, groups, source, created_at, updated_at) values ('bench', 'Bench status', '100 services', $1::jsonb, 'api', now(), now())`, [JSON.stringify(groups)]);
  await db.sql.query('analyze');

  // Every query the server's pool runs is counted.
  let queries = 0;
  const pool = server.app.sql;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    queries++;
    return query(...args);
  };
  const xacts = async () => Number((await db.sql.query('select xact_commit from pg_stat_database where datname = current_database()')).rows[0].xact_commit);

  const url = `${server.url}/status/bench`;
  // One computation, cold, five times: what a reader would wait without the cache.
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    server.app.statusPages.invalidate();
    const t0 = performance.now();
    await (await fetch(url)).text();
    cold.push(performance.now() - t0);
  }
  cold.sort((a, b) => a - b);

  async function scenario(readers: number) {
    server.app.statusPages.invalidate();
    const [q0, c0, x0] = [queries, server.app.statusPages.computations, await xacts()];
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { url, readers, seconds } satisfies LoadRequest });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const [q1, c1, x1] = [queries, server.app.statusPages.computations, await xacts()];
    result.latencies.sort((a, b) => a - b);
    return {
      readers,
      requests: result.latencies.length,
      errors: result.errors,
      rps: result.latencies.length / seconds,
      p50: result.latencies.length ? percentile(result.latencies, 50) : NaN,
      p95: result.latencies.length ? percentile(result.latencies, 95) : NaN,
      computations: c1 - c0,
      queriesPerSecond: (q1 - q0) / seconds,
      xactsPerSecond: (x1 - x0) / seconds,
      kib: 0,
    };
  }
  const rows = [await scenario(0), await scenario(1), await scenario(many)];
  const page = await (await fetch(url)).text();
  const gzipped = await server.app.statusPages.page('bench');
  console.log(`cold computation (cache emptied first, 5 runs): p50 ${percentile(cold, 50).toFixed(1)} ms, max ${cold.at(-1)!.toFixed(1)} ms; page ${(Buffer.byteLength(page) / 1024).toFixed(0)} KiB (${(gzipped!.html.gzipped.length / 1024).toFixed(0)} KiB gzipped); TTL ${server.app.statusPages.ttlMs / 1000} s; ${seconds} s per run`);
  console.log('| readers | requests | errors | req/s | p50 | p95 | page computations | pool queries/s | xact_commit/s (whole database) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.readers} | ${r.requests} | ${r.errors} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.computations} | ${r.queriesPerSecond.toFixed(2)} | ${r.xactsPerSecond.toFixed(2)} |`);
  }
  await server.close();
  await cleanup();
  process.exit(0);
}
