/**
 * The reads of one service's checks the API needs: its recent checks with cursor paging, and a
 * latency chart from the raw checks and the rollups (timeseries.ts writes both). The per-service
 * indexes of the raw checks and of the five-minute rollups are keyed by the hour
 * (Migration20261210090000, Migration20261211090000): each read names the hours it covers.
 */
import type pg from 'pg';
import { statusFromCode } from './results.ts';
import type { Status } from './status.ts';
import { AGGREGATES, ROLLUP_COLUMNS, utcBucket } from './timeseries.ts';
import { BUCKET_MS, latencyResolution, type LatencyResolution } from './latency-resolution.ts';

export interface CheckRow {
  checkedAt: Date;
  status: Status;
  latencyMs: number;
  error: string | null;
}

export interface CheckPage {
  checks: CheckRow[];
  /** Whether older checks (at or after `since`) remain: pass the last check's `checkedAt` as `before`. */
  hasNextPage: boolean;
}

/**
 * A check's hour as the raw checks' per-service index keys it (Migration20261210090000): a
 * service's checks are found by the hours they fall in, and sorted by instant within them. A read
 * by service says both, the hour bounds for the index and the instants for the rows.
 */
const CHECK_HOUR = `date_bin('1 hour', checked_at, '2000-01-01 00:00:00+00')`;
const hourOf = (instant: string) => `date_bin('1 hour', (${instant})::timestamptz, '2000-01-01 00:00:00+00')`;
/** The same for the five-minute rollups' per-service index (Migration20261211090000). */
const BUCKET_HOUR = `date_bin('1 hour', bucket, '2000-01-01 00:00:00+00')`;

type CheckRecord = { checked_at: Date; status: number; latency_ms: number; error: string | null };
const toCheckRow = (r: CheckRecord): CheckRow => ({ checkedAt: r.checked_at, status: statusFromCode(r.status), latencyMs: r.latency_ms, error: r.error });

/**
 * A page of one service's checks, newest first: those before `before` (exclusive) and at or after
 * `since`. The cursor of the next page is the `checkedAt` of the page's last check.
 *
 * Several checks of a service can share an instant (two rechecks started together, two heartbeat
 * pings in the same millisecond; the table has no unique key), and an instant cannot tell them
 * apart. So a page never ends inside an instant: when the `first` newest checks would split one,
 * the page stops before it (it holds fewer than `first`) and the next page starts with all of it;
 * only when more than `first` checks share the page's one instant does the page hold them all.
 * Paging with the cursor thus returns every check exactly once.
 */
export async function recentChecks(sql: pg.Pool, serviceId: number, first: number, before?: Date, since?: Date): Promise<CheckPage> {
  const { rows } = await sql.query<CheckRecord>(
    `select checked_at, status, latency_ms, error from health_checks_decoded
      where service_id = $1 and checked_at < $2 and checked_at >= $3
        and ${CHECK_HOUR} <= ${hourOf('$2')} and ${CHECK_HOUR} >= ${hourOf('$3')}
      order by ${CHECK_HOUR} desc, checked_at desc limit $4`,
    [serviceId, before ?? new Date('9999-01-01'), since ?? new Date(0), first + 1],
  );
  if (rows.length <= first) return { checks: rows.map(toCheckRow), hasNextPage: false };
  // rows[first] is the newest check left off: leave off the rest of its instant too.
  const edge = rows[first].checked_at.getTime();
  let end = first;
  while (end > 0 && rows[end - 1].checked_at.getTime() === edge) end--;
  if (end > 0) return { checks: rows.slice(0, end).map(toCheckRow), hasNextPage: true };

  // More than `first` checks at one instant (to the millisecond, as the cursor has it): all of
  // them, and the newest older one to know whether there is a next page.
  const { rows: group } = await sql.query<CheckRecord>(
    `select * from (
       (select checked_at, status, latency_ms, error from health_checks_decoded
         where service_id = $1 and checked_at >= $2 and checked_at < $3 and ${CHECK_HOUR} = ${hourOf('$2')})
       union all
       (select checked_at, status, latency_ms, error from health_checks_decoded
         where service_id = $1 and checked_at < $2 and checked_at >= $4
           and ${CHECK_HOUR} <= ${hourOf('$2')} and ${CHECK_HOUR} >= ${hourOf('$4')}
         order by ${CHECK_HOUR} desc, checked_at desc limit 1)
     ) g order by checked_at desc`,
    [serviceId, new Date(edge), new Date(edge + 1), since ?? new Date(0)],
  );
  const hasNextPage = group.length > 0 && group.at(-1)!.checked_at.getTime() < edge;
  return { checks: (hasNextPage ? group.slice(0, -1) : group).map(toCheckRow), hasNextPage };
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

export interface LatencySeries {
  resolution: LatencyResolution;
  points: LatencyPoint[];
  /** The raw checks read (those of the buckets not taken from the rollups). */
  rawChecks: number;
}

/**
 * Latency and status counts per bucket over [from, to): per minute for ranges up to 6 hours, per
 * five minutes up to a day, per hour beyond (`latencyResolution`). A point is a bucket that starts
 * at or after `from` and before `to`, with its checks before `to`.
 * - Per minute, from the raw checks (kept 14 days by default: no minute rollups are stored). Where
 *   the range reaches before the service's oldest raw check in it (dropped by retention), the
 *   five-minute rollups of that part.
 * - Per five minutes or per hour, from the rollups of the whole buckets in range up to the
 *   service's newest rolled one (cheaper than its raw checks, and still there once the raw checks
 *   are dropped), then the raw checks since (the job rolls up each five minutes, and each hour,
 *   once complete).
 * `resolution` forces another resolution than the range's. At most `rawLimit` raw checks are read
 * (all with null): a series that reached it is cut, and `rawChecks` says so (a service pinged many
 * times a second has far more checks than its interval says).
 */
export async function readLatencySeries(
  sql: pg.Pool,
  serviceId: number,
  from: Date,
  to: Date,
  rawLimit: number | null,
  resolution: LatencyResolution = latencyResolution(to.getTime() - from.getTime()),
): Promise<LatencySeries> {
  const step = BUCKET_MS[resolution];
  // The first bucket that starts in range, and the start of the last one (those before it end in range).
  const first = new Date(Math.ceil(from.getTime() / step) * step);
  const lastStart = new Date(Math.floor(to.getTime() / step) * step);
  // The hour rollups' key is (service_id, bucket); the five-minute rollups' is keyed by the hour.
  const hours = resolution === 'hour' ? '' : `and ${BUCKET_HOUR} >= ${hourOf('$2')} and ${BUCKET_HOUR} <= ${hourOf('$3')}`;
  const query =
    resolution === 'minute'
      ? // The oldest raw check in range, found by its hour (the index's key) then its instant.
        `with raw as (
         select coalesce((select checked_at from health_checks
            where service_id = $1 and checked_at >= $2 and checked_at < $3 and ${CHECK_HOUR} >= ${hourOf('$2')} and ${CHECK_HOUR} <= ${hourOf('$3')}
            order by ${CHECK_HOUR}, checked_at limit 1), $3::timestamptz) as since),
       checks as (
         select checked_at, status, latency_ms from health_checks_decoded
          where service_id = $1 and checked_at >= $2 and checked_at < $3 and ${CHECK_HOUR} >= ${hourOf('$2')} and ${CHECK_HOUR} <= ${hourOf('$3')}
          limit $4::bigint)
       select bucket as at, ${ROLLUP_COLUMNS}, false as from_raw
         from health_rollups_5m, raw where service_id = $1 and bucket >= $2 and bucket + interval '5 minutes' <= $3
          and bucket < ${utcBucketOf('raw.since')} ${hours}
       union all
       select ${utcBucket('minute')} as at, ${AGGREGATES}, true from checks group by 1
       order by 1`
      : // The service's newest rolled bucket in range. For five minutes, by its newest hour, not
        // \`max()\`: PostgreSQL answered that from the \`bucket\` index, walking every service's
        // buckets back from the range's end until it met this service's.
        `with rolled as (
         select coalesce((${
           resolution === 'hour'
             ? `select max(bucket) from health_rollups_hour where service_id = $1 and bucket >= $2 and bucket < $4`
             : `select bucket from health_rollups_5m where service_id = $1 and bucket >= $2 and bucket < $4 ${hours} order by ${BUCKET_HOUR} desc, bucket desc limit 1`
         }) + interval '${resolution === 'hour' ? '1 hour' : '5 minutes'}', $2::timestamptz) as until),
       cut as (select greatest($2::timestamptz, least($4::timestamptz, rolled.until)) as at from rolled),
       checks as (
         select checked_at, status, latency_ms from health_checks_decoded, cut
          where service_id = $1 and checked_at >= cut.at and checked_at < $3
            and ${CHECK_HOUR} >= ${hourOf('cut.at')} and ${CHECK_HOUR} <= ${hourOf('$3')}
          limit $5::bigint)
       select bucket as at, ${ROLLUP_COLUMNS}, false as from_raw
         from ${resolution === 'hour' ? 'health_rollups_hour' : 'health_rollups_5m'}, cut where service_id = $1 and bucket >= $2 and bucket < cut.at ${hours}
       union all
       select ${utcBucket(resolution)} as at, ${AGGREGATES}, true from checks group by 1
       order by 1`;
  const { rows } = await sql.query(query, resolution === 'minute' ? [serviceId, first, to, rawLimit] : [serviceId, first, to, lastStart, rawLimit]);
  let rawChecks = 0;
  const points = rows.map((r) => {
    const point = {
      at: r.at,
      avgMs: Math.round(Number(r.latency_avg)),
      maxMs: Number(r.latency_max),
      p95Ms: Number(r.latency_p95),
      healthy: Number(r.healthy),
      degraded: Number(r.degraded),
      down: Number(r.down),
    };
    if (r.from_raw) rawChecks += point.healthy + point.degraded + point.down;
    return point;
  });
  return { resolution, points, rawChecks };
}

/** `readLatencySeries` with no limit on the raw checks read: its points. */
export async function latencySeries(sql: pg.Pool, serviceId: number, from: Date, to: Date): Promise<LatencyPoint[]> {
  return (await readLatencySeries(sql, serviceId, from, to, null)).points;
}

/** The five-minute bucket of an instant (as `utcBucket('5m')` computes a check's). */
const utcBucketOf = (instant: string) => `date_bin('5 minutes', ${instant}, '2000-01-01 00:00:00+00')`;
