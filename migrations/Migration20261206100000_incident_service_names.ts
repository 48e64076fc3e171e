import { Migration } from '@mikro-orm/migrations';

/**
 * An incident outlives its service: removing a service (from the API or the config file) used to
 * delete its incidents with it, so the channels told of an open one never heard it resolved (a
 * PagerDuty alert stayed open). The incident keeps the service's name and display name, and its
 * `service_id` becomes null when the service goes; the alerting pass resolves such an incident and
 * tells the channels (incidents.ts).
 */
export class Migration20261206100000_incident_service_names extends Migration {

  override name = 'Migration20261206100000_incident_service_names';

  override up(): void | Promise<void> {
    this.addSql(`alter table "alert_incidents" add "service_name" varchar(100) null, add "display_name" varchar(200) null;`);
    this.addSql(`update "alert_incidents" i set "service_name" = s."name", "display_name" = s."display_name" from "services" s where s."id" = i."service_id";`);
    this.addSql(`alter table "alert_incidents" alter "service_name" set not null, alter "display_name" set not null, alter "service_id" drop not null;`);
    this.addSql(`alter table "alert_incidents" drop constraint "alert_incidents_service_id_fkey";`);
    this.addSql(`alter table "alert_incidents" add constraint "alert_incidents_service_id_fkey" foreign key ("service_id") references "services" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "alert_incidents" where "service_id" is null;`);
    this.addSql(`alter table "alert_incidents" drop constraint "alert_incidents_service_id_fkey";`);
    this.addSql(`alter table "alert_incidents" add constraint "alert_incidents_service_id_fkey" foreign key ("service_id") references "services" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_incidents" alter "service_id" set not null, drop column "service_name", drop column "display_name";`);
  }

}
