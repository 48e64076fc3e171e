import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { latencySeries } from '../../server/monitoring/check-reads.ts';
import { deleteOldRollups, dropExpiredPartitions, ensurePartitions, partitionName, rollUp, rollUpRecent } from '../../server/monitoring/timeseries.ts';
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
    await sql.query('insert into health_checks (checked_at, service_id, outcome) values ($1, 1, 5 * 4), ($2, 1, 6 * 4), ($3, 1, 7 * 4 + 2)', [old, recent, now]);
    const dropped = await dropExpiredPartitions(sql, now, 14);
    expect(dropped).toEqual([partitionName(old)]);
    const { rows } = await sql.query('select latency_ms from health_checks_decoded order by checked_at');
    expect(rows.map((r) => r.latency_ms)).toEqual([6, 7]);
    expect((await sql.query('select 1 from pg_class where relname = $1', [partitionName(old)])).rowCount).toBe(0);
  });

  it('keeps five-minute rollups in daily partitions too, dropped whole, and moves rows a late partition finds in the default one', async () => {
    const { sql } = ts.server.app;
    const now = new Date('2026-02-20T12:00:00Z');
    const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
    // A row for a day with no partition yet goes to the default partition...
    await sql.query(
      `insert into health_rollups_5m (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
       values (62, '2026-02-01T10:00:00Z', 1, 0, 0, 5, 5, 5, 5)`,
    );
    expect((await sql.query("select count(*)::int as n from health_rollups_5m_default where service_id = 62")).rows[0].n).toBe(1);
    // ...and moves into the day's partition when it is created.
    const created = await ensurePartitions(sql, day('2026-02-01'), 0);
    expect(created).toEqual([partitionName(day('2026-02-01')), partitionName(day('2026-02-01'), 'health_rollups_5m')]);
    expect((await sql.query(`select count(*)::int as n from ${partitionName(day('2026-02-01'), 'health_rollups_5m')}`)).rows[0].n).toBe(1);
    expect((await sql.query("select count(*)::int as n from health_rollups_5m_default where service_id = 62")).rows[0].n).toBe(0);
    await ensurePartitions(sql, day('2026-02-19'), 1);
    const dropped = await dropExpiredPartitions(sql, now, 14, 'health_rollups_5m');
    expect(dropped).toEqual([partitionName(day('2026-02-01'), 'health_rollups_5m')]);
    expect((await sql.query('select 1 from health_rollups_5m where service_id = 62')).rowCount).toBe(0);
    expect((await sql.query('select 1 from pg_class where relname = $1', [partitionName(day('2026-02-19'), 'health_rollups_5m')])).rowCount).toBe(1);
  });

  it('rolls checks up per five minutes: counts by status and latency min / avg / max / p95', async () => {
    const { sql } = ts.server.app;
    const minute = new Date(Math.floor(Date.now() / 300_000) * 300_000 - 10 * 60_000);
    const latencies = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10..200
    await sql.query(
      `insert into health_checks (checked_at, service_id, outcome)
       select $1::timestamptz + (i || ' seconds')::interval, 42, l * 4 + case when i < 18 then 0 when i = 18 then 1 else 2 end
         from unnest($2::int[]) with ordinality as t(l, i)`,
      [minute, latencies],
    );
    await rollUp(sql, '5m', minute, new Date(minute.getTime() + 300_000));
    const { rows } = await sql.query('select * from health_rollups_5m where service_id = 42');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ healthy: 17, degraded: 1, down: 2, latency_min: 10, latency_max: 200, latency_p95: 190 });
    expect(rows[0].latency_avg).toBeCloseTo(105, 5);
    // idempotent: rolling up again changes nothing
    await rollUp(sql, '5m', minute, new Date(minute.getTime() + 300_000));
    expect((await sql.query('select count(*)::int as n from health_rollups_5m where service_id = 42')).rows[0].n).toBe(1);
  });
});

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Inserts raw checks: [checkedAt, serviceId, status (0 healthy, 1 degraded, 2 down), latencyMs]. */
async function insertChecks(sql: pg.Pool, rows: [Date, number, number, number][]): Promise<void> {
  await sql.query(
    `insert into health_checks (checked_at, service_id, outcome)
     select * from unnest($1::timestamptz[], $2::int[], $3::int[])`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[3] * 4 + r[2])],
  );
}

const rollupOf = async (sql: pg.Pool, resolution: '5m' | 'hour', serviceId: number, bucket: Date) =>
  (await sql.query(`select healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95 from health_rollups_${resolution} where service_id = $1 and bucket = $2`, [serviceId, bucket])).rows[0];

describe('hour rollups and rollup retention', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('rolls checks up per hour: counts by status and latency min / avg / max / p95 over the whole hour', async () => {
    const { sql } = ts.server.app;
    const hour = new Date('2026-03-10T09:00:00.000Z');
    await ensurePartitions(sql, hour, 0);
    // 40 checks, one every 90 s from 09:00:00 to 09:58:30, latencies 5, 10, …, 200 in that order:
    // the first 30 healthy, then 6 degraded, then 4 down.
    const checks = Array.from({ length: 40 }, (_, i): [Date, number, number, number] => [new Date(hour.getTime() + i * 90_000), 51, i < 30 ? 0 : i < 36 ? 1 : 2, (i + 1) * 5]);
    // Just outside the hour on both sides, and another service inside it: none of them count.
    checks.push([new Date(hour.getTime() - 1), 51, 2, 9999], [new Date(hour.getTime() + HOUR), 51, 2, 9999], [new Date(hour.getTime() + 30 * MIN), 52, 2, 9999]);
    await insertChecks(sql, checks);

    await rollUp(sql, 'hour', hour, new Date(hour.getTime() + HOUR));
    const row = await rollupOf(sql, 'hour', 51, hour);
    // p95 (percentile_disc): the 38th of the 40 sorted latencies, 38 × 5. Average: 5 × 20.5.
    expect(row).toMatchObject({ healthy: 30, degraded: 6, down: 4, latency_min: 5, latency_max: 200, latency_p95: 190 });
    expect(row.latency_avg).toBeCloseTo(102.5, 5);
    const { rows } = await sql.query('select service_id, bucket from health_rollups_hour order by service_id, bucket');
    expect(rows).toEqual([{ service_id: 51, bucket: hour }, { service_id: 52, bucket: hour }]); // the hour only

    // The hour's five-minute rollups add up to the same counts, extremes and mean.
    await rollUp(sql, '5m', hour, new Date(hour.getTime() + HOUR));
    const { rows: [sum] } = await sql.query(
      `select sum(healthy)::int as healthy, sum(degraded)::int as degraded, sum(down)::int as down, min(latency_min) as min, max(latency_max) as max,
              sum(latency_avg * (healthy + degraded + down)) / sum(healthy + degraded + down) as avg
         from health_rollups_5m where service_id = 51 and bucket >= $1 and bucket < $2`,
      [hour, new Date(hour.getTime() + HOUR)],
    );
    expect(sum).toMatchObject({ healthy: 30, degraded: 6, down: 4, min: 5, max: 200 });
    expect(sum.avg).toBeCloseTo(102.5, 5);

    // Rolling up again rewrites nothing; a check added later is counted by the next roll-up.
    expect(await rollUp(sql, 'hour', hour, new Date(hour.getTime() + HOUR))).toBe(0);
    await insertChecks(sql, [[new Date(hour.getTime() + 59 * MIN), 51, 2, 1]]);
    expect(await rollUp(sql, 'hour', hour, new Date(hour.getTime() + HOUR))).toBe(1);
    expect(await rollupOf(sql, 'hour', 51, hour)).toMatchObject({ healthy: 30, degraded: 6, down: 5, latency_min: 1, latency_max: 200, latency_p95: 190 });
  });

  it('buckets by the UTC hour whatever the session time zone (UTC+05:30 hours start at :30)', async () => {
    const { sql } = ts.server.app;
    const hour = new Date('2026-03-10T07:00:00.000Z');
    await insertChecks(sql, [[new Date('2026-03-10T07:10:00Z'), 53, 0, 10], [new Date('2026-03-10T07:50:00Z'), 53, 2, 20]]);
    const client = await sql.connect();
    try {
      await client.query("set time zone 'Asia/Kolkata'");
      await rollUp(client, 'hour', hour, new Date(hour.getTime() + HOUR));
    } finally {
      await client.query('reset time zone');
      client.release();
    }
    const { rows } = await sql.query('select bucket, healthy, down from health_rollups_hour where service_id = 53');
    expect(rows).toEqual([{ bucket: hour, healthy: 1, down: 1 }]);
  });

  it('drops five-minute and hour rollups older than the rollup retention and keeps the newer ones', async () => {
    const { sql } = ts.server.app;
    const now = new Date('2026-03-10T12:00:00.000Z');
    const cutoff = new Date(now.getTime() - 400 * DAY);
    const buckets = [new Date(cutoff.getTime() - DAY), new Date(cutoff.getTime() - HOUR), cutoff, new Date(cutoff.getTime() + HOUR), new Date(now.getTime() - DAY)];
    for (const resolution of ['5m', 'hour']) {
      await sql.query(`delete from health_rollups_${resolution}`);
      await sql.query(
        `insert into health_rollups_${resolution} (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
         select 61, b, 1, 0, 0, 5, 5, 5, 5 from unnest($1::timestamptz[]) as b`,
        [buckets],
      );
    }
    await deleteOldRollups(sql, now, 400);
    // Hour rollups from the cutoff on; five-minute rollups are dropped by whole days: from the cutoff's day on.
    expect((await sql.query('select bucket from health_rollups_hour order by bucket')).rows.map((r) => r.bucket)).toEqual(buckets.slice(2));
    expect((await sql.query('select bucket from health_rollups_5m order by bucket')).rows.map((r) => r.bucket)).toEqual(buckets.slice(1));
    // A shorter retention drops more.
    await deleteOldRollups(sql, now, 2);
    for (const resolution of ['5m', 'hour']) {
      expect((await sql.query(`select bucket from health_rollups_${resolution}`)).rows.map((r) => r.bucket)).toEqual([buckets[4]]);
    }
  });
});

describe('the rollups job (rollUpRecent): checks written late and gaps', () => {
  let ts: TestServer;
  let sql: pg.Pool;
  const at = (time: string) => new Date(`2026-03-10T${time}Z`);
  const settings = { rawRetentionDays: 14 };
  const healthy = (time: string, serviceId = 71): [Date, number, number, number] => [at(time), serviceId, 0, 100];

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    sql = ts.server.app.sql;
    await ensurePartitions(sql, at('00:00:00'), 0);
    // Steady state: a check of each of two services every minute from 10:00, and the job once a
    // minute, 20 s into it, up to 10:30:20.
    for (let m = 0; m < 31; m++) {
      const minute = new Date(at('10:00:00').getTime() + m * MIN);
      await insertChecks(sql, [[new Date(minute.getTime() + 5_000), 71, 0, 100], [new Date(minute.getTime() + 6_000), 72, 0, 200]]);
      if (m > 0) await rollUpRecent(sql, new Date(minute.getTime() + 20_000), settings);
    }
  });
  afterAll(() => ts?.close());

  it('in a steady state rolls up the five minutes just completed only, and an hour once it has ended (regression: the current hour was read and sorted whole every minute)', async () => {
    expect(await rollupOf(sql, '5m', 71, at('10:25:00'))).toMatchObject({ healthy: 5, down: 0 });
    expect(await rollupOf(sql, '5m', 71, at('10:30:00'))).toBeUndefined(); // not complete at 10:30:20
    expect(await rollupOf(sql, 'hour', 71, at('10:00:00'))).toBeUndefined(); // not ended: read from the raw checks meanwhile
    // Nothing new since: nothing rolled up again.
    const again = await rollUpRecent(sql, at('10:30:40'), settings);
    expect(again).toMatchObject({ from: at('10:15:00'), to: at('10:30:00'), fiveMinutes: [], hours: [], caughtUp: false });
  });

  it('counts a check written late in its five minutes on the next run (and in its hour once that has ended)', async () => {
    // Stored at 10:31:10 for 10:21:30 (a batch retried): its five minutes were rolled up at 10:25:20.
    await insertChecks(sql, [[at('10:21:30'), 71, 2, 900], healthy('10:31:05')]);
    const run = await rollUpRecent(sql, at('10:31:20'), settings);
    expect(run).toMatchObject({ from: at('10:15:00'), to: at('10:30:00'), fiveMinutes: [at('10:20:00')], hours: [], caughtUp: false });
    expect(await rollupOf(sql, '5m', 71, at('10:20:00'))).toMatchObject({ healthy: 5, down: 1, latency_min: 100, latency_max: 900 });
    expect(await rollupOf(sql, '5m', 72, at('10:20:00'))).toMatchObject({ healthy: 5, down: 0 }); // the other service's, unchanged
  });

  it('rolls up the previous hour again when a check of its last minutes comes after it ended', async () => {
    // Up to 11:00: the checks of every minute, the job each minute.
    for (let m = 31; m < 60; m++) {
      const minute = new Date(at('10:00:00').getTime() + m * MIN);
      if (m > 31) await insertChecks(sql, [[new Date(minute.getTime() + 5_000), 71, 0, 100]]);
      await rollUpRecent(sql, new Date(minute.getTime() + 20_000), settings);
    }
    await insertChecks(sql, [healthy('11:00:05')]);
    expect(await rollUpRecent(sql, at('11:00:20'), settings)).toMatchObject({ fiveMinutes: [at('10:55:00')], hours: [at('10:00:00')] });
    expect(await rollupOf(sql, 'hour', 71, at('10:00:00'))).toMatchObject({ healthy: 60, down: 1, latency_max: 900 }); // the late check of 10:21 included
    // A check of 10:59:50 that took 30 s, stored at 11:00:25.
    await insertChecks(sql, [[at('10:59:50'), 71, 1, 30_000]]);
    const run = await rollUpRecent(sql, at('11:01:20'), settings);
    expect(run).toMatchObject({ fiveMinutes: [at('10:55:00')], hours: [at('10:00:00')] });
    expect(await rollupOf(sql, '5m', 71, at('10:55:00'))).toMatchObject({ healthy: 5, degraded: 1, latency_max: 30_000 });
    expect(await rollupOf(sql, 'hour', 71, at('10:00:00'))).toMatchObject({ healthy: 60, degraded: 1, down: 1, latency_max: 30_000 });
    expect(await rollupOf(sql, 'hour', 71, at('11:00:00'))).toBeUndefined(); // not ended
  });

  it('looks back 15 minutes only while the runs keep up', async () => {
    // Stored at 11:01:30 for 10:44:10: older than the window of the runs that follow (from 10:45).
    await insertChecks(sql, [[at('10:44:10'), 71, 2, 1]]);
    const run = await rollUpRecent(sql, at('11:02:20'), settings);
    expect(run).toMatchObject({ from: at('10:45:00'), fiveMinutes: [], caughtUp: false });
    expect(await rollupOf(sql, '5m', 71, at('10:40:00'))).toMatchObject({ healthy: 5, down: 0 });
    // Asked to look further back (as the job does once after catching up a gap), it is counted.
    const further = await rollUpRecent(sql, at('11:02:40'), { ...settings, from: at('10:40:00') });
    expect(further).toMatchObject({ from: at('10:40:00'), fiveMinutes: [at('10:40:00')], hours: [at('10:00:00')], caughtUp: false });
    expect(await rollupOf(sql, '5m', 71, at('10:40:00'))).toMatchObject({ healthy: 5, down: 1 });
    expect(await rollupOf(sql, 'hour', 71, at('10:00:00'))).toMatchObject({ down: 2 });
  });

  it('after an outage, catches up from where the rollups stopped, whatever the gap', async () => {
    // The database goes away at 11:02:30. The checks the writer held are stored when it is back,
    // at 13:40: their minutes are two and a half hours old. No check ran in between.
    await insertChecks(sql, [[at('11:02:10'), 71, 0, 100], [at('11:02:25'), 72, 2, 5000]]);
    await insertChecks(sql, [healthy('13:40:05'), healthy('13:41:05')]);
    const run = await rollUpRecent(sql, at('13:45:20'), settings);
    // The newest five-minute bucket is 10:55 (11:00 was not complete at the last run): from it on.
    // Hours: 11:00 for its checks, 12:00 as an hour that ended with no rollup (it has no checks: nothing is written).
    expect(run).toMatchObject({ from: at('10:55:00'), to: at('13:45:00'), fiveMinutes: [at('11:00:00'), at('13:40:00')], hours: [at('11:00:00'), at('12:00:00')], caughtUp: true });
    expect(await rollupOf(sql, '5m', 72, at('11:00:00'))).toMatchObject({ healthy: 0, down: 1, latency_max: 5000 });
    expect(await rollupOf(sql, 'hour', 72, at('11:00:00'))).toMatchObject({ healthy: 0, down: 1 });
    expect(await rollupOf(sql, 'hour', 71, at('11:00:00'))).toMatchObject({ healthy: 2 });

    // A retried batch that lands just after that run: the next run, from 15 minutes back, would
    // not see it; the job looks at the caught-up gap once more (from: run.from), which does.
    await insertChecks(sql, [[at('11:02:28'), 71, 2, 7000]]);
    expect(await rollUpRecent(sql, at('13:45:40'), settings)).toMatchObject({ fiveMinutes: [], caughtUp: false });
    const again = await rollUpRecent(sql, at('13:46:20'), { ...settings, from: run.from });
    expect(again).toMatchObject({ from: at('10:55:00'), fiveMinutes: [at('11:00:00')], hours: [at('11:00:00'), at('12:00:00')], caughtUp: false });
    expect(await rollupOf(sql, '5m', 71, at('11:00:00'))).toMatchObject({ healthy: 2, down: 1, latency_max: 7000 });
    expect(await rollupOf(sql, 'hour', 71, at('11:00:00'))).toMatchObject({ healthy: 2, down: 1 });
  });

  it('never reaches back past the raw retention', async () => {
    // Eleven days on, the newest five-minute bucket is 13:40 on the 10th: a catch-up, but from one day back only.
    const now = new Date(at('13:46:20').getTime() + 11 * DAY);
    const run = await rollUpRecent(sql, now, { rawRetentionDays: 1 });
    expect(run).toMatchObject({ from: new Date(at('13:50:00').getTime() + 10 * DAY), fiveMinutes: [], caughtUp: true });
    expect(await rollupOf(sql, 'hour', 71, at('11:00:00'))).toMatchObject({ healthy: 2, down: 1 }); // left as it was
  });
});

describe('the rollups job with checks every few minutes', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('rolls up an hour whose buckets were all rolled up before it ended, once (regression: with none of its checks in its last minutes, such an hour was never rolled up)', async () => {
    const { sql } = ts.server.app;
    const at = (time: string) => new Date(`2026-03-11T${time}Z`);
    await ensurePartitions(sql, at('00:00:00'), 0);
    // A check every 15 minutes, at :32:10, :47:10, :02:10 — nothing in the hour's last five minutes; the job each minute.
    await insertChecks(sql, [[at('09:32:10'), 75, 0, 10], [at('09:47:10'), 75, 2, 30], [at('10:02:10'), 75, 0, 20]]);
    const runs = [];
    for (let m = 53; m <= 64; m++) runs.push(await rollUpRecent(sql, new Date(at('09:00:20').getTime() + m * MIN), { rawRetentionDays: 14, from: m === 53 ? at('09:30:00') : undefined }));
    expect(await rollupOf(sql, 'hour', 75, at('09:00:00'))).toMatchObject({ healthy: 1, down: 1, latency_max: 30 });
    // Rolled up by the first run after 10:00 only, not by the runs before or after it.
    expect(runs.map((r) => r.hours.map((h) => h.toISOString().slice(11, 16)))).toEqual([[], [], [], [], [], [], [], ['09:00'], [], [], [], []]);
    expect(await rollupOf(sql, 'hour', 75, at('10:00:00'))).toBeUndefined(); // not ended
  });
});

describe('the rollups job after the minute rollups were folded (Migration20261211090000)', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('counts the newest five-minute bucket again, which may hold only the minutes rolled up before the migration (regression: it kept 9 of its 15 checks for good)', async () => {
    const { sql } = ts.server.app;
    const at = (time: string) => new Date(`2026-03-12T${time}Z`);
    await ensurePartitions(sql, at('00:00:00'), 0);
    // A check every 20 s from 10:00 to 10:29:40; minute rollups up to 10:02, folded into the 10:00 bucket: 9 checks.
    await insertChecks(sql, Array.from({ length: 90 }, (_, i): [Date, number, number, number] => [new Date(at('10:00:00').getTime() + i * 20_000), 77, 0, 10]));
    await sql.query(
      `insert into health_rollups_5m (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95) values (77, $1, 9, 0, 0, 10, 10, 10, 10)`,
      [at('10:00:00')],
    );
    const run = await rollUpRecent(sql, at('10:30:30'), { rawRetentionDays: 14 });
    expect(run).toMatchObject({ from: at('10:00:00'), fiveMinutes: [at('10:00:00'), at('10:05:00'), at('10:10:00'), at('10:15:00'), at('10:20:00'), at('10:25:00')] });
    expect(await rollupOf(sql, '5m', 77, at('10:00:00'))).toMatchObject({ healthy: 15 });
  });
});

describe('the rollups job in a running server', () => {
  it('rolls up on start from where the rollups stopped, checks stored while no server ran included', async () => {
    const now = new Date('2026-03-10T12:00:30.000Z');
    const clock = new ManualClock(now);
    const ts = await startTestServer({ runScheduler: true, clock });
    const sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
    try {
      // Rolled up to 11:10 by an earlier run; the server stops; checks of 11:20 and 11:50 are stored meanwhile.
      await insertChecks(sql, [[new Date('2026-03-10T11:10:10Z'), 81, 0, 100]]);
      await rollUp(sql, '5m', new Date('2026-03-10T11:10:00Z'), new Date('2026-03-10T11:15:00Z'));
      await ts.stop();
      await insertChecks(sql, [[new Date('2026-03-10T11:20:10Z'), 81, 2, 300], [new Date('2026-03-10T11:50:10Z'), 81, 1, 200]]);
      clock.advance(60_000); // no server ran for a minute: the rollups job is overdue
      await ts.start(); // an overdue job runs at start
      await expect.poll(() => rollupOf(sql, 'hour', 81, new Date('2026-03-10T11:00:00Z')), { timeout: 10_000 }).toMatchObject({ healthy: 1, degraded: 1, down: 1 });
      expect(await rollupOf(sql, '5m', 81, new Date('2026-03-10T11:20:00Z'))).toMatchObject({ down: 1, latency_max: 300 });
      expect(await rollupOf(sql, '5m', 81, new Date('2026-03-10T11:50:00Z'))).toMatchObject({ degraded: 1 });
    } finally {
      await sql.end();
      await ts.close();
    }
  });
});

describe('the latency chart (latencySeries)', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('per five minutes, reads the rollups up to the newest rolled bucket, then the raw checks since, and keeps buckets whose raw checks are gone; per minute, the raw checks', async () => {
    const { sql } = ts.server.app;
    const at = (hhmmss: string) => new Date(`2026-04-02T${hhmmss}Z`);
    await ensurePartitions(sql, at('00:00:00'), 0);
    await insertChecks(sql, [[at('09:00:10'), 95, 0, 100], [at('09:00:40'), 95, 2, 300], [at('09:01:10'), 95, 0, 50], [at('09:00:20'), 96, 0, 999]]);
    await rollUp(sql, '5m', at('09:00:00'), at('09:05:00'));
    // Some raw checks of 09:00 are gone (deleted by hand); 09:05 and 09:10 are not rolled up yet.
    await sql.query("delete from health_checks where service_id = 95 and checked_at < '2026-04-02T09:01:00Z'");
    await insertChecks(sql, [[at('09:05:05'), 95, 1, 400], [at('09:10:05'), 95, 0, 20], [at('09:10:35'), 95, 0, 40]]);
    const row = (p: { at: Date; avgMs: number; maxMs: number; healthy: number; degraded: number; down: number }) => [p.at.toISOString().slice(11, 16), p.avgMs, p.maxMs, p.healthy, p.degraded, p.down];
    // Eight hours: per five minutes.
    expect((await latencySeries(sql, 95, at('02:00:00'), at('10:00:00'))).map(row)).toEqual([
      ['09:00', 150, 300, 2, 0, 1], // from the rollup only: some of its raw checks were deleted
      ['09:05', 400, 400, 0, 1, 0], // from the raw checks
      ['09:10', 30, 40, 2, 0, 0],
    ]);
    // An hour: per minute, from the raw checks that are there.
    expect((await latencySeries(sql, 95, at('08:30:00'), at('09:30:00'))).map(row)).toEqual([
      ['09:01', 50, 50, 1, 0, 0],
      ['09:05', 400, 400, 0, 1, 0],
      ['09:10', 30, 40, 2, 0, 0],
    ]);
  });

  it('per hour, reads the hour rollups up to the newest rolled hour, then the current hour from the raw checks (the job rolls up an hour once it has ended)', async () => {
    const { sql } = ts.server.app;
    const at = (hhmmss: string) => new Date(`2026-04-03T${hhmmss}Z`);
    await ensurePartitions(sql, at('00:00:00'), 0);
    await insertChecks(sql, [[at('07:10:00'), 97, 0, 100], [at('07:50:00'), 97, 2, 300], [at('08:05:00'), 97, 0, 40], [at('08:35:00'), 97, 1, 60], [at('08:20:00'), 98, 0, 999]]);
    const rolled = await rollUpRecent(sql, at('08:40:20'), { rawRetentionDays: 14, from: at('07:00:00') });
    expect(rolled.hours).toContainEqual(at('07:00:00'));
    expect(rolled.hours).not.toContainEqual(at('08:00:00')); // not ended
    const points = await latencySeries(sql, 97, new Date(at('08:40:00').getTime() - 2 * DAY), at('08:40:00'));
    expect(points.map((p) => [p.at.toISOString().slice(11, 16), p.avgMs, p.maxMs, p.healthy, p.degraded, p.down])).toEqual([
      ['07:00', 200, 300, 1, 0, 1], // the hour rollup
      ['08:00', 50, 60, 1, 1, 0], // the current hour, from the raw checks
    ]);
  });
});
