/**
 * The check time series: daily partitions created ahead and dropped whole by retention, per-minute
 * and per-hour rollups (counts by status, latency min / avg / max / p95), and the reads the API
 * needs (recent checks with cursor paging, a latency chart).
 */
import type pg from 'pg';
import { statusFromCode } from './results.ts';
import type { Status } from './status.ts';

const DAY_MS = 86400_000;

function dayStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function partitionName(day: Date): string {
  return `health_checks_${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** Creates the partitions for today and the next `daysAhead` days (idempotent). */
export async function ensurePartitions(sql: pg.Pool, now: Date, daysAhead = 2): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i <= daysAhead; i++) {
    const from = new Date(dayStart(now).getTime() + i * DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    const name = partitionName(from);
    const { rowCount } = await sql.query('select 1 from pg_class where relname = $1', [name]);
    if (rowCount) continue;
    await sql
      .query(`create table if not exists ${name} partition of health_checks for values from ('${from.toISOString()}') to ('${to.toISOString()}')`)
      .then(() => created.push(name))
      .catch((error: { code?: string }) => {
        if (error.code !== '42P07') throw error; // created meanwhile by another replica
      });
  }
  return created;
}

/** Drops whole daily partitions older than `retentionDays`; returns their names. */
export async function dropExpiredPartitions(sql: pg.Pool, now: Date, retentionDays: number): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = 'health_checks' and c.relname ~ '^health_checks_[0-9]{8}$'`,
  );
  const cutoff = dayStart(new Date(now.getTime() - retentionDays * DAY_MS));
  const dropped: string[] = [];
  for (const { name } of rows) {
    const day = new Date(`${name.slice(-8, -4)}-${name.slice(-4, -2)}-${name.slice(-2)}T00:00:00Z`);
    if (day.getTime() + DAY_MS <= cutoff.getTime()) {
      await sql.query(`drop table if exists ${name}`);
      dropped.push(name);
    }
  }
  // Rows that fell into the default partition (only if partitions were late) age out too.
  await sql.query('delete from health_checks_default where checked_at < $1', [cutoff]);
  return dropped;
}

/**
 * Recomputes rollups for the buckets in [from, to) from the raw checks (idempotent upserts, so a
 * rerun or two replicas overlapping do no harm).
 */
export async function rollUp(sql: pg.Pool, resolution: 'minute' | 'hour', from: Date, to: Date): Promise<number> {
  const { rowCount } = await sql.query(
    `insert into health_rollups_${resolution} (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
     select service_id, date_trunc('${resolution}', checked_at) as bucket,
            count(*) filter (where status = 0), count(*) filter (where status = 1), count(*) filter (where status = 2),
            min(latency_ms), avg(latency_ms), max(latency_ms),
            percentile_disc(0.95) within group (order by latency_ms)
       from health_checks
      where checked_at >= $1 and checked_at < $2
      group by service_id, date_trunc('${resolution}', checked_at)
     on conflict (service_id, bucket) do update set
       healthy = excluded.healthy, degraded = excluded.degraded, down = excluded.down,
       latency_min = excluded.latency_min, latency_avg = excluded.latency_avg,
       latency_max = excluded.latency_max, latency_p95 = excluded.latency_p95`,
    [from, to],
  );
  return rowCount ?? 0;
}

export async function deleteOldRollups(sql: pg.Pool, now: Date, retentionDays: number): Promise<void> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  for (const resolution of ['minute', 'hour']) await sql.query(`delete from health_rollups_${resolution} where bucket < $1`, [cutoff]);
}

export interface CheckRow {
  checkedAt: Date;
  status: Status;
  latencyMs: number;
  error: string | null;
}

/** A page of one service's checks, newest first; the cursor is the last `checkedAt` seen. */
export async function recentChecks(sql: pg.Pool, serviceId: number, first: number, before?: Date, after?: Date): Promise<CheckRow[]> {
  const { rows } = await sql.query<{ checked_at: Date; status: number; latency_ms: number; error: string | null }>(
    `select checked_at, status, latency_ms, error from health_checks
      where service_id = $1 and checked_at < $2 and checked_at >= $3
      order by checked_at desc limit $4`,
    [serviceId, before ?? new Date('9999-01-01'), after ?? new Date(0), first],
  );
  return rows.map((r) => ({ checkedAt: r.checked_at, status: statusFromCode(r.status), latencyMs: r.latency_ms, error: r.error }));
}

export interface LatencyPoint {
  at: Date;
  avgMs: number;
  maxMs: number;
  p95Ms: number;
  healthy: number;
  degraded: number;
  down: number;
}

/**
 * Latency and status counts per bucket over [from, to): raw-derived per minute for ranges up to a
 * day (the last minutes are not rolled up yet, so they are computed on the fly), hourly rollups
 * beyond.
 */
export async function latencySeries(sql: pg.Pool, serviceId: number, from: Date, to: Date): Promise<LatencyPoint[]> {
  const hourly = to.getTime() - from.getTime() > DAY_MS;
  const query = hourly
    ? `select bucket as at, latency_avg as avg, latency_max as max, latency_p95 as p95, healthy, degraded, down
         from health_rollups_hour where service_id = $1 and bucket >= $2 and bucket < $3 order by bucket`
    : `select date_trunc('minute', checked_at) as at, avg(latency_ms) as avg, max(latency_ms) as max,
              percentile_disc(0.95) within group (order by latency_ms) as p95,
              count(*) filter (where status = 0) as healthy, count(*) filter (where status = 1) as degraded,
              count(*) filter (where status = 2) as down
         from health_checks where service_id = $1 and checked_at >= $2 and checked_at < $3
        group by 1 order by 1`;
  const { rows } = await sql.query(query, [serviceId, from, to]);
  return rows.map((r) => ({
    at: r.at,
    avgMs: Math.round(Number(r.avg)),
    maxMs: Number(r.max),
    p95Ms: Number(r.p95),
    healthy: Number(r.healthy),
    degraded: Number(r.degraded),
    down: Number(r.down),
  }));
}
