import { Migration } from '@mikro-orm/migrations';

export class Migration20261122083231_monitoring extends Migration {

  override name = 'Migration20261122083231_monitoring';

  override up(): void | Promise<void> {
    this.addSql(`create table "services" ("id" serial primary key, "name" varchar(100) not null, "display_name" varchar(200) not null, "kind" varchar(30) not null, "target" text not null, "options" jsonb not null, "interval_ms" int not null, "timeout_ms" int not null, "degraded_latency_ms" int null, "failure_threshold" int not null, "recovery_threshold" int not null, "critical" boolean not null, "tags" text[] not null, "depends_on" text[] not null, "paused" boolean not null, "source" text not null, "source_path" text null, "ping_token" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "services" add constraint "services_name_unique" unique ("name");`);
    this.addSql(`alter table "services" add constraint "services_ping_token_unique" unique ("ping_token");`);

    this.addSql(`create table "service_states" ("service_id" int not null, "status" varchar(10) null, "status_since" timestamptz null, "pending_status" varchar(10) null, "pending_count" int not null, "last_checked_at" timestamptz null, "last_latency_ms" int null, "last_error" text null, "last_details" jsonb null, "recent_latencies" int[] not null, "next_due_at" timestamptz not null, "claimed_until" timestamptz null, "last_ping_at" timestamptz null, "last_ping_failed" boolean not null, primary key ("service_id"));`);
    this.addSql(`create index "service_states_next_due_at_index" on "service_states" ("next_due_at");`);

    this.addSql(`create table "uptime_records" ("id" bigserial primary key, "service_id" int not null, "status" varchar(10) not null, "started_at" timestamptz not null, "ended_at" timestamptz null, "duration_ms" bigint null);`);
    this.addSql(`create index "uptime_records_service_id_started_at_index" on "uptime_records" ("service_id", "started_at");`);
    this.addSql(`create unique index "uptime_records_open" on "uptime_records" ("service_id") where "ended_at" is null;`);

    this.addSql(`alter table "services" add constraint "services_source_check" check ("source" in ('config', 'api', 'builtin'));`);

    this.addSql(`alter table "service_states" add constraint "service_states_service_id_foreign" foreign key ("service_id") references "services" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "uptime_records" add constraint "uptime_records_service_id_foreign" foreign key ("service_id") references "services" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "service_states" drop constraint "service_states_service_id_foreign";`);
    this.addSql(`alter table "uptime_records" drop constraint "uptime_records_service_id_foreign";`);

    this.addSql(`drop table if exists "services" cascade;`);
    this.addSql(`drop table if exists "service_states" cascade;`);
    this.addSql(`drop table if exists "uptime_records" cascade;`);
  }

}
