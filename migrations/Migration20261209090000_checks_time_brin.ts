import { Migration } from '@mikro-orm/migrations';

/**
 * A BRIN index on the raw checks' time. The rollups job asks every minute for the checks of the
 * last minutes of every service (`checked_at` in a range): the only index led by `service_id`, so
 * PostgreSQL read the whole day's partition each time — 14.4 million rows at 10,000 services by
 * 08:00 (0.8 s a statement), ten times that at 100,000 by the end of the day, three statements a
 * minute. Rows are appended in about `checked_at` order, so a block range index (tens of kilobytes
 * for a day) finds the last minutes' blocks whatever the size of the day. Created on each partition,
 * and on the partitions created later when they are attached; `autosummarize` has autovacuum
 * summarise each range of blocks once it is full (a range not summarised yet is always read, which
 * is right for the newest one and would be the whole day for the rest).
 */
export class Migration20261209090000_checks_time_brin extends Migration {

  override name = 'Migration20261209090000_checks_time_brin';

  override up(): void | Promise<void> {
    this.addSql(`create index "health_checks_checked_at" on "health_checks" using brin ("checked_at") with (autosummarize = on);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "health_checks_checked_at";`);
  }

}
