import { Migration } from '@mikro-orm/migrations';

/**
 * When an incident's channels were last told (its first page, then each reminder): the next
 * reminder is due one interval after it, whatever woke the pass (settings changed, a config
 * reload). Counting reminders from the first page drifted from the real ones whenever reminders
 * were held back (a maintenance window, a down parent, a late pass), and a reconsidered incident
 * then got a reminder at once, each time. Incidents paged before this migration have none: their
 * first page stands in for it until their next reminder.
 */
export class Migration20261207100000_incident_last_notice extends Migration {

  override name = 'Migration20261207100000_incident_last_notice';

  override up(): void | Promise<void> {
    this.addSql(`alter table "alert_incidents" add "last_notice_at" timestamptz null;`);
    this.addSql(`update "alert_incidents" set "last_notice_at" = "notified_at" where "reminders" = 0 and "notified_at" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "alert_incidents" drop column "last_notice_at";`);
  }

}
