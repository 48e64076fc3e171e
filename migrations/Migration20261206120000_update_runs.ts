import { Migration } from '@mikro-orm/migrations';

/**
 * Updates from git (server/updates/): one row per update run with its steps, and its output lines.
 * At most one run is `running` (a unique partial index); its lease is renewed while the updater
 * lives, so a crashed updater's run is found expired and closed as abandoned by the next one.
 * While a run that drains is running (lease valid), workers are handed no new operation runs.
 */
export class Migration20261206120000_update_runs extends Migration {

  override name = 'Migration20261206120000_update_runs';

  override up(): void | Promise<void> {
    this.addSql(`create table "update_runs" (
      "id" bigserial primary key,
      "kind" varchar(16) not null default 'update',
      "state" varchar(16) not null,
      "from_commit" varchar(64) not null,
      "from_version" varchar(100) not null,
      "to_commit" varchar(64) null,
      "to_version" varchar(100) null,
      "remote" varchar(200) not null,
      "branch" varchar(200) not null,
      "drain" boolean not null default false,
      "requested_by" varchar(200) not null,
      "replica" varchar(200) not null,
      "lease_expires_at" timestamptz not null,
      "started_at" timestamptz not null,
      "finished_at" timestamptz null,
      "steps" jsonb not null,
      "failed_step" varchar(32) null,
      "error" text null,
      "release_root" text null,
      "migrations_before" text null,
      "applied_migrations" text[] not null default '{}',
      constraint "update_runs_state_check" check ("state" in ('running', 'succeeded', 'failed', 'abandoned')));`);
    this.addSql(`create unique index "update_runs_one_running" on "update_runs" ((true)) where "state" = 'running';`);
    this.addSql(`create index "update_runs_started_at_index" on "update_runs" ("started_at" desc);`);
    this.addSql(`create table "update_run_lines" (
      "run_id" bigint not null references "update_runs" ("id") on delete cascade,
      "seq" int not null,
      "step" varchar(32) not null,
      "at" timestamptz not null,
      "line" text not null,
      primary key ("run_id", "seq"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "update_run_lines" cascade;`);
    this.addSql(`drop table if exists "update_runs" cascade;`);
  }

}
