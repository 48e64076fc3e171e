/**
 * Issue 15 (bytes per check): a new day's partition of the five-minute rollups lays its columns out
 * by alignment (`bucket` first), so a rollup row is 64 bytes instead of 72 (4 bytes of padding
 * before `bucket`, then the rest to the next 8); rows reach it through the table and read back by
 * name, the rows a day left in the default partition are moved into it whole, and the raw checks'
 * partitions keep the table's order (already packed for the rows Lookout writes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePartitions, partitionName, rollUp } from '../../server/monitoring/timeseries.ts';
import { checkOutcome } from '../../server/monitoring/results.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('a new day of five-minute rollups', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  const columns = async (table: string) =>
    (await ts.server.app.sql.query<{ attname: string }>('select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum', [table])).rows.map(
      (r) => r.attname,
    );

  it('lays its columns out widest first, stores a row in 64 bytes, and reads it back by name through the table', async () => {
    const { sql } = ts.server.app;
    const day = new Date('2031-03-04T00:00:00Z');
    // A row of that day written before its partition existed (a clock that jumped): in the default partition.
    await sql.query(
      `insert into health_rollups_5m (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
       values (7, '2031-03-04T10:05:00Z', 11, 2, 1, 3, 4.5, 250, 90)`,
    );
    expect(await ensurePartitions(sql, day, 0)).toEqual([partitionName(day), partitionName(day, 'health_rollups_5m')]);
    const partition = partitionName(day, 'health_rollups_5m');
    expect(await columns(partition)).toEqual(['bucket', 'service_id', 'healthy', 'degraded', 'down', 'latency_min', 'latency_avg', 'latency_max', 'latency_p95']);
    // The table keeps its order; the raw checks' partition keeps the table's.
    expect((await columns('health_rollups_5m')).slice(0, 2)).toEqual(['service_id', 'bucket']);
    expect(await columns(partitionName(day))).toEqual(await columns('health_checks'));

    // The moved row, whole, in the partition: 24 bytes of header and 40 of data.
    const moved = await sql.query(`select r.*, pg_column_size(r.*) as width from ${partition} r`);
    expect(moved.rows).toEqual([
      { bucket: new Date('2031-03-04T10:05:00Z'), service_id: 7, healthy: 11, degraded: 2, down: 1, latency_min: 3, latency_avg: 4.5, latency_max: 250, latency_p95: 90, width: 64 },
    ]);
    expect((await sql.query('select count(*)::int as n from health_rollups_5m_default where bucket >= $1', [day])).rows[0].n).toBe(0);

    // The rollups job writes through the table into it, and reads it back by name.
    await sql.query(`insert into health_checks (checked_at, service_id, outcome) values ('2031-03-04T10:11:00Z', 7, $1), ('2031-03-04T10:12:00Z', 7, $2)`, [
      checkOutcome('healthy', 40),
      checkOutcome('down', 60),
    ]);
    expect(await rollUp(sql, '5m', new Date('2031-03-04T10:10:00Z'), new Date('2031-03-04T10:15:00Z'))).toBe(1);
    const read = await sql.query(`select service_id, bucket, healthy, down, latency_min, latency_max from health_rollups_5m where service_id = 7 and bucket >= $1 order by bucket`, [day]);
    expect(read.rows).toEqual([
      { service_id: 7, bucket: new Date('2031-03-04T10:05:00Z'), healthy: 11, down: 1, latency_min: 3, latency_max: 250 },
      { service_id: 7, bucket: new Date('2031-03-04T10:10:00Z'), healthy: 1, down: 1, latency_min: 40, latency_max: 60 },
    ]);
    const widths = await sql.query<{ width: number }>(`select pg_column_size(r.*) as width from ${partition} r`);
    expect(widths.rows.map((r) => r.width)).toEqual([64, 64]);
  });
});
