import { Migration } from '@mikro-orm/migrations';

/**
 * Host metrics history (server/system/host-metrics.ts): a row per replica (host:pid) per minute,
 * written by each replica, pruned past 48 h by the `host-samples-prune` job.
 */
export class Migration20261206091742_host_samples extends Migration {

  override name = 'Migration20261206091742_host_samples';

  override up(): void | Promise<void> {
    this.addSql(`create table "host_samples" (
      "replica" varchar(120) not null,
      "at" timestamptz not null,
      "cpu_percent" real not null,
      "cpu_cores" int not null,
      "memory_percent" real not null,
      "memory_used_bytes" bigint not null,
      "memory_total_bytes" bigint not null,
      "disk_percent" real not null,
      "disk_used_bytes" bigint not null,
      "disk_total_bytes" bigint not null,
      "queue_depth" int null,
      "running_runs" int null,
      "uptime_seconds" bigint not null,
      primary key ("replica", "at"));`);
    this.addSql(`create index "host_samples_at_index" on "host_samples" ("at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "host_samples" cascade;`);
  }

}
