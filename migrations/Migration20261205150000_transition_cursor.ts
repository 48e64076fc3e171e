import { Migration } from '@mikro-orm/migrations';

/**
 * The exact cursor of transitions (monitoring/transitions.ts `transitionsAfter`): the transaction
 * that stored each uptime window, ordered with the id. Windows stored before this migration take its
 * own transaction's id, so they come first, in id order. Adding the column rewrites the table, which
 * holds one row per transition: small beside the checks.
 */
export class Migration20261205150000_transition_cursor extends Migration {

  override name = 'Migration20261205150000_transition_cursor';

  override up(): void | Promise<void> {
    this.addSql(`alter table "uptime_records" add "txid" xid8 not null default pg_current_xact_id();`);
    this.addSql(`create index "uptime_records_txid_id_index" on "uptime_records" ("txid", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "uptime_records_txid_id_index";`);
    this.addSql(`alter table "uptime_records" drop column "txid";`);
  }

}
