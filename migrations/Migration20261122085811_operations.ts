import { Migration } from '@mikro-orm/migrations';

export class Migration20261122085811_operations extends Migration {

  override name = 'Migration20261122085811_operations';

  override up(): void | Promise<void> {
    this.addSql(`create table "checklist_overrides" ("id" serial primary key, "check_name" varchar(100) not null, "reason" text not null, "by_label" varchar(320) not null, "at" timestamptz not null);`);

    this.addSql(`create table "dispatch_events" ("id" bigserial primary key, "at" timestamptz not null, "kind" varchar(40) not null, "workspace_id" int null, "run_id" bigint null);`);
    this.addSql(`create index "dispatch_events_at_index" on "dispatch_events" ("at");`);

    this.addSql(`create table "idempotency_keys" ("workspace_id" int not null, "key" varchar(200) not null, "run_id" bigint not null, "input_hash" varchar(64) not null, "created_at" timestamptz not null, primary key ("workspace_id", "key"));`);
    this.addSql(`create index "idempotency_keys_created_at_index" on "idempotency_keys" ("created_at");`);

    this.addSql(`create table "workers" ("id" serial primary key, "name" varchar(200) not null, "types" text[] not null, "capacity" int not null, "registered_at" timestamptz not null, "last_heartbeat_at" timestamptz not null);`);
    this.addSql(`alter table "workers" add constraint "workers_name_unique" unique ("name");`);

    this.addSql(`create table "workspaces" ("id" serial primary key, "slug" varchar(100) not null, "name" varchar(200) not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "workspaces" add constraint "workspaces_slug_unique" unique ("slug");`);

    this.addSql(`create table "tenants" ("id" serial primary key, "workspace_id" int not null, "slug" varchar(100) not null, "name" varchar(200) not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "tenants" add constraint "tenants_workspace_id_slug_unique" unique ("workspace_id", "slug");`);

    this.addSql(`create table "operation_runs" ("id" bigserial primary key, "workspace_id" int not null, "tenant_id" int null, "initiator_name" varchar(200) null, "type" varchar(100) not null, "status" text not null, "outcome" text not null, "context" jsonb not null, "input" jsonb not null, "result" jsonb null, "error" text null, "attempt" int not null, "lease_worker" varchar(200) null, "lease_token_hash" varchar(64) null, "lease_expires_at" timestamptz null, "last_heartbeat_at" timestamptz null, "idempotency_key" varchar(200) null, "input_hash" varchar(64) not null, "retry_of_run_id" bigint null, "created_at" timestamptz not null, "started_at" timestamptz null, "completed_at" timestamptz null);`);
    this.addSql(`create index "operation_runs_retry_of_run_id_index" on "operation_runs" ("retry_of_run_id");`);
    this.addSql(`create index "operation_runs_status_type_created_at_index" on "operation_runs" ("status", "type", "created_at");`);
    this.addSql(`create index "operation_runs_workspace_id_created_at_index" on "operation_runs" ("workspace_id", "created_at");`);
    this.addSql(`create index "operation_runs_outcome_completed_at_index" on "operation_runs" ("outcome", "completed_at");`);
    this.addSql(`create index "operation_runs_lease_expires_at_index" on "operation_runs" ("lease_expires_at");`);

    this.addSql(`alter table "users" add "workspaces" text[] null;`);

    this.addSql(`alter table "api_tokens" add "workspaces" text[] null;`);

    this.addSql(`alter table "tenants" add constraint "tenants_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`);

    this.addSql(`alter table "operation_runs" add constraint "operation_runs_workspace_id_foreign" foreign key ("workspace_id") references "workspaces" ("id") on delete cascade;`);
    this.addSql(`alter table "operation_runs" add constraint "operation_runs_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on delete set null;`);
    this.addSql(`alter table "operation_runs" add constraint "operation_runs_status_check" check ("status" in ('queued', 'running', 'completed'));`);
    this.addSql(`alter table "operation_runs" add constraint "operation_runs_outcome_check" check ("outcome" in ('pending', 'succeeded', 'failed', 'cancelled'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "tenants" drop constraint "tenants_workspace_id_foreign";`);
    this.addSql(`alter table "operation_runs" drop constraint "operation_runs_workspace_id_foreign";`);
    this.addSql(`alter table "operation_runs" drop constraint "operation_runs_tenant_id_foreign";`);

    this.addSql(`drop table if exists "checklist_overrides" cascade;`);
    this.addSql(`drop table if exists "dispatch_events" cascade;`);
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
    this.addSql(`drop table if exists "workers" cascade;`);
    this.addSql(`drop table if exists "workspaces" cascade;`);
    this.addSql(`drop table if exists "tenants" cascade;`);
    this.addSql(`drop table if exists "operation_runs" cascade;`);

    this.addSql(`alter table "api_tokens" drop column "workspaces";`);

    this.addSql(`alter table "users" drop column "workspaces";`);
  }

}
