import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { timeInStatus, uptimeRatio, timeInStatusByService } from '../../server/monitoring/uptime.ts';
import { timelines } from '../../server/monitoring/overview.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { insertServices } from '../support/services.ts';

const at = (hhmm: string) => new Date(`2026-05-01T${hhmm}:00Z`);
const MIN = 60_000;

describe('uptime arithmetic (time-based)', () => {
  it('is 99.3056% for 10 minutes down in a day, however often it was checked', () => {
    const windows = [
      { status: 'healthy', startedAt: at('00:00'), endedAt: at('12:00') },
      { status: 'down', startedAt: at('12:00'), endedAt: at('12:10') },
      { status: 'healthy', startedAt: at('12:10'), endedAt: null },
    ];
    const time = timeInStatus(windows, at('00:00'), new Date('2026-05-02T00:00:00Z'), new Date('2026-05-02T00:00:00Z'));
    expect(time).toEqual({ healthyMs: (24 * 60 - 10) * MIN, degradedMs: 0, downMs: 10 * MIN, pausedMs: 0, maintenanceMs: 0 });
    expect(uptimeRatio(time, 0.5)).toBeCloseTo(1430 / 1440, 10);
  });

  it('counts degraded time at its weight and leaves paused time out', () => {
    const windows = [
      { status: 'healthy', startedAt: at('00:00'), endedAt: at('01:00') },
      { status: 'degraded', startedAt: at('01:00'), endedAt: at('02:00') },
      { status: 'paused', startedAt: at('02:00'), endedAt: at('05:00') },
      { status: 'down', startedAt: at('05:00'), endedAt: at('06:00') },
    ];
    const time = timeInStatus(windows, at('00:00'), at('06:00'), at('06:00'));
    expect(time.pausedMs).toBe(180 * MIN);
    expect(uptimeRatio(time, 0.5)).toBeCloseTo((60 + 30) / 180, 10);
    expect(uptimeRatio(time, 0)).toBeCloseTo(60 / 180, 10);
    expect(uptimeRatio(time, 1)).toBeCloseTo(120 / 180, 10);
  });

  it('leaves time under maintenance out, like paused time, whatever the status then', () => {
    const windows = [
      { status: 'healthy', startedAt: at('00:00'), endedAt: at('01:00') },
      { status: 'down', startedAt: at('01:00'), endedAt: at('02:00') },
      { status: 'paused', startedAt: at('02:00'), endedAt: at('03:00') },
      { status: 'healthy', startedAt: at('03:00'), endedAt: null },
    ];
    // 00:50–01:40 and 02:30–03:10 under maintenance: paused time stays paused.
    const maintenance: [number, number][] = [[at('00:50').getTime(), at('01:40').getTime()], [at('02:30').getTime(), at('03:10').getTime()]];
    const time = timeInStatus(windows, at('00:00'), at('04:00'), at('04:00'), maintenance);
    expect(time).toEqual({ healthyMs: (50 + 50) * MIN, degradedMs: 0, downMs: 20 * MIN, pausedMs: 60 * MIN, maintenanceMs: (10 + 40 + 10) * MIN });
    expect(uptimeRatio(time, 0.5)).toBeCloseTo(100 / 120, 10);
  });

  it('clips windows to the range and runs the open one until now', () => {
    const windows = [
      { status: 'down', startedAt: at('00:00'), endedAt: at('03:00') },
      { status: 'healthy', startedAt: at('03:00'), endedAt: null },
    ];
    const time = timeInStatus(windows, at('02:00'), at('06:00'), at('04:00'));
    expect(time).toMatchObject({ downMs: 60 * MIN, healthyMs: 60 * MIN });
  });

  it('has no uptime for a range with no monitored time', () => {
    expect(uptimeRatio({ healthyMs: 0, degradedMs: 0, downMs: 0, pausedMs: 5, maintenanceMs: 5 }, 0.5)).toBeNull();
  });
});

describe('uptime in PostgreSQL and over the API', () => {
  let ts: TestServer;
  let serviceId: number;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await gqlOk(ts, 'mutation { createService(input: { name: "windowed", kind: "tcp", target: "127.0.0.1:9" }) { name } }', {}, { token: ts.adminToken });
    const { rows } = await ts.server.app.sql.query('select id from services where name = $1', ['windowed']);
    serviceId = rows[0].id;
    const now = Date.now();
    const ago = (minutes: number) => new Date(now - minutes * MIN);
    await ts.server.app.sql.query(
      `insert into uptime_records (service_id, status, started_at, ended_at, duration_ms) values
        ($1, 'healthy', $2, $3, 0), ($1, 'down', $3, $4, 0), ($1, 'degraded', $4, $5, 0), ($1, 'healthy', $5, null, null)`,
      [serviceId, ago(26 * 60), ago(120), ago(60), ago(30)],
    );
  });
  afterAll(() => ts?.close());

  it('adds up time in each status over the last 24 h in one query', async () => {
    const now = new Date();
    const map = await timeInStatusByService(ts.server.app.sql, new Date(now.getTime() - 24 * 3600_000), now, now);
    const time = map.get(serviceId)!;
    expect(time.downMs / MIN).toBeCloseTo(60, 0);
    expect(time.degradedMs / MIN).toBeCloseTo(30, 0);
    expect((time.healthyMs + time.downMs + time.degradedMs) / MIN).toBeCloseTo(24 * 60, 0);
  });

  it('reports 24 h uptime through the API: (1350 + 15) / 1440 minutes', async () => {
    const data = await gqlOk<{ uptime: { last24h: { ratio: number } } }>(ts, '{ uptime(service: "windowed") { last24h { ratio } } }', {}, { token: ts.adminToken });
    expect(data.uptime.last24h.ratio).toBeCloseTo((1350 + 15) / 1440, 3);
  });

  it('leaves a maintenance window out of uptime and shows it on the timeline', async () => {
    // The hour down (120 to 60 minutes ago) was planned: with it left out, only the degraded half hour counts.
    const start = new Date(Date.now() - 125 * MIN).toISOString();
    const end = new Date(Date.now() - 55 * MIN).toISOString();
    await gqlOk(ts, `mutation { createMaintenanceWindow(input: { name: "planned", services: ["windowed"], start: "${start}", end: "${end}" }) { id } }`, {}, { token: ts.adminToken });
    const data = await gqlOk<{ uptime: { last24h: { ratio: number; time: { maintenanceMs: number } } }; uptimeTimeline: { maintenance: { window: string }[]; uptime: number }[] }>(
      ts,
      '{ uptime(service: "windowed") { last24h { ratio time { maintenanceMs } } } uptimeTimeline(service: "windowed") { maintenance { window } uptime } }',
      {},
      { token: ts.adminToken },
    );
    expect(data.uptime.last24h.time.maintenanceMs / MIN).toBeCloseTo(70, 0);
    // Left: 1345 min healthy and 25 degraded (at half weight) of 1370 monitored.
    expect(data.uptime.last24h.ratio).toBeCloseTo((1345 + 12.5) / 1370, 3);
    expect(data.uptimeTimeline[0].maintenance).toEqual([{ window: 'planned' }]);
    expect(data.uptimeTimeline[0].uptime).toBeCloseTo(data.uptime.last24h.ratio, 3);
    await ts.server.app.sql.query("delete from maintenance_windows where name = 'planned'");
  });

  it('gives each of many services under windows covering them its own time (regression: each covered service filtered every status window read: quadratic, tens of seconds of the event loop at 100,000 services)', async () => {
    const sql = ts.server.app.sql;
    const now = Date.now();
    const ago = (minutes: number) => new Date(now - minutes * MIN);
    // 3,000 services tagged "fleet", service i down for (i % 50) minutes, two to one hour ago; healthy otherwise.
    const ids = await insertServices(sql, Array.from({ length: 3000 }, (_, n) => `fleet-${n}`), { tags: ['fleet'], paused: true });
    const fleet = [...ids].map(([name, id]) => ({ id, n: Number(name.slice(6)) }));
    await sql.query(
      `insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
       select f.id, w.status, w.started_at, w.ended_at, 0
         from unnest($1::int[], $2::int[]) as f(id, n),
         lateral (values ('healthy', $3::timestamptz, $4::timestamptz),
                         ('down', $4::timestamptz, $4::timestamptz + (f.n % 50) * interval '1 minute'),
                         ('healthy', $4::timestamptz + (f.n % 50) * interval '1 minute', null::timestamptz)) as w(status, started_at, ended_at)`,
      [fleet.map((f) => f.id), fleet.map((f) => f.n), ago(26 * 60), ago(120)],
    );
    // Planned: the whole fleet by its tag, 180 to 125 minutes ago (before any was down); and one by its name, the last half hour.
    await gqlOk(ts, `mutation { a: createMaintenanceWindow(input: { name: "fleet-wide", tags: ["fleet"], start: "${ago(180).toISOString()}", end: "${ago(125).toISOString()}" }) { id }
      b: createMaintenanceWindow(input: { name: "one", services: ["fleet-7"], start: "${ago(30).toISOString()}", end: "${new Date(now + 60 * MIN).toISOString()}" }) { id } }`, {}, { token: ts.adminToken });
    try {
      const nowDate = new Date(now);
      const map = await timeInStatusByService(sql, ago(24 * 60), nowDate, nowDate);
      for (const { id, n } of fleet) {
        const time = map.get(id)!;
        expect(time.downMs / MIN, `fleet-${n}`).toBeCloseTo(n % 50, 3);
        expect(time.maintenanceMs / MIN, `fleet-${n}`).toBeCloseTo(n === 7 ? 55 + 30 : 55, 3);
        expect((time.healthyMs + time.downMs + time.maintenanceMs) / MIN, `fleet-${n}`).toBeCloseTo(24 * 60, 3);
      }
    } finally {
      await sql.query("delete from maintenance_windows where name in ('fleet-wide', 'one')");
      await sql.query("delete from services where name like 'fleet-%'");
    }
  });

  it('takes maintenance out in PostgreSQL, per service and status, without reading the covered services’ windows (regression: every covered service’s windows were read again and walked in the process: every service’s at 100,000 under one window over everything)', async () => {
    const sql = ts.server.app.sql;
    const now = Date.now();
    const ago = (minutes: number) => new Date(now - minutes * MIN);
    // 400 services, each with 24 alternating one-hour windows over the last day (healthy, then down, …).
    const ids = [...(await insertServices(sql, Array.from({ length: 400 }, (_, n) => `flat-${n}`), { tags: ['flat'], paused: true })).values()];
    await sql.query(
      `insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
       select id, case when h % 2 = 0 then 'healthy' else 'down' end, $2::timestamptz + h * interval '1 hour',
              case when h = 23 then null else $2::timestamptz + (h + 1) * interval '1 hour' end, 0
         from unnest($1::int[]) as id, generate_series(0, 23) as h`,
      [ids, ago(24 * 60)],
    );
    // Over everything: 90 minutes from 10 hours ago (half of one healthy hour, a down hour).
    await gqlOk(ts, `mutation { createMaintenanceWindow(input: { name: "everything", all: true, start: "${ago(600).toISOString()}", end: "${ago(510).toISOString()}" }) { id } }`, {}, { token: ts.adminToken });
    const pool = sql as unknown as { query: (...a: unknown[]) => Promise<{ rows: unknown[] }> };
    const original = pool.query;
    let largest = 0;
    pool.query = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      if (/uptime_records/.test(String(args[0]))) largest = Math.max(largest, result.rows.length);
      return result;
    };
    try {
      const nowDate = new Date(now);
      const map = await timeInStatusByService(sql, ago(24 * 60), nowDate, nowDate, ids);
      // No statement returned windows: at most a row per service and status (24 windows each were 9,600).
      expect(largest).toBeLessThanOrEqual(ids.length * 2);
      const expected = timeInStatus(
        Array.from({ length: 24 }, (_, h) => ({ status: h % 2 === 0 ? 'healthy' : 'down', startedAt: new Date(ago(24 * 60).getTime() + h * 60 * MIN), endedAt: h === 23 ? null : new Date(ago(24 * 60).getTime() + (h + 1) * 60 * MIN) })),
        ago(24 * 60), nowDate, nowDate, [[ago(600).getTime(), ago(510).getTime()]],
      );
      for (const id of ids) {
        const time = map.get(id)!;
        expect(time.maintenanceMs / MIN).toBeCloseTo(expected.maintenanceMs / MIN, 3);
        expect(time.healthyMs / MIN).toBeCloseTo(expected.healthyMs / MIN, 3);
        expect(time.downMs / MIN).toBeCloseTo(expected.downMs / MIN, 3);
      }
      expect(expected.maintenanceMs / MIN).toBeCloseTo(90, 3);
    } finally {
      pool.query = original;
      await sql.query("delete from maintenance_windows where name = 'everything'");
      await sql.query("delete from services where name like 'flat-%'");
    }
  });

  it('reads monitoredSince for a whole list in one statement (regression: one query per service, 100,000 for REST\'s all-services read)', async () => {
    const sql = ts.server.app.sql;
    const ids = await insertServices(sql, Array.from({ length: 30 }, (_, i) => `since-${i + 1}`), { paused: true });
    await sql.query(
      `insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
       select id, 'healthy', now() - n * interval '1 hour', null, null from unnest($1::int[], $2::int[]) as u(id, n) where n <= 20`,
      [[...ids.values()], [...ids.keys()].map((name) => Number(name.slice(6)))],
    );
    const statements: string[] = [];
    const query = sql.query.bind(sql);
    const spy = vi.spyOn(sql, 'query').mockImplementation(((text: unknown, ...rest: unknown[]) => {
      if (typeof text === 'string') statements.push(text);
      return (query as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof sql.query);
    try {
      const { services } = await gqlOk<{ services: { name: string; monitoredSince: string | null }[] }>(ts, '{ services { name monitoredSince } }', {}, { token: ts.adminToken });
      const since = new Map(services.filter((s) => s.name.startsWith('since-')).map((s) => [s.name, s.monitoredSince]));
      expect(since.size).toBe(30);
      for (const [name, at] of since) {
        const n = Number(name.slice(6));
        if (n > 20) expect(at, name).toBeNull();
        else expect(Math.round((Date.now() - Date.parse(at!)) / 3_600_000), name).toBe(n);
      }
      expect(statements.filter((t) => /min\(started_at\)/.test(t))).toHaveLength(1);
    } finally {
      spy.mockRestore();
      await sql.query("delete from services where name like 'since-%'");
    }
  });

  it('returns the timeline clipped to the range', async () => {
    const now = new Date();
    const from = new Date(now.getTime() - 90 * MIN);
    const windows = (await timelines(ts.server.app.sql, from, now, now, [serviceId])).get(serviceId)!;
    expect(windows.map((w) => w.status)).toEqual(['down', 'degraded', 'healthy']);
    expect(windows[0].startedAt.getTime()).toBe(from.getTime());
    expect(windows.at(-1)!.endedAt).toBeNull();
  });
});
