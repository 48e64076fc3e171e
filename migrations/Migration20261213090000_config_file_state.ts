import { Migration } from '@mikro-orm/migrations';

/**
 * The config file each path last applied, by its content's sha256: a (re)load that applies a file
 * whose content differs from the last one applied writes one audit row (`config.apply`, actor
 * `system` "config file"), and the same file loaded again — by another replica, or on a SIGHUP
 * that changed nothing — writes none.
 */
export class Migration20261213090000_config_file_state extends Migration {
  override name = 'Migration20261213090000_config_file_state';

  override up(): void {
    this.addSql(`create table "config_file_state" ("path" text primary key, "sha256" char(64) not null, "applied_at" timestamptz not null);`);
  }

  override down(): void {
    this.addSql(`drop table "config_file_state";`);
  }
}
