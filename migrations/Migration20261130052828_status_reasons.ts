import { Migration } from '@mikro-orm/migrations';

export class Migration20261130052828_status_reasons extends Migration {

  override name = 'Migration20261130052828_status_reasons';

  override up(): void | Promise<void> {
    this.addSql(`alter table "uptime_records" add "reason" text null;`);
    this.addSql(`create index "uptime_records_started_at_index" on "uptime_records" ("started_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "uptime_records_started_at_index";`);
    this.addSql(`alter table "uptime_records" drop column "reason";`);
  }

}
