import { Migration } from '@mikro-orm/migrations';

/**
 * Public status pages (server/status-pages/): one row per page, from the config file
 * (`source = 'config'`, rewritten at every load) or made by admins through the API.
 * `groups` is a JSON list of `{ name, services: [service names] }`.
 */
export class Migration20261207090000_status_pages extends Migration {

  override name = 'Migration20261207090000_status_pages';

  override up(): void | Promise<void> {
    this.addSql(`create table "status_pages" (
      "id" serial primary key,
      "slug" varchar(64) not null,
      "title" varchar(200) not null,
      "description" text not null default '',
      "groups" jsonb not null default '[]',
      "source" varchar(16) not null,
      "created_by" varchar(200) null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      constraint "status_pages_slug_unique" unique ("slug"),
      constraint "status_pages_source_check" check ("source" in ('config', 'api')));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "status_pages" cascade;`);
  }

}
