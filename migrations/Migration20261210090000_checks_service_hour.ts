import { Migration } from '@mikro-orm/migrations';

/**
 * The raw checks' per-service index keyed by the hour instead of the instant:
 * `(service_id, date_bin('1 hour', checked_at, '2000-01-01'))` in place of `(service_id,
 * checked_at)`. Every check had its own key, 24 bytes and a line pointer, in leaf pages that split
 * all over the index as each batch landed on every service: about 45 bytes of index per check,
 * nearly as much as the row itself (52). Keys shared by a service's checks of one hour are
 * deduplicated by PostgreSQL (one key, then 6 bytes per check): 7.7–9.1 bytes per check at 20–60 s
 * intervals, measured on 1.08 million checks (BENCHMARKS.md, "bytes per check").
 *
 * What it costs the reads: a service's newest checks (`recentChecks`) are found by its newest hour
 * and sorted within it (an incremental sort over one hour of one service: 180 checks at 20 s), and
 * the raw minutes of a latency chart by the hours they cover (check-reads.ts, `CHECK_HOUR`). Reads
 * by time alone use the BRIN index, as before.
 *
 * The build reads every stored check once (a plain CREATE INDEX in the migrations' transaction, as
 * the BRIN one); the old index is dropped after it.
 */
export class Migration20261210090000_checks_service_hour extends Migration {

  override name = 'Migration20261210090000_checks_service_hour';

  override up(): void | Promise<void> {
    this.addSql(`create index "health_checks_service_hour" on "health_checks" ("service_id", date_bin('1 hour', "checked_at", '2000-01-01 00:00:00+00'));`);
    this.addSql(`drop index "health_checks_service_time";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "health_checks_service_time" on "health_checks" ("service_id", "checked_at");`);
    this.addSql(`drop index "health_checks_service_hour";`);
  }

}
