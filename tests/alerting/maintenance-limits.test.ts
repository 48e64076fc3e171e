/**
 * Regression (found by an attack review): the `maintenance:` section had no bound, and every read
 * of uptime asked each service of each window: 20,000 hourly windows held the server 11 s a query
 * (/health answered 503 meanwhile). Windows are now at most MAX_MAINTENANCE_WINDOWS in the file and
 * as many in force or to come through the API, each refused naming the bound; and the windows
 * covering a service are found through an index (coveringIndex), the same as asking each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MAINTENANCE_WINDOWS, maintenanceSection } from '../../server/alerting/config-file.ts';
import { covers, coveringIndex, type StoredWindow } from '../../server/alerting/maintenance.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const now = new Date('2026-12-06T10:00:00Z');
const window = (i: number) => ({ name: `w${i}`, all: true, rrule: 'FREQ=HOURLY', duration: '5m' });

describe('how many maintenance windows there may be', () => {
  it(`refuses a file with more than ${MAX_MAINTENANCE_WINDOWS}, naming the bound`, () => {
    const found: string[] = [];
    maintenanceSection(() => now).parse({ file: 'lookout.yaml', values: { maintenance: Array.from({ length: MAX_MAINTENANCE_WINDOWS + 1 }, (_, i) => window(i)) }, entries: {} }, found);
    expect(found).toEqual([`maintenance: at most ${MAX_MAINTENANCE_WINDOWS} windows, got ${MAX_MAINTENANCE_WINDOWS + 1} (one window may cover many services, by name, tag or all)`]);
    const fine: string[] = [];
    maintenanceSection(() => now).parse({ file: 'lookout.yaml', values: { maintenance: Array.from({ length: 3 }, (_, i) => window(i)) }, entries: {} }, fine);
    expect(fine).toEqual([]);
  });

  describe('through the API', () => {
    let ts: TestServer;
    beforeAll(async () => {
      ts = await startTestServer({ runScheduler: false });
      await ts.server.app.sql.query(
        `insert into maintenance_windows (name, services, tags, everything, starts_at, rrule, duration_ms, source, created_by, created_at)
         select 'bulk-' || n, '{}', '{}', true, now(), 'FREQ=HOURLY', 300000, 'api', 'test', now() from generate_series(1, $1::int) as n`,
        [MAX_MAINTENANCE_WINDOWS - 1],
      );
    });
    afterAll(() => ts?.close());
    const create = (name: string) => gql(ts, 'mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { name } }', { i: { name, all: true, rrule: 'FREQ=DAILY', duration: '10m' } }, { token: ts.adminToken });

    it(`takes windows up to ${MAX_MAINTENANCE_WINDOWS} in force or to come, then refuses one more, naming why`, async () => {
      expect((await create('last-allowed')).errors).toBeUndefined();
      const refused = await create('one-too-many');
      expect(refused.errors?.[0].extensions?.code).toBe('CONFLICT');
      expect(refused.errors?.[0].message).toContain(`the most there may be (${MAX_MAINTENANCE_WINDOWS})`);
      // Ending one makes room.
      await ts.server.app.sql.query(`update maintenance_windows set ended_at = now() where name = 'bulk-1'`);
      expect((await create('one-too-many')).errors).toBeUndefined();
      const { uptime } = await gqlOk<{ uptime: { last24h: { ratio: number | null } } }>(ts, '{ uptime { last24h { ratio } } }', {}, { token: ts.adminToken });
      expect(uptime).toBeDefined();
    });
  });
});

describe('the windows covering a service', () => {
  it('are the ones each window says it covers, in order', () => {
    const base = { id: 0, name: '', services: [] as string[], tags: [] as string[], everything: false } as unknown as StoredWindow;
    const windows = [
      { ...base, id: 1, name: 'all', everything: true },
      { ...base, id: 2, name: 'api-only', services: ['api', 'api'] },
      { ...base, id: 3, name: 'db-tag', tags: ['db'] },
      { ...base, id: 4, name: 'both', services: ['web'], tags: ['db', 'edge'] },
    ] as StoredWindow[];
    const index = coveringIndex(windows);
    for (const service of [{ name: 'api', tags: [] }, { name: 'web', tags: ['db'] }, { name: 'pg', tags: ['db', 'edge'] }, { name: 'x', tags: ['other'] }]) {
      expect(index(service).map((w) => w.name), service.name).toEqual(windows.filter((w) => covers(w, service)).map((w) => w.name));
    }
  });
});
