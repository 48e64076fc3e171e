/**
 * The alerting pass reads the per-service alert settings of the services it decides on, not every
 * service's (regression: each pass with a transition or a due notice read every row of
 * alert_configs: 100,000 at 100,000 services with their own settings, for a pass about one).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassConfig } from '../../server/alerting/pass-config.ts';
import { DEFAULT_ALERT_SETTINGS } from '../../server/alerting/settings.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { insertServices } from '../support/services.ts';

describe('the alerting pass’s configuration', () => {
  let ts: TestServer;
  let sql: pg.Pool;
  let ids: Map<string, number>;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 2 });
    const names = Array.from({ length: 2000 }, (_, i) => `own-${i}`);
    ids = await insertServices(sql, [...names, 'plain']);
    await sql.query(
      `insert into alert_configs (service_id, escalation_delay_ms, source, updated_at) select id, 60000 + id, 'api', now() from services where name like 'own-%'`,
    );
    await sql.query(`insert into alert_configs (service_id, escalation_delay_ms, notify_recovery, source, updated_at) values (null, 120000, false, 'api', now())
                     on conflict ((true)) where service_id is null do update set escalation_delay_ms = 120000, notify_recovery = false`);
  });
  afterAll(async () => {
    await sql?.end();
    await ts?.close();
  });

  it('reads the defaults at once and a service’s own settings only when asked for it, one statement for many', async () => {
    const client = await sql.connect();
    const read: { text: string; rows: number }[] = [];
    const query = client.query.bind(client);
    (client as { query: unknown }).query = async (text: string, values?: unknown[]) => {
      const result = await query(text, values);
      if (/alert_configs/.test(text)) read.push({ text, rows: result.rows.length });
      return result;
    };
    try {
      const config = await PassConfig.load(client as never, new Date());
      expect(read).toEqual([{ text: expect.stringMatching(/where service_id is null/), rows: 1 }]);
      const a = ids.get('own-7')!;
      const b = ids.get('own-1999')!;
      const plain = ids.get('plain')!;
      expect(() => config.settings(a)).toThrow(/used before they were read/);
      await config.loadServices([a, b, plain, a]);
      expect(read.slice(1).map((r) => r.rows)).toEqual([2]);
      expect(config.settings(a).escalationDelayMs).toBe(60000 + a);
      expect(config.settings(b).escalationDelayMs).toBe(60000 + b);
      // Without its own: the defaults, over the built-in ones.
      expect(config.settings(plain)).toMatchObject({ escalationDelayMs: 120000, notifyRecovery: false, remindEveryMs: DEFAULT_ALERT_SETTINGS.remindEveryMs });
      // Read once: asking again sends nothing.
      await config.loadServices([a, plain]);
      expect(read).toHaveLength(2);
    } finally {
      client.release();
    }
  });
});
