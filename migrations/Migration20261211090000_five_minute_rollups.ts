import { Migration } from '@mikro-orm/migrations';

/**
 * The minute rollups replaced by five-minute rollups, `health_rollups_5m`, partitioned by day the
 * same way. A minute rollup was a 77-byte row (and 18 of index) for every service and minute: a
 * whole row per check at a 60 s interval, a third of one at 20 s, as much as the raw check itself.
 * A five-minute row is shared by five checks at 60 s, fifteen at 20 s. Charts up to 6 hours are
 * drawn per minute from the raw checks (kept 14 days by default), a day per five minutes from these
 * rollups (server/monitoring/check-reads.ts, `latencySeries`).
 *
 * Existing minute rollups are folded into five-minute rows, in a partition per day they cover:
 * counts and extremes exactly, the average weighted by each minute's checks, and the 95th
 * percentile as the highest of the five minutes' (an upper bound: their latencies are not kept); a
 * minute stored twice counts once, as the row that counted more checks. The newest bucket may hold only the minutes rolled up so far:
 * the rollups job starts from the newest bucket itself, and counts it again from the raw checks.
 * Down makes minute rollups again from the raw checks still kept; the five-minute rows cannot be
 * split into minutes, and older ones are dropped.
 */
export class Migration20261211090000_five_minute_rollups extends Migration {
  override name = 'Migration20261211090000_five_minute_rollups';

  override up(): void {
    for (const statement of createRollupTable('health_rollups_5m')) this.addSql(statement);
    this.addSql(partitionsLike('health_rollups_minute', 'health_rollups_5m'));
    this.addSql(`insert into "health_rollups_5m" (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
      select service_id, date_bin('5 minutes', bucket, '2000-01-01 00:00:00+00'), sum(healthy), sum(degraded), sum(down), min(latency_min),
             (sum(latency_avg::float8 * (healthy + degraded + down)) / nullif(sum(healthy + degraded + down), 0))::real, max(latency_max), max(latency_p95)
        from (select distinct on (service_id, bucket) * from "health_rollups_minute" order by service_id, bucket, healthy + degraded + down desc) m
       group by 1, 2;`);
    this.addSql(`drop table "health_rollups_minute" cascade;`);
  }

  override down(): void {
    for (const statement of createRollupTable('health_rollups_minute')) this.addSql(statement);
    this.addSql(partitionsLike('health_checks', 'health_rollups_minute'));
    this.addSql(`insert into "health_rollups_minute" (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
      select service_id, bucket, healthy::int, degraded::int, down::int, latency_min, latency_avg::real, latency_max, latency_p95 from (
        select service_id, date_trunc('minute', checked_at at time zone 'UTC') at time zone 'UTC' as bucket,
               count(*) filter (where status = 0) as healthy, count(*) filter (where status = 1) as degraded, count(*) filter (where status = 2) as down,
               min(latency_ms) as latency_min, avg(latency_ms) as latency_avg, max(latency_ms) as latency_max,
               percentile_disc(0.95) within group (order by latency_ms) as latency_p95
          from "health_checks" group by 1, 2) a;`);
    this.addSql(`drop table "health_rollups_5m" cascade;`);
  }
}

/** A rollups table partitioned by day, its default partition, and its indexes: by time, and per service keyed by the hour (deduplicated). */
function createRollupTable(table: string): string[] {
  return [
    `create table "${table}" (
      "service_id" int not null,
      "bucket" timestamptz not null,
      "healthy" int not null,
      "degraded" int not null,
      "down" int not null,
      "latency_min" int not null,
      "latency_avg" real not null,
      "latency_max" int not null,
      "latency_p95" int not null
    ) partition by range ("bucket");`,
    `create index "${table}_bucket" on "${table}" ("bucket");`,
    `create index "${table}_service_hour" on "${table}" ("service_id", date_bin('1 hour', "bucket", '2000-01-01 00:00:00+00'));`,
    `create table "${table}_default" partition of "${table}" default;`,
  ];
}

/** A daily partition of `table` for every daily partition `source` has (named `<source>_YYYYMMDD`). */
function partitionsLike(source: string, table: string): string {
  return `do $$
    declare d date;
    begin
      for d in select to_date(right(c.relname, 8), 'YYYYMMDD') from pg_inherits i
                 join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
                where p.relname = '${source}' and c.relname ~ '^${source}_[0-9]{8}$' loop
        execute format('create table %I partition of ${table} for values from (%L) to (%L)',
          '${table}_' || to_char(d, 'YYYYMMDD'), d::timestamp at time zone 'UTC', (d + 1)::timestamp at time zone 'UTC');
      end loop;
    end $$;`;
}
