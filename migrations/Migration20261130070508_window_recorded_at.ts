import { Migration } from '@mikro-orm/migrations';

/** When each uptime window was stored: replays of transitions go by it (see monitoring/transitions.ts). */
export class Migration20261130070508_window_recorded_at extends Migration {

  override name = 'Migration20261130070508_window_recorded_at';

  override up(): void | Promise<void> {
    this.addSql(`drop index "uptime_records_started_at_index";`);
    // Windows stored before this migration count as recorded when they began.
    this.addSql(`alter table "uptime_records" add "recorded_at" timestamptz null;`);
    this.addSql(`update "uptime_records" set "recorded_at" = "started_at";`);
    this.addSql(`alter table "uptime_records" alter column "recorded_at" set default now(), alter column "recorded_at" set not null;`);
    this.addSql(`create index "uptime_records_recorded_at_index" on "uptime_records" ("recorded_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "uptime_records_recorded_at_index";`);
    this.addSql(`alter table "uptime_records" drop column "recorded_at";`);
    this.addSql(`create index "uptime_records_started_at_index" on "uptime_records" ("started_at");`);
  }

}
