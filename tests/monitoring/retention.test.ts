import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropExpiredPartitions, ensurePartitions, partitionName, rollUp } from '../../server/monitoring/timeseries.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const DAY = 86400_000;

describe('check history storage', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('creates daily partitions ahead', async () => {
    const now = new Date();
    await ensurePartitions(ts.server.app.sql, now, 2);
    const { rows } = await ts.server.app.sql.query("select relname from pg_class where relname like 'health_checks_2%' order by relname");
    const names = rows.map((r) => r.relname);
    for (let i = 0; i <= 2; i++) expect(names).toContain(partitionName(new Date(now.getTime() + i * DAY)));
  });

  it('drops whole partitions past retention and keeps the rest', async () => {
    const { sql } = ts.server.app;
    const now = new Date();
    const old = new Date(now.getTime() - 20 * DAY);
    const recent = new Date(now.getTime() - 2 * DAY);
    await ensurePartitions(sql, old, 0);
    await ensurePartitions(sql, recent, 0);
    await sql.query('insert into health_checks (checked_at, service_id, status, latency_ms) values ($1, 1, 0, 5), ($2, 1, 0, 6), ($3, 1, 2, 7)', [old, recent, now]);
    const dropped = await dropExpiredPartitions(sql, now, 14);
    expect(dropped).toEqual([partitionName(old)]);
    const { rows } = await sql.query('select latency_ms from health_checks order by checked_at');
    expect(rows.map((r) => r.latency_ms)).toEqual([6, 7]);
    expect((await sql.query('select 1 from pg_class where relname = $1', [partitionName(old)])).rowCount).toBe(0);
  });

  it('rolls checks up per minute: counts by status and latency min / avg / max / p95', async () => {
    const { sql } = ts.server.app;
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const latencies = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10..200
    await sql.query(
      `insert into health_checks (checked_at, service_id, status, latency_ms)
       select $1::timestamptz + (i || ' seconds')::interval, 42, case when i < 18 then 0 when i = 18 then 1 else 2 end, l
         from unnest($2::int[]) with ordinality as t(l, i)`,
      [minute, latencies],
    );
    await rollUp(sql, 'minute', minute, new Date(minute.getTime() + 60_000));
    const { rows } = await sql.query('select * from health_rollups_minute where service_id = 42');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ healthy: 17, degraded: 1, down: 2, latency_min: 10, latency_max: 200, latency_p95: 190 });
    expect(rows[0].latency_avg).toBeCloseTo(105, 5);
    // idempotent: rolling up again changes nothing
    await rollUp(sql, 'minute', minute, new Date(minute.getTime() + 60_000));
    expect((await sql.query('select count(*)::int as n from health_rollups_minute where service_id = 42')).rows[0].n).toBe(1);
  });
});
