/**
 * Regression (issue 15, siblings of the unbounded reads): maintenance windows are kept once ended,
 * for the record, so they grow with every window anyone plans, and every read loaded them all —
 * `maintenanceWindows(includeEnded: true)` each with its occurrences worked out, and the uptime of
 * any range and every status page, each time. The API's list is now paged (refused past 10,000
 * without `first`), in force and upcoming first, then the latest ended; reads of a range load only
 * the windows that can overlap it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWindows, loadWindowsOverlapping } from '../../server/alerting/maintenance.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('maintenance windows kept once ended', () => {
  let ts: TestServer;
  let now: Date;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    now = ts.server.app.clock.now();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const { sql } = ts.server.app;
    // 10,000 one-off windows that ran out, one a day going back (ended-0 the latest) …
    await sql.query(
      `insert into maintenance_windows (name, everything, starts_at, ends_at, source, created_at)
       select 'ended-' || g, true, $1::timestamptz - (g + 1) * interval '1 day', $1::timestamptz - (g + 1) * interval '1 day' + interval '1 hour', 'api', $1
         from generate_series(0, 9999) g`,
      [now],
    );
    // … one ended early yesterday, one in force, two to come, and a weekly rule.
    await sql.query(
      `insert into maintenance_windows (name, everything, starts_at, ends_at, ended_at, rrule, duration_ms, source, created_at) values
         ('ended-early', true, $1, $2, $3, null, null, 'api', $7),
         ('active', true, $4, $5, null, null, null, 'api', $7),
         ('later', true, $6, $6::timestamptz + interval '1 hour', null, null, null, 'api', $7),
         ('sooner', true, $5, $6, null, null, null, 'api', $7),
         ('weekly', false, $1, null, null, 'FREQ=WEEKLY', 3600000, 'api', $7),
         ('ran-out-then-ended', true, $8, $9, $10, null, null, 'api', $7)`,
      // ran-out-then-ended ran out 49 hours ago and was ended by hand an hour ago: it ended 49 hours ago.
      [at(-30 * HOUR), at(-10 * HOUR), at(-20 * HOUR), at(-HOUR), at(HOUR), at(2 * DAY), now, at(-50 * HOUR), at(-49 * HOUR), at(-HOUR)],
    );
  });
  afterAll(() => ts?.close());

  const list = (args: string) => gql<{ maintenanceWindows: { name: string; active: boolean }[] }>(ts, `{ maintenanceWindows${args} { name active } }`, {}, { token: ts.adminToken });

  it('refuses more than 10,000 without `first`, naming it', async () => {
    const result = await list('(includeEnded: true)');
    expect(result.errors?.[0].message).toMatch(/first/);
    expect(result.errors?.[0].message).toMatch(/10,000 maintenance windows/);
    expect(result.data?.maintenanceWindows ?? null).toBeNull();
  });

  it('lists those in force or to come by start, then the ended ones, the latest ended first, a page at a time', async () => {
    const first = await gqlOk<{ maintenanceWindows: { name: string; active: boolean }[] }>(ts, '{ maintenanceWindows(includeEnded: true, first: 7) { name active } }', {}, { token: ts.adminToken });
    expect(first.maintenanceWindows.map((w) => w.name)).toEqual(['weekly', 'active', 'sooner', 'later', 'ended-early', 'ended-0', 'ended-1']);
    expect(first.maintenanceWindows.find((w) => w.name === 'active')?.active).toBe(true);
    const next = await gqlOk<{ maintenanceWindows: { name: string }[] }>(ts, '{ maintenanceWindows(includeEnded: true, first: 2, offset: 7) { name } }', {}, { token: ts.adminToken });
    expect(next.maintenanceWindows.map((w) => w.name)).toEqual(['ran-out-then-ended', 'ended-2']);
    const bad = await list('(includeEnded: true, first: 10001)');
    expect(bad.errors?.[0].message).toMatch(/first.*0 to 10000|Give 0 to 10000/);
  });

  it('lists only those in force or to come without `includeEnded`, unpaged', async () => {
    const result = await gqlOk<{ maintenanceWindows: { name: string }[] }>(ts, '{ maintenanceWindows { name } }', {}, { token: ts.adminToken });
    expect(result.maintenanceWindows.map((w) => w.name)).toEqual(['weekly', 'active', 'sooner', 'later']);
  });

  it("gives the alerting pass only the windows that can silence anything from now on (one-off windows that ran out stay in the table)", async () => {
    expect((await loadWindows(ts.server.app.sql, { liveAt: now })).map((w) => w.name)).toEqual(['weekly', 'active', 'sooner', 'later']);
  });

  it('reads for a range only the windows that can overlap it', async () => {
    const names = async (from: number, to: number) =>
      (await loadWindowsOverlapping(ts.server.app.sql, new Date(now.getTime() + from), new Date(now.getTime() + to))).map((w) => w.name).sort();
    // The last day: the window in force, the rule, the one ended early yesterday, and ended-0 (ran out 23 hours ago).
    expect(await names(-DAY, 0)).toEqual(['active', 'ended-0', 'ended-early', 'weekly']);
    // Three days ahead: what is to come, and what is in force now.
    expect(await names(0, 3 * DAY)).toEqual(['active', 'later', 'sooner', 'weekly']);
    // A day a year ago: the one window of that day (the rule began 30 hours ago).
    expect(await names(-366 * DAY, -365 * DAY)).toEqual(['ended-365']);
  });
});
