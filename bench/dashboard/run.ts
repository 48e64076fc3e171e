/**
 * Dashboard benchmark: how long a browser takes from navigation to the Overview's first useful
 * paint — the first page of cards (200, worst first, or all when fewer) and the counts of every
 * service — at 1,000 or 10,000 services, how many bytes it took (first visit with an empty cache,
 * and a return visit), and how long the page waits for the one `healthOverview` answer. A real
 * `lookout serve` in its own process, as users run it (`npm start`'s Node options; embedded
 * PostgreSQL in a temp dir; services seeded by SQL and not checked, so the numbers hold still),
 * driven by headless Chromium from this process. Prints a markdown table row for BENCHMARKS.md.
 *
 *   node_modules/.bin/node bench/dashboard/run.ts [--services 1000] [--runs 5]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { projectRoot } from '../../server/config.ts';
import { openEmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/logger.ts';
import { launchBrowser } from '../../tests/support/browser.ts';
import { startNodeOptions } from '../support/setup.ts';

const { values: args } = parseArgs({
  options: { services: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' }, trace: { type: 'boolean', default: false }, profile: { type: 'string' } },
});
const SERVICES = Number(args.services);
const RUNS = Number(args.runs);
const GOAL_MS = 500;
/** What the Overview page asks for (client/src/lib/overview-query.ts), for the browser-less timing. */
const OVERVIEW_QUERY = `query HealthOverview($filter: ServiceFilter, $first: Int = 200) {
  healthOverview(filter: $filter, orderBy: WORST_FIRST, first: $first) { generatedAt configError totalCount tags
    summary { total healthy degraded down pending paused criticalDown criticalDegraded }
    services { name displayName target status statusSince lastCheckedAt latencyMs lastError uptime24h recentLatencies critical tags paused } } }`;
/** The grid's first page (client/src/lib/overview-query.ts). */
const GRID_PAGE = 200;
const GOAL_BYTES = 1_000_000;

/** 1,000 API services with states (mostly healthy, some degraded, down, pending) and uptime windows. */
async function seed(sql: pg.Pool, count: number): Promise<void> {
  // The scheduler of the server would check these (unreachable) targets: they are due in a day.
  await sql.query(
    `insert into services (name, display_name, kind, target, options, interval_ms, timeout_ms, degraded_latency_ms, failure_threshold,
                           recovery_threshold, critical, tags, depends_on, paused, source, source_path, ping_token, created_at, updated_at)
     select format('svc-%s', lpad(i::text, 6, '0')), format('Service %s', i), 'http', format('http://svc-%s.internal/health', i),
            '{"method":"GET","expectedStatus":["200-299"]}'::jsonb, 30000, 10000, null, 2, 1, i % 25 = 0,
            array[format('team-%s', i % 8), case when i % 2 = 0 then 'api' else 'worker' end], '{}', false, 'api', null, null,
            now() - interval '2 days', now() - interval '2 days'
       from generate_series(1, $1) as i`,
    [count],
  );
  // Status by position: 1 % pending, 3 % down, 6 % degraded, the rest healthy; 20 recent latencies each.
  await sql.query(
    `insert into service_states (service_id, status, status_since, pending_status, pending_count, last_checked_at, last_latency_ms,
                                 last_error, last_details, recent_latencies, next_due_at, claimed_until, last_ping_at, last_ping_failed)
     select s.id, st.status, case when st.status is null then null else now() - (s.id % 300) * interval '1 minute' end, null, 0,
            case when st.status is null then null else now() - (s.id % 30) * interval '1 second' end,
            case when st.status is null then null else 20 + (s.id * 37) % 400 end,
            case when st.status = 'down' then 'connect ECONNREFUSED' end, null,
            case when st.status is null then '{}'::int[] else array(select 20 + ((s.id * 31 + k * 17) % 300) from generate_series(1, 20) k) end,
            now() + interval '1 day', null, null, false
       from services s
       cross join lateral (select case when s.id % 100 = 0 then null when s.id % 100 < 4 then 'down'
                                       when s.id % 100 < 10 then 'degraded' else 'healthy' end as status) st
      where s.source = 'api'`,
  );
  await sql.query(
    `insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
     select st.service_id, 'healthy', now() - interval '2 days', st.status_since, extract(epoch from (st.status_since - (now() - interval '2 days'))) * 1000
       from service_states st join services s on s.id = st.service_id where s.source = 'api' and st.status is not null and st.status <> 'healthy'
     union all
     select st.service_id, st.status, coalesce(case when st.status = 'healthy' then now() - interval '2 days' end, st.status_since), null, null
       from service_states st join services s on s.id = st.service_id where s.source = 'api' and st.status is not null`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `lookout serve` on the database, with the Node options of `npm start`; resolves with its URL and setup link. */
async function startServe(databaseUrl: string, dataDir: string): Promise<{ process: ChildProcess; url: string; setupUrl: string }> {
  const child = spawn(process.execPath, [...(await startNodeOptions()), path.join(projectRoot, 'bin/lookout.mjs'), 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOOKOUT_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const setupUrl = await new Promise<string>((resolve, reject) => {
    // Keep reading what it prints (a pipe nobody reads would stall it), and take the link from it.
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const link = /Create the first admin: (\S+)/.exec(output)?.[1];
      if (link) resolve(link);
    });
    child.once('exit', () => reject(new Error(`lookout serve stopped before printing its setup link:\n${output}`)));
  });
  return { process: child, url: new URL(setupUrl).origin, setupUrl };
}

async function main(): Promise<void> {
  // Always the dashboard as it is in the working tree, built for production.
  const { build } = await import('vite');
  await build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
  const logger = createLogger('warn');
  // The embedded PostgreSQL opens up the directory it is given (it runs as the `postgres` user).
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-dashboard-'));
  const database = await openEmbeddedDatabase(dir, { logger, ephemeral: true });
  const server = await startServe(database.url, path.join(dir, 'lookout'));
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const browser = await launchBrowser();
  try {
    await seed(sql, SERVICES);
    const { rows } = await sql.query<{ n: number }>('select count(*)::int as n from services');
    const total = rows[0].n;

    // Sign in as the first admin through the setup link, and hand the session cookies to the browser.
    const token = new URLSearchParams(new URL(server.setupUrl!).hash.slice(1)).get('token');
    const setup = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }',
        variables: { t: token, e: 'bench@example.com', p: 'a long benchmark passphrase' },
      }),
    });
    const cookies = setup.headers.getSetCookie().map((c) => {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url };
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addCookies(cookies);

    /**
     * One navigation: goto → the first page of cards in the DOM and the counts of every service
     * (checked each animation frame), the bytes it took (responses as sent, WebSocket frames), and
     * the overview answer's timing. `cold`: in a new browser context, with nothing cached.
     */
    const measure = async (cold = false) => {
      const within = cold ? await browser.newContext({ viewport: { width: 1440, height: 900 } }) : context;
      if (cold) await within.addCookies(cookies);
      const page = await within.newPage();
      const network = await within.newCDPSession(page);
      await network.send('Network.enable');
      let bytes = 0;
      network.on('Network.loadingFinished', (e) => void (bytes += e.encodedDataLength));
      network.on('Network.webSocketFrameReceived', (e) => void (bytes += e.response.payloadData.length));
      let overviewMs = NaN;
      page.on('requestfinished', (request) => {
        if (request.postData()?.includes('query HealthOverview')) overviewMs = request.timing().responseEnd;
      });
      // --profile FILE: the page's JavaScript profile of each measured run (the last one is kept), for DevTools.
      const cdp = args.profile ? await page.context().newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      const started = performance.now();
      // Polls from the moment the navigation commits, not from the load event (which may come after the grid).
      await page.goto(`${server.url}/`, { waitUntil: 'commit' });
      await page.waitForFunction(
        ([cards, total]) => {
          if (document.querySelectorAll('[data-testid="service-card"]').length < cards) return false;
          let counted = 0;
          for (const button of document.querySelectorAll('[data-testid^="count-"]')) counted += Number(button.getAttribute('data-count'));
          return counted === total;
        },
        [Math.min(total, GRID_PAGE), total],
        { timeout: 30_000, polling: 'raf' },
      );
      const renderedMs = performance.now() - started;
      const bytesAtPaint = bytes;
      if (cdp) await fs.writeFile(args.profile!, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      await page.waitForFunction(() => performance.getEntriesByName('lookout:grid-painted').length > 0, undefined, { timeout: 30_000 });
      // The page's own marks (ms since navigation start): the grid's data in hand, and the grid built.
      const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
      if (args.trace) {
        console.log(`trace: ${Object.entries(marks).map(([k, v]) => `${k} @${Math.round(v)}`).join(', ')}, harness saw all cards @${Math.round(renderedMs)}`);
        // Where the first ~300 ms go: the page itself, then each file and query (start → end, ms since navigation).
        const loads = await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const files = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => `${r.name.replace(/^.*\//, '')} ${Math.round(r.startTime)}→${Math.round(r.responseEnd)}`);
          return [`html ${Math.round(nav.requestStart)}→${Math.round(nav.responseEnd)}, interactive @${Math.round(nav.domInteractive)}, DOMContentLoaded @${Math.round(nav.domContentLoadedEventEnd)}`, ...files];
        });
        console.log(`  ${loads.join('\n  ')}`);
      }
      await page.close();
      if (cold) await within.close();
      await new Promise((r) => setTimeout(r, 1000)); // what the page left running must not slow the next run
      return { renderedMs, bytes: bytesAtPaint, paintedMs: marks['lookout:grid-painted'] ?? NaN, overviewMs, buildMs: marks['lookout:grid-rendered'] - marks['lookout:grid-data'] };
    };

    /** The same query from Node, no browser: the server's share of the page's wait. */
    const direct = async () => {
      const headers = { 'content-type': 'application/json', cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-lookout-csrf': decodeURIComponent(cookies.find((c) => c.name === 'lookout_csrf')?.value ?? '') };
      const body = JSON.stringify({ query: OVERVIEW_QUERY });
      const started = performance.now();
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body });
      const text = await response.text();
      if (!text.includes('"healthOverview"')) throw new Error(`healthOverview failed: ${text.slice(0, 200)}`);
      return performance.now() - started;
    };

    // Warm-up: a server that has been up a while has compiled its hot paths; the browser has the assets cached.
    for (let i = 0; i < 10; i++) await direct();
    for (let i = 0; i < 2; i++) await measure();
    const results = [];
    for (let i = 0; i < RUNS; i++) results.push(await measure());
    const firstVisits = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) firstVisits.push(await measure(true));
    const directs = [];
    for (let i = 0; i < RUNS; i++) directs.push(await direct());
    const rendered = results.map((r) => r.renderedMs);
    const fmt = (ms: number) => `${Math.round(ms)} ms`;

    console.log(`\nDashboard Overview with ${total} services (${SERVICES} seeded + the built-in ones); ${RUNS} runs after a warm-up; headless Chromium; ${os.cpus().length} cores`);
    const kb = (n: number) => `${Math.round(n / 1024)} KiB`;
    console.log(`goto → first page and counts:      ${rendered.map(fmt).join(', ')}`);
    console.log(`  bytes, return visit:             ${results.map((r) => kb(r.bytes)).join(', ')}`);
    console.log(`first visit (empty cache):         ${firstVisits.map((r) => `${fmt(r.renderedMs)} ${kb(r.bytes)}`).join(', ')}`);
    console.log(`page painted the grid (its mark):  ${results.map((r) => fmt(r.paintedMs)).join(', ')}`);
    console.log(`healthOverview, seen by the page:  ${results.map((r) => fmt(r.overviewMs)).join(', ')}`);
    console.log(`grid built (data → DOM, in page):  ${results.map((r) => fmt(r.buildMs)).join(', ')}`);
    console.log(`healthOverview from Node alone:    ${directs.map(fmt).join(', ')}\n`);
    const painted = results.map((r) => r.paintedMs);
    const firstBytes = Math.max(...firstVisits.map((r) => r.bytes));
    console.log('| services | goto → first page and counts, median (min–max) | page painted the grid, median (min–max) | first visit: time, bytes (worst) | return visit: bytes | healthOverview seen by the page | grid build in page | healthOverview alone | goal |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    console.log(
      `| ${total} | ${fmt(median(rendered))} (${fmt(Math.min(...rendered))}–${fmt(Math.max(...rendered))}) | ${fmt(median(painted))} (${fmt(Math.min(...painted))}–${fmt(Math.max(...painted))}) | ${fmt(Math.max(...firstVisits.map((r) => r.renderedMs)))}, ${kb(firstBytes)} | ${kb(median(results.map((r) => r.bytes)))} | ${fmt(median(results.map((r) => r.overviewMs)))} | ${fmt(median(results.map((r) => r.buildMs)))} | ${fmt(median(directs))} | < ${GOAL_MS} ms at 1,000, < 1 s and < 1 MB at 10,000: ${median(rendered) < (total > 5000 ? 1000 : GOAL_MS) && firstBytes < GOAL_BYTES ? 'met' : 'not met'} |`,
    );
    console.log('\ncommand: node_modules/.bin/node bench/dashboard/run.ts [--services 1000] [--runs 5] [--trace] [--profile page.cpuprofile]');
  } finally {
    await browser.close();
    server.process.kill('SIGTERM');
    await once(server.process, 'exit');
    await sql.end();
    await database.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
