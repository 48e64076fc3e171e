/**
 * Lookout relies on PostgreSQL's autovacuum for the row versions its checks leave (a state row
 * updated twice a check): with it off, a database grows by tens of bytes a check for good. Found on
 * a server configured without it (`autovacuum = off`): nothing said so. Lookout now warns at start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../server/logger.ts';
import { warnWithoutAutovacuum } from '../../server/db/orm.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('a database without autovacuum', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it("warns, naming the setting and what to do, exactly when the server's autovacuum cannot run", async () => {
    const warnings: { fields: unknown; message: string }[] = [];
    const logger = { warn: (fields: unknown, message: string) => warnings.push({ fields, message }) } as unknown as Logger;
    const { rows } = await ts.server.app.sql.query<{ name: string; setting: string }>(`select name, setting from pg_settings where name in ('autovacuum', 'track_counts') order by name`);
    const off = rows.filter((r) => r.setting !== 'on').map((r) => r.name);
    expect(await warnWithoutAutovacuum(ts.server.app.sql, logger)).toBe(off.length > 0);
    if (off.length) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0].fields).toEqual({ off });
      expect(warnings[0].message).toContain(`PostgreSQL's ${off.join(' and ')}`);
      expect(warnings[0].message).toContain('VACUUM ANALYZE');
    } else expect(warnings).toEqual([]);
  });
});
