/**
 * What one request may read (regressions found by the sibling hunt of /metrics at 100,000 services):
 * - a list of services asked without `first` was every service with every field, built in memory
 *   (100–150 MB for REST's GET /admin/health at 100,000): now refused above 10,000, naming `first`,
 *   on `services`, `healthOverview` (whose counts still answer) and `uptimeTimeline`, which page;
 * - per-service history under a list was one query per service with no bound on the list
 *   (`{ services { recentChecks(first: 1000) … } }` for any viewer): now each request has a budget
 *   of history (server/monitoring/read-budget.ts), and a read beyond it is refused before its query;
 * - one service's (or every service's) status windows had no bound on their number.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { insertServices } from '../support/services.ts';
import { HISTORY_BUDGET, QUERY_UNITS } from '../../server/monitoring/read-budget.ts';
import { MAX_SERVICE_PAGE, MAX_TAGS } from '../../server/monitoring/overview.ts';
import { TIMELINE_WINDOWS_PER_SERVICE } from '../../schema/uptime-timeline.ts';
import { rollUpRecent } from '../../server/monitoring/timeseries.ts';

describe('read limits', () => {
  let ts: TestServer;
  let sql: pg.Pool;
  let total: number;
  const admin = () => ({ token: ts.adminToken });

  /** The statements the server sends while `work` runs that match `pattern`, and the rows they return. */
  async function readDuring(pattern: RegExp, work: () => Promise<unknown>): Promise<{ statements: number; rows: number }> {
    const pool = ts.server.app.sql;
    const original = pool.query;
    const seen = { statements: 0, rows: 0 };
    pool.query = function (this: pg.Pool, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      const result = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (text && pattern.test(text)) {
        seen.statements++;
        void (result as Promise<{ rows: unknown[] }>).then((r) => (seen.rows += r.rows.length), () => {});
      }
      return result;
    } as typeof pool.query;
    try {
      await work();
    } finally {
      pool.query = original;
    }
    return seen;
  }
  const statementsDuring = async (pattern: RegExp, work: () => Promise<unknown>) => (await readDuring(pattern, work)).statements;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 2 });
    const builtIn = (await sql.query<{ n: number }>('select count(*)::int as n from services')).rows[0].n;
    // One more than a list may hold without `first`.
    const names = Array.from({ length: MAX_SERVICE_PAGE + 1 - builtIn }, (_, i) => `svc-${String(i).padStart(5, '0')}`);
    await insertServices(sql, names, { status: 'healthy' });
    total = MAX_SERVICE_PAGE + 1;
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await ts?.close();
  });

  it('refuses `services` without `first` when more than 10,000 match, naming `first`; pages of it add up to every service', async () => {
    const refused = await gql(ts, '{ services { name } }', {}, admin());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    expect(refused.errors?.[0].message).toMatch(/More than 10,000 services match: ask for them a page at a time/);
    const page = (first: number, offset: number) => gqlOk<{ services: { name: string }[] }>(ts, 'query($first: Int, $offset: Int) { services(first: $first, offset: $offset) { name } }', { first, offset }, admin());
    const [a, b] = await Promise.all([page(MAX_SERVICE_PAGE, 0), page(MAX_SERVICE_PAGE, MAX_SERVICE_PAGE)]);
    expect(a.services.length + b.services.length).toBe(total);
    expect(new Set([...a.services, ...b.services].map((s) => s.name)).size).toBe(total);
    // A filter that matches fewer needs no page.
    const few = await gqlOk<{ services: unknown[] }>(ts, '{ services(filter: { text: "svc-0000" }) { name } }', {}, admin());
    expect(few.services).toHaveLength(10);
    for (const [args, field] of [['first: 10001', 'first'], ['first: -1', 'first'], ['offset: -1', 'offset']] as const) {
      const bad = await gql(ts, `{ services(${args}) { name } }`, {}, admin());
      expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
    }
  });

  it('refuses healthOverview’s services without `first` above 10,000 but still answers its counts; REST’s GET /admin/health says so with a 400 and pages with ?first=', async () => {
    const answer = await gql<{ healthOverview: { totalCount: number; counts: { healthy: number } } | null }>(ts, '{ healthOverview { totalCount counts { healthy } } }', {}, admin());
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.healthOverview?.totalCount).toBe(total);
    const refused = await gql(ts, '{ healthOverview { totalCount services { name } } }', {}, admin());
    expect(refused.errors?.[0]).toMatchObject({ path: ['healthOverview', 'services'], extensions: { field: 'first' } });

    const rest = await fetch(`${ts.url}/admin/health`, { headers: { authorization: `Bearer ${ts.adminToken}` } });
    expect(rest.status).toBe(400);
    const body = (await rest.json()) as { errors: { message: string; extensions: { code: string; field?: string } }[] };
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    expect(body.errors[0].message).toMatch(/page at a time/);
    const paged = await fetch(`${ts.url}/admin/health?first=25&offset=100`, { headers: { authorization: `Bearer ${ts.adminToken}` } });
    expect(paged.status).toBe(200);
    const pagedBody = (await paged.json()) as { totalCount: number; services: unknown[] };
    expect(pagedBody.totalCount).toBe(total);
    expect(pagedBody.services).toHaveLength(25);
  });

  it('lists at most 1,000 tags, the first by name (regression: a tag per service was every one of them on each refresh of the grid)', async () => {
    await sql.query("update services set tags = array['t-' || lpad(id::text, 6, '0'), 'shared'] where name like 'svc-%' and id % 8 = 0");
    try {
      const { healthOverview } = await gqlOk<{ healthOverview: { tags: string[] } }>(ts, '{ healthOverview(first: 1) { tags } }', {}, admin());
      expect(healthOverview.tags).toHaveLength(MAX_TAGS);
      expect(healthOverview.tags).toEqual([...healthOverview.tags].sort());
      expect(new Set(healthOverview.tags).size).toBe(MAX_TAGS);
      // "shared" sorts before every "t-…": it is in, and the rest are the first of those by name.
      expect(healthOverview.tags).toContain('shared');
      const afterShared = healthOverview.tags.slice(healthOverview.tags.indexOf('shared') + 1);
      expect(afterShared.every((t) => t.startsWith('t-'))).toBe(true);
      expect(afterShared[0]).toBe((await sql.query<{ t: string }>("select min(t) as t from services, unnest(tags) t where t like 't-%'")).rows[0].t);
      const { rows } = await sql.query<{ n: number }>("select count(distinct t)::int as n from services, unnest(tags) t where t like 't-%'");
      expect(rows[0].n).toBeGreaterThan(MAX_TAGS);
    } finally {
      await sql.query("update services set tags = '{}' where name like 'svc-%'");
    }
  });

  it('lists at most 10,000 services per request, whatever the number of lists (regression: 30 aliases of services(first: 10000) with every field ran the server out of memory)', async () => {
    const two = await gql<{ a: unknown[]; b: unknown[] }>(ts, '{ a: services(first: 6000) { name } b: services(first: 6000, offset: 6000) { name } }', {}, admin());
    expect(two.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    expect(two.errors?.[0].message).toMatch(/lists more than 10,000 services in all/);
    // Within the bound, lists share it.
    const fits = await gqlOk<{ a: unknown[]; b: unknown[]; c: { services: unknown[] } }>(ts, '{ a: services(first: 5000) { name } b: services(first: 4000, offset: 5000) { name } c: healthOverview(first: 1000) { services { name } } }', {}, admin());
    expect([fits.a.length, fits.b.length, fits.c.services.length]).toEqual([5000, 4000, 1000]);
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: services(first: 10000) { name displayName options lastDetails uptime24h monitoredSince }`).join(' ');
    const many = await gql(ts, `{ ${aliases} }`, {}, admin());
    expect(many.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });

  it('refuses alertConfigs without `first` above 10,000 services (GraphQL and REST) and pages it, the default first on every page', async () => {
    const refused = await gql(ts, '{ alertConfigs { service } }', {}, admin());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    const rest = await fetch(`${ts.url}/admin/health/alerts`, { headers: { authorization: `Bearer ${ts.adminToken}` } });
    expect(rest.status).toBe(400);
    const page = await gqlOk<{ alertConfigs: { service: string | null }[] }>(ts, '{ alertConfigs(first: 3, offset: 10) { service } }', {}, admin());
    expect(page.alertConfigs.map((c) => c.service)).toEqual([null, expect.any(String), expect.any(String), expect.any(String)]);
    const one = await gqlOk<{ alertConfigs: { service: string | null }[] }>(ts, '{ alertConfigs(service: "svc-00009") { service } }', {}, admin());
    expect(one.alertConfigs.map((c) => c.service)).toEqual(['svc-00009']);
  });

  it('reads the overall uptime once per request however many aliases ask it', async () => {
    const aliases = Array.from({ length: 10 }, (_, i) => `u${i}: uptime { last24h { ratio } last7d { ratio } last30d { ratio } }`).join(' ');
    const reads = await statementsDuring(/from uptime_records/, async () => {
      const answer = await gqlOk<Record<string, { last24h: { ratio: number | null } }>>(ts, `{ ${aliases} }`, {}, admin());
      expect(Object.keys(answer)).toHaveLength(10);
    });
    expect(reads).toBe(3);
  });

  it('refuses first or offset on uptimeTimeline with a service (they page the services)', async () => {
    const refused = await gql(ts, '{ uptimeTimeline(service: "svc-00003", first: 0) { uptime } }', {}, admin());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    const unknown = await gql(ts, '{ uptimeTimeline(service: "no-such-service") { uptime } }', {}, admin());
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('reads a timeline afresh for each mutation of one request (regression: the batched read cached the first mutation’s windows for the next)', async () => {
    const answer = await gqlOk<{ a: { timeline: { status: string; endedAt: string | null }[] }; b: { timeline: { status: string; endedAt: string | null }[] } }>(
      ts,
      'mutation { a: pauseService(name: "svc-00011") { timeline { status endedAt } } b: resumeService(name: "svc-00011") { timeline { status endedAt } } }',
      {},
      admin(),
    );
    const fresh = await gqlOk<{ service: { timeline: unknown[] } }>(ts, '{ service(name: "svc-00011") { timeline { status endedAt } } }', {}, admin());
    expect(answer.b.timeline).toEqual(fresh.service.timeline);
    expect(answer.b.timeline).not.toEqual(answer.a.timeline);
  });

  it('pages uptimeTimeline and refuses it unpaged above 10,000', async () => {
    const refused = await gql(ts, '{ uptimeTimeline { service { name } } }', {}, admin());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    const page = await gqlOk<{ uptimeTimeline: { service: { name: string } }[] }>(ts, '{ uptimeTimeline(first: 50, offset: 10) { service { name } windows { status } uptime } }', {}, admin());
    expect(page.uptimeTimeline).toHaveLength(50);
    const one = await gqlOk<{ uptimeTimeline: { service: { name: string } }[] }>(ts, '{ uptimeTimeline(service: "svc-00003") { service { name } } }', {}, admin());
    expect(one.uptimeTimeline.map((r) => r.service.name)).toEqual(['svc-00003']);
  });

  it('bounds per-service history under a list: the reads beyond the request’s budget are refused before their query, naming the field', async () => {
    const first = 1000;
    const perRead = QUERY_UNITS + first;
    const allowed = Math.floor(HISTORY_BUDGET / perRead);
    let result: Awaited<ReturnType<typeof gql>> | undefined;
    const queries = await statementsDuring(/from health_checks/, async () => {
      result = await gql(ts, `{ services(first: 1000) { name recentChecks(first: ${first}) { checks { status } } } }`, {}, admin());
    });
    expect(queries).toBe(allowed);
    const errors = result!.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'recentChecks' } });
    expect(errors[0].message).toMatch(/more service history than one request may read/);

    // Each field takes from one budget: latency series of a day (289 points) and windows too.
    const mixed = await statementsDuring(/from health_rollups_5m|from uptime_records/, async () => {
      const answer = await gql(ts, '{ services(first: 200) { name latencySeries { at } timeline { status } } }', {}, admin());
      expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    });
    expect(mixed).toBeLessThan(HISTORY_BUDGET / QUERY_UNITS);

    // The next request has its own budget: the dashboard's service page is well within it.
    const detail = await gqlOk<{ service: { name: string } }>(
      ts,
      `{ service(name: "svc-00001") { name uptime { last24h { ratio } last7d { ratio } last30d { ratio } } latencySeries { at } timeline { status } recentChecks(first: 20) { checks { status } } } }`,
      {},
      admin(),
    );
    expect(detail.service.name).toBe('svc-00001');
    // Per-service uptime takes a query's worth each: 500 services' three ranges are beyond the budget.
    const uptimes = await gql(ts, '{ services(first: 500) { uptime { last24h { ratio } last7d { ratio } last30d { ratio } } } }', {}, admin());
    expect(uptimes.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('bounds one service’s status windows: more than the budget holds is refused, naming the field; a narrower range answers', async () => {
    const id = (await sql.query<{ id: number }>("select id from services where name = 'svc-00002'")).rows[0].id;
    const count = HISTORY_BUDGET;
    // `count` windows of 10 s each, ending an hour ago.
    await sql.query(
      `insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
       select $1, case when i % 2 = 0 then 'down' else 'healthy' end,
              now() - interval '1 hour' - (($2 - i) * interval '10 seconds'), now() - interval '1 hour' - (($2 - i - 1) * interval '10 seconds'), 10000
         from generate_series(0, $2 - 1) as i`,
      [id, count],
    );
    const from = new Date(Date.now() - 30 * 86400_000).toISOString();
    const refused = await gql(ts, 'query($from: DateTime) { service(name: "svc-00002") { timeline(from: $from) { status } } }', { from }, admin());
    expect(refused.errors?.[0]).toMatchObject({ path: ['service', 'timeline'], extensions: { code: 'BAD_USER_INPUT', field: 'timeline' } });
    const narrow = await gqlOk<{ service: { timeline: unknown[] } }>(
      ts,
      'query($from: DateTime!, $to: DateTime!) { service(name: "svc-00002") { timeline(from: $from, to: $to) { status } } }',
      { from: new Date(Date.now() - 3600_000 - 1000 * 10_000).toISOString(), to: new Date(Date.now() - 3600_000).toISOString() },
      admin(),
    );
    expect(narrow.service.timeline.length).toBeGreaterThan(900);
    expect(narrow.service.timeline.length).toBeLessThan(1010);
    // uptimeTimeline lists the latest 200 of a service's windows, says so, and computes its uptime from all of its time.
    const all = await gqlOk<{ uptimeTimeline: { windows: { status: string }[]; windowsCut: boolean; uptime: number }[] }>(
      ts,
      'query($from: DateTime) { uptimeTimeline(service: "svc-00002", from: $from) { windows { status } windowsCut uptime } }',
      { from },
      admin(),
    );
    expect(all.uptimeTimeline[0].windows).toHaveLength(TIMELINE_WINDOWS_PER_SERVICE);
    expect(all.uptimeTimeline[0].windowsCut).toBe(true);
    expect(all.uptimeTimeline[0].uptime).toBeCloseTo(0.5, 2); // half down, half healthy: every window counted

    // Reads at once (aliases, each its own range) cannot each see the whole budget: they run one after
    // another, and once one is refused the budget is spent (regression: 20 aliases read 704,343 rows against 50,000).
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: service(name: "svc-00002") { timeline(from: "${new Date(Date.parse(from) + i).toISOString()}") { status } }`).join(' ');
    const read = await readDuring(/from uptime_records/, async () => {
      const answer = await gql(ts, `{ ${aliases} }`, {}, admin());
      expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'timeline' } });
    });
    expect(read.statements).toBeGreaterThan(1);
    expect(read.rows).toBeLessThanOrEqual(HISTORY_BUDGET + 1);
    // The same through a list's timelines: one statement for the list, cut at the budget.
    const listed = await readDuring(/from uptime_records/, async () => {
      const answer = await gql(ts, 'query($from: DateTime) { services(filter: { text: "svc-0000" }) { timeline(from: $from) { status } } }', { from }, admin());
      expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'timeline' } });
    });
    expect(listed.statements).toBe(2); // the list's 24 h time in status, and every timeline of it
    expect(listed.rows).toBeLessThanOrEqual(HISTORY_BUDGET + 1);
  });

  it("charges a latency series the raw checks it reads, not its service's interval (regression: a service pinged many times a second was charged as checked once a minute)", async () => {
    const id = (await sql.query<{ id: number }>("select id from services where name = 'svc-00004'")).rows[0].id; // checked hourly
    // 60,000 checks over the last 6 hours (a ping every 0.36 s), ending a minute ago.
    await sql.query(
      `insert into health_checks (checked_at, service_id, outcome)
       select now() - interval '1 minute' - i * interval '360 milliseconds', $1, 5 * 4 from generate_series(0, 59999) as i`,
      [id],
    );
    const q = 'query($from: DateTime!, $to: DateTime!) { service(name: "svc-00004") { latencySeries(from: $from, to: $to) { at healthy } } }';
    const to = new Date();
    const sixHours = { from: new Date(to.getTime() - 6 * 3600_000).toISOString(), to: to.toISOString() };
    // Not rolled up yet: per minute or per five minutes, more raw checks than one request may read.
    const refused = await readDuring(/from health_checks/, async () => {
      const answer = await gql(ts, q, sixHours, admin());
      expect(answer.errors?.[0]).toMatchObject({ path: ['service', 'latencySeries'], extensions: { code: 'BAD_USER_INPUT', field: 'latencySeries' } });
      expect(answer.errors?.[0].message).toMatch(/more service history than one request may read/);
    });
    // Each read stopped at what the budget had left: per minute, then per five minutes.
    expect(refused.statements).toBe(2);
    expect(refused.rows).toBeLessThan(2 * 361);
    // An hour of them (its last 59 minutes: about 9,834) answers per minute, each minute's checks counted.
    const hour = await gqlOk<{ service: { latencySeries: { healthy: number }[] } }>(ts, q, { from: new Date(to.getTime() - 3600_000).toISOString(), to: to.toISOString() }, admin());
    const counted = hour.service.latencySeries.reduce((n, p) => n + p.healthy, 0);
    expect(counted).toBeGreaterThan(9_600);
    expect(counted).toBeLessThanOrEqual(9_834);
    // Rolled up, the 6 hours answer per five minutes (every check counted once), not refused.
    await rollUpRecent(ts.server.app.sql, new Date(), { rawRetentionDays: 14, from: new Date(to.getTime() - 7 * 3600_000) });
    const rolled = await gqlOk<{ service: { latencySeries: { at: string; healthy: number }[] } }>(ts, q, sixHours, admin());
    const points = rolled.service.latencySeries;
    expect(points.length).toBeGreaterThan(60);
    expect(points.length).toBeLessThanOrEqual(73);
    expect(points.slice(1).every((p, i) => (Date.parse(p.at) - Date.parse(points[i].at)) % 300_000 === 0)).toBe(true);
    const firstBucket = new Date(Math.ceil((to.getTime() - 6 * 3600_000) / 300_000) * 300_000);
    const { rows } = await sql.query<{ n: number }>('select count(*)::int as n from health_checks where service_id = $1 and checked_at >= $2 and checked_at < $3', [id, firstBucket, to]);
    expect(points.reduce((n, p) => n + p.healthy, 0)).toBe(rows[0].n);
  });
});
