import { Migration } from '@mikro-orm/migrations';

/**
 * The check time series, written by hand because the ORM does not model partitioned tables.
 * `health_checks` is range-partitioned by day (partitions are created ahead and dropped whole by
 * the retention job; the default partition only catches rows if that job ever falls behind). A row
 * is about 40 bytes plus its index entry: status is a smallint (0 healthy, 1 degraded, 2 down), the
 * error text is stored only for failing checks.
 */
export class Migration20261122083300_timeseries extends Migration {
  override name = 'Migration20261122083300_timeseries';

  override up(): void {
    this.addSql(`create table "health_checks" (
      "checked_at" timestamptz not null,
      "service_id" int not null,
      "status" smallint not null,
      "latency_ms" int not null,
      "error" text null
    ) partition by range ("checked_at");`);
    this.addSql(`create index "health_checks_service_time" on "health_checks" ("service_id", "checked_at");`);
    this.addSql(`create table "health_checks_default" partition of "health_checks" default;`);
    for (const resolution of ['minute', 'hour']) {
      this.addSql(`create table "health_rollups_${resolution}" (
        "service_id" int not null,
        "bucket" timestamptz not null,
        "healthy" int not null,
        "degraded" int not null,
        "down" int not null,
        "latency_min" int not null,
        "latency_avg" real not null,
        "latency_max" int not null,
        "latency_p95" int not null,
        primary key ("service_id", "bucket")
      );`);
      this.addSql(`create index "health_rollups_${resolution}_bucket" on "health_rollups_${resolution}" ("bucket");`);
    }
  }

  override down(): void {
    this.addSql('drop table if exists "health_checks" cascade;');
    this.addSql('drop table if exists "health_rollups_minute";');
    this.addSql('drop table if exists "health_rollups_hour";');
  }
}
