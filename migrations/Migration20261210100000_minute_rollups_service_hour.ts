import { Migration } from '@mikro-orm/migrations';

/**
 * The minute rollups' primary key `(service_id, bucket)` replaced by an index keyed by the hour,
 * `(service_id, date_bin('1 hour', bucket, '2000-01-01'))`, as the raw checks' was
 * (Migration20261210090000). A unique key cannot be deduplicated: it took 41 bytes a row, a row
 * being one service's minute (a check at a 60 s interval, three at 20 s); the hour's key shared by
 * a service's sixty rows takes about 10. The row is 77 bytes and the `bucket` index 8.
 *
 * Without the key, one row per service and minute is kept by the rollups job itself: it runs one
 * at a time on every replica (an advisory lock), and rewrites a minute whose values changed by
 * deleting its row and inserting the new one in one statement (timeseries.ts, `rollUp`).
 */
export class Migration20261210100000_minute_rollups_service_hour extends Migration {

  override name = 'Migration20261210100000_minute_rollups_service_hour';

  override up(): void | Promise<void> {
    this.addSql(`create index "health_rollups_minute_service_hour" on "health_rollups_minute" ("service_id", date_bin('1 hour', "bucket", '2000-01-01 00:00:00+00'));`);
    this.addSql(`alter table "health_rollups_minute" drop constraint "health_rollups_minute_pkey";`);
  }

  override down(): void | Promise<void> {
    // A bucket written twice (by hand, or by a run the lock did not hold back) keeps one row, or the key cannot be made.
    this.addSql(`delete from "health_rollups_minute" a using "health_rollups_minute" b
      where a.service_id = b.service_id and a.bucket = b.bucket and (a.tableoid::int, a.ctid) > (b.tableoid::int, b.ctid);`);
    this.addSql(`alter table "health_rollups_minute" add primary key ("service_id", "bucket");`);
    this.addSql(`drop index "health_rollups_minute_service_hour";`);
  }

}
