import { Migration } from '@mikro-orm/migrations';

/**
 * `service_states` is updated twice a check: the claim moves `next_due_at` (indexed: a new row
 * version with new index entries), and the result writes the status, latency and recent latencies
 * (no indexed column: a HOT update, in place on its page with no index entry, if the page has room
 * for the new version). Packed full, as PostgreSQL fills a table by default, its pages had room for
 * about half of those: the rest went to other pages, with index entries, and the table grew by
 * about 150 bytes a check until vacuum came (measured: 9.1 MB after 30 rounds of 1,000 services,
 * against 1.3 MB with room kept). Half of each page is kept free for the next versions: every
 * result's update is HOT, and the old versions are pruned from the page as it is next read, once no
 * older transaction runs on the server (any database). The claims' old versions still leave a line
 * pointer each that only vacuum frees: autovacuum must keep up (Lookout warns at start when it
 * cannot run). The table is twice the size at rest (about 550 bytes a service).
 *
 * The existing rows are rewritten at that density (`cluster`, which, unlike `vacuum full`, runs in
 * the migration's transaction; the clustered mark it leaves is taken off again).
 */
export class Migration20261211100000_service_states_fillfactor extends Migration {
  override name = 'Migration20261211100000_service_states_fillfactor';

  override up(): void {
    this.addSql(`alter table "service_states" set (fillfactor = 50);`);
    this.addSql(`cluster "service_states" using "service_states_pkey";`);
    this.addSql(`alter table "service_states" set without cluster;`);
  }

  override down(): void {
    this.addSql(`alter table "service_states" reset (fillfactor);`);
  }
}
