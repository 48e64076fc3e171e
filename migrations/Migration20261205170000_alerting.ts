import { Migration } from '@mikro-orm/migrations';

/**
 * Alerting (server/alerting/): channels, per-service alert settings with one default row,
 * incidents and the transitions they went through, the delivery outbox and every attempt of each
 * delivery, maintenance windows, and the alerting cursor on the transition stream. Plain SQL tables
 * (the outbox is claimed with SKIP LOCKED): db/entities.ts keeps the schema diff off them.
 *
 * The cursor starts after the transitions already stored: a first deploy alerts on what happens
 * from now on, not on a history nobody was paged for.
 */
export class Migration20261205170000_alerting extends Migration {

  override name = 'Migration20261205170000_alerting';

  override up(): void | Promise<void> {
    this.addSql(`create table "alert_channels" (
      "id" serial primary key,
      "name" varchar(100) not null unique,
      "kind" varchar(30) not null,
      "settings" jsonb not null,
      "source" varchar(10) not null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null);`);
    this.addSql(`create table "alert_configs" (
      "id" serial primary key,
      "service_id" int null references "services" ("id") on delete cascade,
      "enabled" boolean null,
      "channels" text[] null,
      "escalation_delay_ms" int null,
      "min_duration_ms" int null,
      "remind_every_ms" int null,
      "notify_recovery" boolean null,
      "source" varchar(10) not null,
      "updated_at" timestamptz not null);`);
    this.addSql(`create unique index "alert_configs_service" on "alert_configs" ("service_id") where "service_id" is not null;`);
    this.addSql(`create unique index "alert_configs_default" on "alert_configs" ((true)) where "service_id" is null;`);
    this.addSql(`create table "alert_incidents" (
      "id" bigserial primary key,
      "service_id" int not null references "services" ("id") on delete cascade,
      "state" varchar(10) not null,
      "severity" varchar(10) not null,
      "status" varchar(10) not null,
      "reason" text not null,
      "started_at" timestamptz not null,
      "opened_at" timestamptz not null,
      "acknowledged_at" timestamptz null,
      "acknowledged_by" text null,
      "resolved_at" timestamptz null,
      "resolution" varchar(20) null,
      "suppressed_by" text null,
      "notified_at" timestamptz null,
      "next_notice_at" timestamptz null,
      "reminders" int not null default 0,
      "told" text[] not null default '{}');`);
    this.addSql(`create unique index "alert_incidents_open" on "alert_incidents" ("service_id") where "state" = 'open';`);
    this.addSql(`create index "alert_incidents_due" on "alert_incidents" ("next_notice_at") where "next_notice_at" is not null;`);
    this.addSql(`create index "alert_incidents_started" on "alert_incidents" ("started_at" desc, "id" desc);`);
    this.addSql(`create index "alert_incidents_service" on "alert_incidents" ("service_id", "started_at" desc);`);
    this.addSql(`create table "alert_incident_transitions" (
      "id" bigserial primary key,
      "incident_id" bigint not null references "alert_incidents" ("id") on delete cascade,
      "window_id" bigint null,
      "previous_status" varchar(10) null,
      "status" varchar(10) not null,
      "reason" text not null,
      "at" timestamptz not null);`);
    this.addSql(`create index "alert_incident_transitions_incident" on "alert_incident_transitions" ("incident_id", "id");`);
    this.addSql(`create table "alert_deliveries" (
      "id" bigserial primary key,
      "incident_id" bigint null references "alert_incidents" ("id") on delete cascade,
      "channel" varchar(100) not null,
      "event" varchar(12) not null,
      "message_id" varchar(64) not null unique,
      "notice" jsonb not null,
      "state" varchar(10) not null,
      "attempts" int not null default 0,
      "max_attempts" int not null,
      "next_attempt_at" timestamptz not null,
      "claimed_by" text null,
      "claimed_until" timestamptz null,
      "created_at" timestamptz not null,
      "sent_at" timestamptz null,
      "last_error" text null);`);
    this.addSql(`create index "alert_deliveries_due" on "alert_deliveries" ("next_attempt_at") where "state" = 'pending';`);
    this.addSql(`create index "alert_deliveries_incident" on "alert_deliveries" ("incident_id", "id");`);
    this.addSql(`create table "alert_delivery_attempts" (
      "id" bigserial primary key,
      "delivery_id" bigint not null references "alert_deliveries" ("id") on delete cascade,
      "attempt" int not null,
      "started_at" timestamptz not null,
      "latency_ms" int not null,
      "ok" boolean not null,
      "status_code" int null,
      "error" text null,
      "detail" text null);`);
    this.addSql(`create index "alert_delivery_attempts_delivery" on "alert_delivery_attempts" ("delivery_id", "attempt");`);
    this.addSql(`create table "maintenance_windows" (
      "id" serial primary key,
      "name" varchar(100) not null unique,
      "services" text[] not null default '{}',
      "tags" text[] not null default '{}',
      "everything" boolean not null default false,
      "starts_at" timestamptz not null,
      "ends_at" timestamptz null,
      "rrule" text null,
      "duration_ms" int null,
      "reason" text null,
      "end_when_healthy" boolean not null default false,
      "ended_at" timestamptz null,
      "source" varchar(10) not null,
      "created_by" text null,
      "created_at" timestamptz not null);`);
    this.addSql(`create table "alerting_cursor" (
      "id" int primary key check ("id" = 1),
      "txid" xid8 not null,
      "window_id" bigint not null,
      "updated_at" timestamptz not null);`);
    this.addSql(`insert into "alerting_cursor" ("id", "txid", "window_id", "updated_at")
      select 1, coalesce(last.txid, '0'::xid8), coalesce(last.id, 0), now()
        from (select 1) one left join (select "txid", "id" from "uptime_records" order by "txid" desc, "id" desc limit 1) last on true;`);
  }

  override down(): void | Promise<void> {
    for (const table of ['alerting_cursor', 'maintenance_windows', 'alert_delivery_attempts', 'alert_deliveries', 'alert_incident_transitions', 'alert_incidents', 'alert_configs', 'alert_channels']) {
      this.addSql(`drop table if exists "${table}";`);
    }
  }

}
