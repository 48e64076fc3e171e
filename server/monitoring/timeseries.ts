/**
 * The check time series: daily partitions created ahead and dropped whole by retention, and the
 * five-minute and hour rollups (counts by status, latency min / avg / max / p95). The reads the
 * API needs (recent checks with cursor paging, a latency chart) are in check-reads.ts.
 */
import type pg from 'pg';
import { withConnection } from '../db/pool.ts';
import { inTransaction, transactionOn, type SqlClient } from '../db/sql.ts';
import { BUCKET_MS } from './latency-resolution.ts';

export const DAY_MS = 86400_000;

function dayStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/**
 * The advisory lock of the rollups job ("Roll"): one run at a time on every replica, and no run
 * while a day's five-minute rollups are moved out of the default partition (`ensurePartitions`).
 */
export const ROLLUPS_LOCK_KEY = 0x526f6c6c;

/** The tables partitioned by day: the raw checks, and the five-minute rollups (a row per service and five minutes). */
export type DailyTable = 'health_checks' | 'health_rollups_5m';
const PARTITION_KEY: Record<DailyTable, string> = { health_checks: 'checked_at', health_rollups_5m: 'bucket' };

export function partitionName(day: Date, table: DailyTable = 'health_checks'): string {
  return `${table}_${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * The daily tables whose new partitions lay their columns out by alignment, widest first (8-byte,
 * then 4-, 2-, 1-byte, variable length last), instead of in the table's order, which PostgreSQL
 * allows a partition: rows are routed to it and read through the table by name. A five-minute
 * rollup's `service_id` (4 bytes) came before its `bucket` (8, aligned on 8): 4 bytes of padding,
 * and 44 bytes of data padded to 72 with the header, against 40 and 64 laid out by alignment: 8
 * bytes less a row, a fifth of a row per check at 60 s. The raw checks' columns are already in
 * that order for the rows Lookout writes (`outcome`, Migration20261212090000).
 */
const ALIGNED_PARTITIONS = new Set<DailyTable>(['health_rollups_5m']);

/**
 * A daily table's columns ($1) as a new partition declares them, by alignment (see
 * ALIGNED_PARTITIONS), with their defaults and NOT NULL; and their names in the table's order.
 */
const PARTITION_LAYOUT_SQL = `select
    string_agg(format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                      coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''), case when a.attnotnull then ' not null' else '' end), ', '
               order by case t.typalign when 'd' then 0 when 'i' then 1 when 's' then 2 else 3 end, t.typlen < 0, a.attnum) as aligned,
    string_agg(quote_ident(a.attname), ', ' order by a.attnum) as names
   from pg_attribute a join pg_type t on t.oid = a.atttypid
   left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`;

/**
 * Creates the partitions of both daily tables for today and the next `daysAhead` days (idempotent).
 * Rows that already went to a table's default partition for such a day (a clock that jumped, a job
 * that was late) are moved into the new partition, so creating it never fails on them.
 */
export async function ensurePartitions(sql: pg.Pool, now: Date, daysAhead = 2): Promise<string[]> {
  const created: string[] = [];
  for (let i = 0; i <= daysAhead; i++) {
    const from = new Date(dayStart(now).getTime() + i * DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    for (const table of Object.keys(PARTITION_KEY) as DailyTable[]) {
      const name = partitionName(from, table);
      const { rowCount } = await sql.query('select 1 from pg_class where relname = $1', [name]);
      if (rowCount) continue;
      await inTransaction(sql, async (tx) => {
        // A rollups run whose snapshot came before the move would not see the moved rollups,
        // and would write them again (they have no unique key): the move happens between runs, and
        // runs skip while it holds the lock. While a run holds it, the day is left to the next
        // look (hourly; the rows wait in the default partition meanwhile) rather than waited for.
        if (table === 'health_rollups_5m') {
          const { rows } = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [ROLLUPS_LOCK_KEY]);
          if (!rows[0].ok) return false;
        }
        // Held to the commit: no row for this day can reach the default partition between the move and the attach.
        await tx.query(`lock table ${table}_default in access exclusive mode`);
        const { rows: [layout] } = await tx.query<{ aligned: string; names: string }>(PARTITION_LAYOUT_SQL, [table]);
        await tx.query(ALIGNED_PARTITIONS.has(table) ? `create table ${name} (${layout.aligned})` : `create table ${name} (like ${table} including defaults)`);
        await tx.query(
          `with moved as (delete from ${table}_default where ${PARTITION_KEY[table]} >= $1 and ${PARTITION_KEY[table]} < $2 returning ${layout.names})
           insert into ${name} (${layout.names}) select ${layout.names} from moved`,
          [from, to],
        );
        await tx.query(`alter table ${table} attach partition ${name} for values from ('${from.toISOString()}') to ('${to.toISOString()}')`);
        return true;
      })
        .then((made) => made && created.push(name))
        .catch((error: { code?: string }) => {
          if (error.code !== '42P07') throw error; // created meanwhile by another replica
        });
    }
  }
  return created;
}

/** Drops whole daily partitions of `table` older than `retentionDays`; returns their names. */
export async function dropExpiredPartitions(sql: pg.Pool, now: Date, retentionDays: number, table: DailyTable = 'health_checks'): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = $1 and c.relname ~ ('^' || $1 || '_[0-9]{8}$')`,
    [table],
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
  await sql.query(`delete from ${table}_default where ${PARTITION_KEY[table]} < $1`, [cutoff]);
  return dropped;
}

/**
 * For the rest of a transaction that reads the raw checks by time: no plain or index-only scan.
 * The only index led by `checked_at` is the BRIN one, read through a bitmap; PostgreSQL 18 (the
 * embedded server) otherwise chose a skip scan of the (service_id, checked_at) btree, one descent
 * per service, reading more blocks than the whole day's heap (3,603 against 3,058 for 15 minutes
 * of 8 hours at 1,000 services) — every minute, growing all day (tests/monitoring/rollup-scans.test.ts).
 */
export const READ_BY_TIME = ['set local enable_indexscan = off', 'set local enable_indexonlyscan = off'] as const;

/** The rollups' resolutions: five minutes (charts of a day), an hour (longer ranges). */
export type RollupResolution = '5m' | 'hour';

/** A check's bucket: its minute, five minutes or hour in UTC, whatever the session's time zone (hours in UTC+05:30 start at :30). */
export const utcBucket = (resolution: 'minute' | RollupResolution) =>
  resolution === '5m'
    ? `date_bin('5 minutes', checked_at, '2000-01-01 00:00:00+00')`
    : `date_trunc('${resolution}', checked_at at time zone 'UTC') at time zone 'UTC'`;

/** What a rollup holds of a bucket's raw checks, in the rollup tables' column order and names: the rollup job and the chart's last minutes compute it alike. */
export const AGGREGATES = `count(*) filter (where status = 0) as healthy, count(*) filter (where status = 1) as degraded,
  count(*) filter (where status = 2) as down, min(latency_ms) as latency_min, avg(latency_ms) as latency_avg,
  max(latency_ms) as latency_max, percentile_disc(0.95) within group (order by latency_ms) as latency_p95`;
export const ROLLUP_COLUMNS = 'healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95';
const rollupColumnsOf = (alias: string) => ROLLUP_COLUMNS.split(', ').map((column) => `${alias}.${column}`).join(', ');

/**
 * Recomputes rollups for the buckets in [from, to) from the raw checks (idempotent: a rerun does
 * no harm). A bucket whose values did not change is not rewritten, so re-rolling a range costs
 * reads, not row versions. A range is widened to whole buckets. Returns the rows written.
 *
 * The five-minute rollups have no unique key (their per-service index is keyed by the hour,
 * deduplicated, a quarter of a unique key's size: Migration20261210100000, Migration20261211090000):
 * a changed bucket's row is deleted and written again in one statement, and the rollups job runs
 * one at a time on every replica (`rollUpRecent`), so a bucket has one row. The hour rollups, 24
 * rows a day per service, keep their primary key and are upserted.
 */
export async function rollUp(sql: SqlClient, resolution: RollupResolution, from: Date, to: Date): Promise<number> {
  // Whole buckets: a part of one would be written over its row as if it were all of it.
  const size = resolution === '5m' ? FIVE_MINUTES_MS : HOUR_MS;
  const start = new Date(Math.floor(from.getTime() / size) * size);
  const end = new Date(Math.ceil(to.getTime() / size) * size);
  const { rowCount } = await sql.query(rollUpSql(resolution), [start, end]);
  return rowCount ?? 0;
}

/** The rollups of [$1, $2) as the rollup tables' columns and types (count is a bigint, avg a numeric). */
const FRESH_ROLLUPS = `select service_id, bucket, healthy::int, degraded::int, down::int, latency_min, latency_avg::real, latency_max, latency_p95 from (
       select service_id, ${utcBucket('5m')} as bucket, ${AGGREGATES}
         from health_checks_decoded
        where checked_at >= $1 and checked_at < $2
        group by service_id, ${utcBucket('5m')}) a`;

/** The statement of `rollUp` ($1 from, $2 to). */
export const rollUpSql = (resolution: RollupResolution) =>
  resolution === '5m'
    ? `with fresh as (${FRESH_ROLLUPS}),
       stale as (
         delete from health_rollups_5m r using fresh f
          where r.bucket >= $1 and r.bucket < $2 and r.service_id = f.service_id and r.bucket = f.bucket
            and (${rollupColumnsOf('r')}) is distinct from (${rollupColumnsOf('f')}))
       insert into health_rollups_5m (service_id, bucket, ${ROLLUP_COLUMNS})
       select f.* from fresh f
        where not exists (
          select 1 from health_rollups_5m r
           where r.bucket >= $1 and r.bucket < $2 and r.service_id = f.service_id and r.bucket = f.bucket
             and (${rollupColumnsOf('r')}) is not distinct from (${rollupColumnsOf('f')}))`
    : `insert into health_rollups_hour as r (service_id, bucket, ${ROLLUP_COLUMNS})
     select service_id, ${utcBucket('hour')} as bucket, ${AGGREGATES}
       from health_checks_decoded
      where checked_at >= $1 and checked_at < $2
      group by service_id, ${utcBucket('hour')}
     on conflict (service_id, bucket) do update set
       healthy = excluded.healthy, degraded = excluded.degraded, down = excluded.down,
       latency_min = excluded.latency_min, latency_avg = excluded.latency_avg,
       latency_max = excluded.latency_max, latency_p95 = excluded.latency_p95
     where (${rollupColumnsOf('r')}) is distinct from (${rollupColumnsOf('excluded')})`;

const MINUTE_MS = 60_000;
/** The five-minute rollups' bucket (the charts' of a day). */
export const FIVE_MINUTES_MS = BUCKET_MS['5m'];
const HOUR_MS = 3600_000;

/**
 * How far back every run of the rollups job looks for checks that came after their five minutes
 * were rolled up: a check is stored when it ends (its time is its start, up to its timeout earlier), and
 * a batch the database refused is retried.
 */
const ROLLUP_LATE_MS = 15 * MINUTE_MS;

export interface RolledUp {
  /** The five-minute buckets looked at: [from, to). */
  from: Date;
  to: Date;
  /** The five-minute buckets rolled up (again), oldest first. */
  fiveMinutes: Date[];
  /** The hours rolled up (again), oldest first: those of `fiveMinutes` that have ended. */
  hours: Date[];
  /** Whether the five-minute rollups stopped before `ROLLUP_LATE_MS` ago: a gap since the last run, caught up. */
  caughtUp: boolean;
  /** Another run (or a move of a day's rollups) held the lock: nothing was looked at. */
  skipped?: boolean;
}

/**
 * The five-minute buckets in [$1, $2) whose raw checks are not all counted in their rollups. Every
 * statement of the job reads the raw checks by time only: the BRIN index on `checked_at`
 * (Migration20261209090000) finds those minutes' blocks; without it each read the whole day.
 */
export const UNCOUNTED_BUCKETS_SQL = `select c.bucket from (
         select ${utcBucket('5m')} as bucket, count(*) as n from health_checks
          where checked_at >= $1 and checked_at < $2 group by 1
       ) c left join (
         select bucket, sum(healthy + degraded + down) as n from health_rollups_5m
          where bucket >= $1 and bucket < $2 group by 1
       ) r using (bucket)
       where r.n is distinct from c.n
       order by c.bucket`;

/**
 * The five-minute buckets in [from, to) whose checks are not all counted in their rollups, read
 * through the time index; the rest of the transaction reads by time the same way (READ_BY_TIME).
 */
export async function uncountedBuckets(sql: SqlClient, from: Date, to: Date): Promise<Date[]> {
  for (const setting of READ_BY_TIME) await sql.query(setting);
  const { rows } = await sql.query<{ bucket: Date }>(UNCOUNTED_BUCKETS_SQL, [from, to]);
  return rows.map((r) => r.bucket);
}

/**
 * The rollups job's work. Looks at the complete five-minute buckets from where those rollups stop
 * (their newest bucket, included, in the database, so whichever replica ran last) or from
 * `ROLLUP_LATE_MS` ago, whichever is earlier, or from `options.from` if earlier still; never past the raw retention
 * (a partly dropped day would overwrite its rollups with less). Rolls up again each of those
 * buckets whose checks are not all counted in its rollups — the raw table only grows, so its count
 * of checks differs exactly when checks came since it was rolled up — then the hours of those
 * buckets that have ended, and each hour that ended since `from` without a rollup (so the current
 * hour is rolled up once, by the first run after its end).
 * Counting costs a read of the buckets' checks (the BRIN index finds their blocks), a fraction of
 * rolling them up (percentiles sort every bucket's latencies); in a steady state a bucket is rolled
 * up once, by the first run after its end, and once an hour the hour that ended.
 *
 * So checks stored late (a retried batch, a long check) within `ROLLUP_LATE_MS`, and every check
 * since the last run after an outage or with every replica down, are rolled up by the next run.
 * Everything happens in one transaction on one snapshot: the hour and five-minute rollups agree,
 * and the newest five-minute bucket (where the next run starts) only moves once both are stored.
 */
export async function rollUpRecent(pool: pg.Pool, now: Date, options: { rawRetentionDays: number; from?: Date }): Promise<RolledUp> {
  const to = Math.floor(now.getTime() / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
  const late = to - ROLLUP_LATE_MS;
  const oldest = Math.ceil((now.getTime() - options.rawRetentionDays * DAY_MS) / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
  // One run at a time on every replica: the five-minute rollups' one row per bucket rests on it (`rollUp`).
  // A session lock, taken before the transaction, so its snapshot sees every run before it. A run
  // that finds it held skips (the next, a minute later, looks again): waiting would hold a pooled
  // connection, and a stop, for as long as the holder, or its dead connection, keeps it.
  return withConnection(pool, async (client, discard) => {
    const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [ROLLUPS_LOCK_KEY]);
    if (!rows[0].ok) return { from: new Date(to), to: new Date(to), fiveMinutes: [], hours: [], caughtUp: false, skipped: true };
    try {
      return await transactionOn(client, discard, (sql) => rollUpOnce(sql, to, late, oldest, options.from));
    } finally {
      await client.query('select pg_advisory_unlock($1)', [ROLLUPS_LOCK_KEY]).catch((error: Error) => discard(error));
    }
  });
}

async function rollUpOnce(sql: SqlClient, to: number, late: number, oldest: number, rollUpFrom: Date | undefined): Promise<RolledUp> {
  await sql.query('set transaction isolation level repeatable read');
  const { rows: newest } = await sql.query<{ last: Date | null }>('select max(bucket) as last from health_rollups_5m where bucket < $1', [new Date(to)]);
  // From the newest rolled bucket itself, not the one after: it may hold only part of its checks
  // (rolled by minutes before Migration20261211090000 folded them), and counting it again is cheap.
  const next = newest[0].last ? newest[0].last.getTime() : late;
  const from = Math.max(oldest, Math.min(late, next, rollUpFrom?.getTime() ?? late));
  const buckets = (await uncountedBuckets(sql, new Date(from), new Date(to))).map((bucket) => bucket.getTime());
  // Only whole hours: the current one is rolled up once it has ended (its checks, read by
  // `latencySeries` from the raw ones meanwhile). Rolled up every minute, an hour cost sixty
  // reads and sorts of all its checks — at 100,000 services up to 6 million rows a minute.
  // An hour whose buckets were all rolled up before it ended (nothing in its last minutes, or
  // checks every few minutes) is taken when it has ended and has no rollup yet.
  const ended: number[] = [];
  for (let end = Math.ceil(from / HOUR_MS) * HOUR_MS; end <= to; end += HOUR_MS) ended.push(end - HOUR_MS);
  const { rows: rolledHours } = ended.length
    ? await sql.query<{ bucket: Date }>('select distinct bucket from health_rollups_hour where bucket = any($1::timestamptz[])', [ended.map((t) => new Date(t))])
    : { rows: [] };
  const unrolled = ended.filter((hour) => !rolledHours.some((r) => r.bucket.getTime() === hour));
  const hours = [...new Set([...buckets.map((t) => Math.floor(t / HOUR_MS) * HOUR_MS), ...unrolled])].filter((hour) => hour + HOUR_MS <= to).sort((a, b) => a - b);
  for (const [a, b] of spans(hours, HOUR_MS)) await rollUp(sql, 'hour', a, b);
  for (const [a, b] of spans(buckets, FIVE_MINUTES_MS)) await rollUp(sql, '5m', a, b);
  const dates = (times: number[]) => times.map((t) => new Date(t));
  return { from: new Date(from), to: new Date(to), fiveMinutes: dates(buckets), hours: dates(hours), caughtUp: next < late };
}

/** Sorted bucket starts of one size as the fewest [from, to) ranges. */
function spans(starts: number[], size: number): [Date, Date][] {
  const out: [number, number][] = [];
  for (const start of starts) {
    const last = out.at(-1);
    if (last && last[1] === start) last[1] = start + size;
    else out.push([start, start + size]);
  }
  return out.map(([a, b]) => [new Date(a), new Date(b)]);
}

/**
 * Rollups past `retentionDays`: the five-minute rollups (a row per service and five minutes: 2.9
 * million a day at 10,000 services) by whole daily partitions, like the raw checks, so a day is kept until it is
 * wholly past the cutoff; the hour rollups (24 rows per service a day) row by row.
 */
export async function deleteOldRollups(sql: pg.Pool, now: Date, retentionDays: number): Promise<void> {
  await dropExpiredPartitions(sql, now, retentionDays, 'health_rollups_5m');
  await sql.query('delete from health_rollups_hour where bucket < $1', [new Date(now.getTime() - retentionDays * DAY_MS)]);
}
