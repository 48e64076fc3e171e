/** Monitoring reads against a real server: `services` filters, `recentChecks` paging, overall uptime over 24 h / 7 d / 30 d. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type PageArgs = { first?: number; before?: string | null; since?: string };
/** One page of a service's recent checks, as the API gives it. */
const checksPage = async (ts: TestServer, service: string, args: PageArgs) =>
  (
    await gqlOk<{ service: { recentChecks: CheckPage } }>(
      ts,
      'query($name: String!, $first: Int, $before: DateTime, $since: DateTime) { service(name: $name) { recentChecks(first: $first, before: $before, since: $since) { checks { checkedAt status latencyMs error } hasNextPage endCursor } } }',
      { name: service, ...args },
      { token: ts.adminToken },
    )
  ).service.recentChecks;

const CreateService = 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }';

interface ServiceRow {
  name: string;
  displayName: string;
  kind: string;
  target: string;
  tags: string[];
}

describe('services(filter)', () => {
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  const services = async (filter?: Record<string, unknown>) =>
    (await gqlOk<{ services: ServiceRow[] }>(ts, 'query($f: ServiceFilter) { services(filter: $f) { name displayName kind target tags } }', { f: filter }, admin())).services;
  const names = async (filter?: Record<string, unknown>) => (await services(filter)).map((s) => s.name);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    // Nothing listens on port 9, but no check runs: the scheduler is off (and the intervals are long).
    const inputs = [
      { name: 'api-eu', displayName: 'Public API (EU)', kind: 'http', target: 'http://127.0.0.1:9/eu/health', tags: ['eu', 'public'], interval: '1h' },
      { name: 'api-us', displayName: 'Public API (US)', kind: 'http', target: 'http://127.0.0.1:9/us/health', tags: ['us', 'public'], interval: '1h' },
      { name: 'orders-db', displayName: 'Orders database', kind: 'tcp', target: '127.0.0.1:9', tags: ['eu', 'internal'], interval: '1h' },
      { name: 'cache', displayName: 'Session cache', kind: 'redis', target: 'redis://127.0.0.1:9', tags: ['europe', 'internal'], interval: '1h' },
      { name: 'batch_jobs', displayName: 'Batch jobs', kind: 'heartbeat', target: 'push', tags: ['internal'], options: { period: '1h', grace: '5m' } },
    ];
    for (const input of inputs) await gqlOk(ts, CreateService, { input }, admin());
  });
  afterAll(() => ts?.close());

  it('lists every service by name without a filter (the five built-ins and the five created)', async () => {
    expect(await names()).toEqual(['api-eu', 'api-us', 'batch_jobs', 'cache', 'event-bus', 'filesystem', 'host', 'lookout', 'orders-db', 'postgres']);
  });

  it('filters by tag: the services carrying exactly that tag, not a tag that merely contains it', async () => {
    expect(await names({ tag: 'eu' })).toEqual(['api-eu', 'orders-db']);
    expect(await names({ tag: 'public' })).toEqual(['api-eu', 'api-us']);
    expect(await names({ tag: 'internal' })).toEqual(['batch_jobs', 'cache', 'orders-db']);
    expect(await names({ tag: 'europe' })).toEqual(['cache']);
    expect(await names({ tag: 'lookout' })).toEqual(['event-bus', 'filesystem', 'host', 'lookout', 'postgres']);
    expect(await names({ tag: 'e' })).toEqual([]);
    for (const s of await services({ tag: 'internal' })) expect(s.tags).toContain('internal');
  });

  it('filters by kind', async () => {
    const http = await services({ kind: 'http' });
    expect(http.map((s) => s.name)).toEqual(['api-eu', 'api-us']);
    expect(http.every((s) => s.kind === 'http')).toBe(true);
    expect(await names({ kind: 'tcp' })).toEqual(['orders-db']);
    expect(await names({ kind: 'redis' })).toEqual(['cache']);
    expect(await names({ kind: 'postgres' })).toEqual(['postgres']);
    expect(await names({ kind: 'websocket' })).toEqual([]);
  });

  it('combines filters with AND', async () => {
    expect(await names({ tag: 'eu', kind: 'http' })).toEqual(['api-eu']);
    expect(await names({ tag: 'internal', kind: 'tcp' })).toEqual(['orders-db']);
    expect(await names({ tag: 'us', kind: 'tcp' })).toEqual([]);
    expect(await names({ tag: 'public', text: '/us/' })).toEqual(['api-us']);
  });

  it('filters by text in the display name, the target or the name, ignoring case', async () => {
    expect(await names({ text: 'ORDERS data' })).toEqual(['orders-db']); // display name "Orders database"
    expect(await names({ text: 'public api' })).toEqual(['api-eu', 'api-us']);
    expect(await names({ text: '/eu/health' })).toEqual(['api-eu']); // target only
    expect(await names({ text: 'redis://' })).toEqual(['cache']); // target only
    expect(await names({ text: 'ssion cac' })).toEqual(['cache']); // middle of the display name
    expect(await names({ text: 'event-b' })).toEqual(['event-bus']); // name
    expect(await names({ text: 'no such service' })).toEqual([]);
  });

  it('takes % and _ in text literally, not as LIKE wildcards', async () => {
    expect(await names({ text: '_' })).toEqual(['batch_jobs']);
    expect(await names({ text: 'batch_' })).toEqual(['batch_jobs']);
    expect(await names({ text: 'api_eu' })).toEqual([]); // "_" would match the "-" of api-eu as a wildcard
    expect(await names({ text: '%' })).toEqual([]);
  });

  it('agrees with the same filters applied to the unfiltered list', async () => {
    const all = await services();
    const cases: Record<string, string>[] = [{ tag: 'eu' }, { tag: 'internal' }, { kind: 'http' }, { kind: 'heartbeat' }, { text: 'health' }, { text: 'Cache' }, { tag: 'public', kind: 'http', text: 'us' }];
    for (const filter of cases) {
      const expected = all
        .filter((s) => !filter.tag || s.tags.includes(filter.tag))
        .filter((s) => !filter.kind || s.kind === filter.kind)
        .filter((s) => !filter.text || [s.name, s.displayName, s.target].some((v) => v.toLowerCase().includes(filter.text.toLowerCase())))
        .map((s) => s.name);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(await names(filter), JSON.stringify(filter)).toEqual(expected);
    }
  });
});

interface CheckPage {
  checks: { checkedAt: string; status: string; latencyMs: number; error: string | null }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

describe('service(name).recentChecks paging', () => {
  const start = new Date('2026-05-01T12:00:00.000Z');
  const clock = new ManualClock(start);
  let ts: TestServer;
  let target: http.Server;
  let failing = false;
  /** What each recheck returned, in the order they ran (oldest first). */
  const recorded: { checkedAt: string; status: string }[] = [];
  const admin = () => ({ token: ts.adminToken });
  const page = (args: PageArgs) => checksPage(ts, 'paged', args);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    target = http.createServer((_req, res) => {
      res.statusCode = failing ? 503 : 200;
      res.end(failing ? 'unavailable' : 'ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
    await gqlOk(ts, CreateService, { input: { name: 'paged', kind: 'http', target: url, interval: '1h' } }, admin());
    // 7 checks, 90 s apart, the 3rd, 4th and 6th failing.
    for (let i = 0; i < 7; i++) {
      failing = [2, 3, 5].includes(i);
      clock.advance(90_000);
      const { recheckService } = await gqlOk<{ recheckService: { checkedAt: string; status: string } }>(
        ts, 'mutation { recheckService(name: "paged") { checkedAt status } }', {}, admin(),
      );
      recorded.push(recheckService);
    }
    failing = false;
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('recorded seven checks at the times of the clock', () => {
    expect(recorded.map((c) => c.checkedAt)).toEqual(Array.from({ length: 7 }, (_, i) => new Date(start.getTime() + (i + 1) * 90_000).toISOString()));
    expect(recorded.map((c) => c.status)).toEqual(['HEALTHY', 'HEALTHY', 'DOWN', 'DOWN', 'HEALTHY', 'DOWN', 'HEALTHY']);
  });

  it('pages newest first with first/before: no overlap, no gap, and the last page says there is no more', async () => {
    const pages: CheckPage[] = [];
    let before: string | null = null;
    do {
      const p: CheckPage = await page({ first: 3, before });
      pages.push(p);
      before = p.endCursor;
      if (pages.length > 5) throw new Error('paging does not end');
    } while (before);

    expect(pages.map((p) => p.checks.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    // The cursor is the last (oldest) check of its page; the last page has none.
    expect(pages.map((p) => p.endCursor)).toEqual([recorded[4].checkedAt, recorded[1].checkedAt, null]);

    const all = pages.flatMap((p) => p.checks);
    const times = all.map((c) => Date.parse(c.checkedAt));
    expect(new Set(times).size).toBe(all.length); // no check on two pages
    expect(times).toEqual([...times].sort((a, b) => b - a)); // newest first, across pages too
    for (let i = 1; i < pages.length; i++) {
      expect(Date.parse(pages[i].checks[0].checkedAt)).toBeLessThan(Date.parse(pages[i - 1].checks.at(-1)!.checkedAt));
    }
    // Together, exactly the checks recheckService recorded, with their statuses.
    expect(all.map((c) => ({ checkedAt: c.checkedAt, status: c.status }))).toEqual([...recorded].reverse());
    expect(all.filter((c) => c.status === 'DOWN').every((c) => c.error !== null)).toBe(true);
    expect(all.filter((c) => c.status === 'HEALTHY').every((c) => c.error === null)).toBe(true);
  });

  it('pages that divide the checks evenly end without an empty extra page', async () => {
    const whole = await page({ first: 7 });
    expect(whole.checks).toHaveLength(7);
    expect(whole).toMatchObject({ hasNextPage: false, endCursor: null });

    const first = await page({ first: 6 });
    expect(first.hasNextPage).toBe(true);
    const rest = await page({ first: 6, before: first.endCursor });
    expect(rest).toMatchObject({ hasNextPage: false, endCursor: null });
    expect(rest.checks.map((c) => c.checkedAt)).toEqual([recorded[0].checkedAt]);
  });

  it('takes any instant as `before`, and `since` keeps checks at or after it', async () => {
    // Between the 5th and 6th checks: the five oldest, newest first.
    const between = new Date(Date.parse(recorded[4].checkedAt) + 1_000).toISOString();
    const older = await page({ first: 10, before: between });
    expect(older.checks.map((c) => c.checkedAt)).toEqual(recorded.slice(0, 5).map((c) => c.checkedAt).reverse());
    expect(older.hasNextPage).toBe(false);

    const recent = await page({ first: 2, since: recorded[3].checkedAt });
    expect(recent.checks.map((c) => c.checkedAt)).toEqual([recorded[6].checkedAt, recorded[5].checkedAt]);
    expect(recent.hasNextPage).toBe(true);
    const recentRest = await page({ first: 2, since: recorded[3].checkedAt, before: recent.endCursor });
    expect(recentRest.checks.map((c) => c.checkedAt)).toEqual([recorded[4].checkedAt, recorded[3].checkedAt]);
    expect(recentRest.hasNextPage).toBe(false);
  });

  it('refuses a page size below 1', async () => {
    // (Above 1000 the query cost limit refuses the request before the resolver sees it.)
    for (const first of [0, -1]) {
      const result = await gql(ts, `{ service(name: "paged") { recentChecks(first: ${first}) { hasNextPage } } }`, {}, admin());
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });
});

describe('service(name).recentChecks paging with several checks at the same instant', () => {
  // health_checks has no unique key: two rechecks started together, or two heartbeat pings in the
  // same millisecond, store checks at one instant. The clock is stopped, so rechecks between two
  // advances share their instant. Each check answers a distinct HTTP status (500, 501, …), so its
  // error tells it apart from the others at its instant.
  const start = new Date('2026-05-02T08:00:00.000Z');
  const clock = new ManualClock(start);
  let ts: TestServer;
  let target: http.Server;
  let requests = 0;
  /** Checks per instant, oldest instant first: the newest holds three. */
  const groups = [2, 1, 4, 1, 3];
  /** What each recheck returned, oldest first. */
  const recorded: { checkedAt: string; error: string }[] = [];
  const admin = () => ({ token: ts.adminToken });
  const page = (args: PageArgs) => checksPage(ts, 'burst', args);
  /** Follows endCursor from the first page to the last. */
  const allPages = async (first: number, since?: string) => {
    const pages: CheckPage[] = [];
    let before: string | null = null;
    do {
      const p: CheckPage = await page({ first, before, since });
      pages.push(p);
      before = p.endCursor;
      if (pages.length > 20) throw new Error('paging does not end');
    } while (before);
    return pages;
  };
  const instant = (i: number) => new Date(start.getTime() + (i + 1) * 1000).toISOString();

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    target = http.createServer((_req, res) => {
      res.statusCode = 500 + requests++;
      res.end('unavailable');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
    await gqlOk(ts, CreateService, { input: { name: 'burst', kind: 'http', target: url, interval: '1h' } }, admin());
    for (const size of groups) {
      clock.advance(1000);
      for (let i = 0; i < size; i++) {
        const { recheckService } = await gqlOk<{ recheckService: { checkedAt: string; error: string } }>(
          ts, 'mutation { recheckService(name: "burst") { checkedAt error } }', {}, admin(),
        );
        recorded.push(recheckService);
      }
    }
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('recorded the checks in groups sharing an instant, each with its own error', () => {
    expect(recorded.map((c) => c.checkedAt)).toEqual(groups.flatMap((size, i) => Array<string>(size).fill(instant(i))));
    expect(new Set(recorded.map((c) => c.error)).size).toBe(recorded.length);
  });

  it('first: 1 over three checks at one instant returns the three once, then the older checks', async () => {
    const newest = await page({ first: 1 });
    // An instant cannot be split by a cursor that is an instant: the page holds all three.
    expect(newest.checks.map((c) => c.checkedAt)).toEqual(Array(3).fill(instant(4)));
    expect(newest.checks.map((c) => c.error).sort()).toEqual(recorded.slice(-3).map((c) => c.error).sort());
    expect(newest).toMatchObject({ hasNextPage: true, endCursor: instant(4) });

    const next = await page({ first: 1, before: newest.endCursor });
    expect(next.checks.map((c) => c.error)).toEqual([recorded[7].error]); // the one check of the 4th instant
    expect(next).toMatchObject({ hasNextPage: true, endCursor: instant(3) });

    const pages = await allPages(1);
    expect(pages.map((p) => p.checks.length)).toEqual([3, 1, 4, 1, 2]);
    expect(pages.flatMap((p) => p.checks.map((c) => c.error)).sort()).toEqual(recorded.map((c) => c.error).sort());
  });

  it('returns every check exactly once, newest first, whatever the page size', async () => {
    const errors = recorded.map((c) => c.error).sort();
    for (let first = 1; first <= recorded.length + 1; first++) {
      const pages = await allPages(first);
      const all = pages.flatMap((p) => p.checks);
      expect(all.map((c) => c.error).sort(), `first: ${first}`).toEqual(errors);
      const times = all.map((c) => Date.parse(c.checkedAt));
      expect(times, `first: ${first}`).toEqual([...times].sort((a, b) => b - a));
      expect(pages.map((p) => p.hasNextPage), `first: ${first}`).toEqual(pages.map((_, i) => i < pages.length - 1));
      for (const p of pages) {
        expect(p.checks.length, `first: ${first}`).toBeGreaterThan(0);
        // Never more than `first`, unless one instant holds more than `first` checks: then the page is that instant, whole.
        if (p.checks.length > first) expect(new Set(p.checks.map((c) => c.checkedAt)).size, `first: ${first}`).toBe(1);
        if (p.endCursor) expect(p.endCursor).toBe(p.checks.at(-1)!.checkedAt);
      }
      // No instant is split between two pages.
      const pageOf = new Map<string, number>();
      for (const [i, p] of pages.entries()) {
        for (const c of p.checks) {
          expect(pageOf.get(c.checkedAt) ?? i, `first: ${first}, ${c.checkedAt}`).toBe(i);
          pageOf.set(c.checkedAt, i);
        }
      }
    }
  });

  it('stops a page before an instant that would not fit whole', async () => {
    // Newest first: 3 at the 5th instant, 1 at the 4th, 4 at the 3rd. Five would split the 3rd instant's four.
    const p = await page({ first: 5 });
    expect(p.checks.map((c) => c.checkedAt)).toEqual([...Array(3).fill(instant(4)), instant(3)]);
    expect(p).toMatchObject({ hasNextPage: true, endCursor: instant(3) });
    const rest = await page({ first: 5, before: p.endCursor });
    expect(rest.checks.map((c) => c.checkedAt)).toEqual([...Array(4).fill(instant(2)), instant(1)]);
    expect(rest).toMatchObject({ hasNextPage: true, endCursor: instant(1) });
  });

  it('keeps `since` and a plain instant as `before` working with shared instants', async () => {
    // Since the 2nd instant: its check and the newer ones, paged by one.
    const pages = await allPages(1, instant(1));
    expect(pages.map((p) => p.checks.length)).toEqual([3, 1, 4, 1]);
    expect(pages.at(-1)!.checks.map((c) => c.error)).toEqual([recorded[2].error]);
    // Any instant as `before`: a millisecond after the 3rd instant takes its four and what is older.
    const older = await page({ first: 10, before: new Date(Date.parse(instant(2)) + 1).toISOString() });
    expect(older.checks.map((c) => c.error).sort()).toEqual(recorded.slice(0, 7).map((c) => c.error).sort());
    expect(older.hasNextPage).toBe(false);
    // `before` at an instant leaves that instant out.
    const before = await page({ first: 10, before: instant(2) });
    expect(before.checks.map((c) => c.checkedAt)).toEqual([instant(1), instant(0), instant(0)]);
  });
});

interface UptimeReport {
  from: string;
  to: string;
  ratio: number | null;
  time: { healthyMs: number; degradedMs: number; downMs: number; pausedMs: number };
}
type UptimeSummary = Record<'last24h' | 'last7d' | 'last30d', UptimeReport>;

describe('overall uptime over 24 h, 7 d and 30 d', () => {
  // A stopped clock: every range ends at exactly `now`, so each ratio below is exact.
  const now = new Date('2026-05-01T12:00:00.000Z');
  const clock = new ManualClock(now);
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const report = `{ from to ratio time { healthyMs degradedMs downMs pausedMs } }`;
  const uptime = async (service?: string) =>
    (await gqlOk<{ uptime: UptimeSummary }>(ts, `query($s: String) { uptime(service: $s) { last24h ${report} last7d ${report} last30d ${report} } }`, { s: service }, admin())).uptime;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    for (const name of ['alpha', 'beta', 'gamma']) await gqlOk(ts, CreateService, { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '1h' } }, admin());
    const { sql } = ts.server.app;
    const { rows } = await sql.query<{ name: string; id: number }>(`select name, id from services where name = any($1)`, [['alpha', 'beta', 'gamma']]);
    const id = Object.fromEntries(rows.map((r) => [r.name, r.id]));
    const windows: [number, string, Date, Date | null][] = [
      // alpha: healthy 40 d → 10 d ago, down 10 → 8 d, paused 8 → 6 d, degraded 6 → 2 d, healthy since.
      [id.alpha, 'healthy', ago(40 * DAY), ago(10 * DAY)],
      [id.alpha, 'down', ago(10 * DAY), ago(8 * DAY)],
      [id.alpha, 'paused', ago(8 * DAY), ago(6 * DAY)],
      [id.alpha, 'degraded', ago(6 * DAY), ago(2 * DAY)],
      [id.alpha, 'healthy', ago(2 * DAY), null],
      // beta: down 3 d → 6 h ago, healthy since.
      [id.beta, 'down', ago(3 * DAY), ago(6 * HOUR)],
      [id.beta, 'healthy', ago(6 * HOUR), null],
      // gamma: down 60 → 31 d ago, paused since: nothing monitored in any range.
      [id.gamma, 'down', ago(60 * DAY), ago(31 * DAY)],
      [id.gamma, 'paused', ago(31 * DAY), null],
    ];
    // Uptime comes from these windows only: the scheduler is off and nothing was checked.
    expect((await sql.query('select count(*)::int as n from uptime_records')).rows[0].n).toBe(0);
    for (const [serviceId, status, startedAt, endedAt] of windows) {
      await sql.query(`insert into uptime_records (service_id, status, started_at, ended_at, duration_ms) values ($1, $2, $3, $4, $5)`, [
        serviceId, status, startedAt, endedAt, endedAt ? endedAt.getTime() - startedAt.getTime() : null,
      ]);
    }
  });
  afterAll(() => ts?.close());

  it('adds up every service’s time over each range, clipped to it, with the open windows running until now', async () => {
    const { last24h, last7d, last30d } = await uptime();
    expect(last24h.time).toEqual({ healthyMs: 1 * DAY + 6 * HOUR, degradedMs: 0, downMs: 18 * HOUR, pausedMs: 1 * DAY });
    expect(last7d.time).toEqual({ healthyMs: 2 * DAY + 6 * HOUR, degradedMs: 4 * DAY, downMs: 2 * DAY + 18 * HOUR, pausedMs: 1 * DAY + 7 * DAY });
    expect(last30d.time).toEqual({ healthyMs: 22 * DAY + 6 * HOUR, degradedMs: 4 * DAY, downMs: 4 * DAY + 18 * HOUR, pausedMs: 2 * DAY + 30 * DAY });
    expect([last24h, last7d, last30d].map((r) => [r.from, r.to])).toEqual([
      [ago(DAY).toISOString(), now.toISOString()],
      [ago(7 * DAY).toISOString(), now.toISOString()],
      [ago(30 * DAY).toISOString(), now.toISOString()],
    ]);
  });

  it('counts degraded time at half and leaves paused time out of the ratio', async () => {
    const { last24h, last7d, last30d } = await uptime();
    // (healthy + degraded / 2) / (healthy + degraded + down), in hours.
    expect(last24h.ratio).toBeCloseTo(30 / (30 + 18), 12); // 0.625
    expect(last7d.ratio).toBeCloseTo((54 + 96 / 2) / (54 + 96 + 66), 12); // 102 / 216
    expect(last30d.ratio).toBeCloseTo((534 + 96 / 2) / (534 + 96 + 114), 12); // 582 / 744
    // Not degraded at full or no weight, and not paused time counted as up or down.
    expect(last7d.ratio).not.toBeCloseTo((54 + 96) / 216, 3);
    expect(last7d.ratio).not.toBeCloseTo(54 / 216, 3);
    expect(last7d.ratio).not.toBeCloseTo((54 + 48) / (216 + 192), 3);
  });

  it('is the time-weighted whole, not the average of the services’ ratios', async () => {
    const [overall, alpha, beta, gamma] = await Promise.all([uptime(), uptime('alpha'), uptime('beta'), uptime('gamma')]);
    expect(alpha.last30d.time).toEqual({ healthyMs: 22 * DAY, degradedMs: 4 * DAY, downMs: 2 * DAY, pausedMs: 2 * DAY });
    expect(alpha.last30d.ratio).toBeCloseTo((22 + 2) / 28, 12);
    expect(beta.last7d.time).toEqual({ healthyMs: 6 * HOUR, degradedMs: 0, downMs: 2 * DAY + 18 * HOUR, pausedMs: 0 });
    expect(beta.last7d.ratio).toBeCloseTo(6 / 72, 12);
    expect(gamma.last30d).toMatchObject({ ratio: null, time: { healthyMs: 0, degradedMs: 0, downMs: 0, pausedMs: 30 * DAY } });
    for (const range of ['last24h', 'last7d', 'last30d'] as const) {
      for (const key of ['healthyMs', 'degradedMs', 'downMs', 'pausedMs'] as const) {
        expect(overall[range].time[key], `${range} ${key}`).toBe(alpha[range].time[key] + beta[range].time[key] + gamma[range].time[key]);
      }
    }
    expect(overall.last7d.ratio).not.toBeCloseTo((alpha.last7d.ratio! + beta.last7d.ratio!) / 2, 3);
  });

  it('moves with the clock: an hour later the open windows have run an hour longer', async () => {
    clock.advance(HOUR);
    try {
      const { last24h } = await uptime();
      // alpha healthy 24 h; beta healthy 7 h, down 17 h (its down window ended 7 h ago now); gamma paused 24 h.
      expect(last24h.time).toEqual({ healthyMs: 31 * HOUR, degradedMs: 0, downMs: 17 * HOUR, pausedMs: 24 * HOUR });
      expect(last24h.ratio).toBeCloseTo(31 / 48, 12);
    } finally {
      clock.set(now);
    }
  });
});
