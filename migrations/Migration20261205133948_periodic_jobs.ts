import { Migration } from '@mikro-orm/migrations';

/** Periodic jobs claimed by due time (server/jobs.ts): a row per job of server/job-registry.ts, inserted at start-up. */
export class Migration20261205133948_periodic_jobs extends Migration {

  override name = 'Migration20261205133948_periodic_jobs';

  override up(): void | Promise<void> {
    this.addSql(`create table "periodic_jobs" ("name" varchar(100) not null, "every_ms" int not null, "next_run_at" timestamptz not null, "claimed_by" text null, "claimed_until" timestamptz null, "last_started_at" timestamptz null, "last_finished_at" timestamptz null, "last_error" text null, "last_duration_ms" int null, "state" jsonb null, primary key ("name"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "periodic_jobs" cascade;`);
  }

}
