import { Migration } from '@mikro-orm/migrations';

export class Migration20261130023426_batch_audit_targets extends Migration {

  override name = 'Migration20261130023426_batch_audit_targets';

  override up(): void | Promise<void> {
    this.addSql(`alter table "audit_log" add "target_ids" text[] null;`);
    this.addSql(`create index "audit_log_target_type_target_id_index" on "audit_log" ("target_type", "target_id");`);
    this.addSql(`create index "audit_log_target_ids_index" on "audit_log" using gin ("target_ids");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "audit_log_target_type_target_id_index";`);
    this.addSql(`drop index "audit_log_target_ids_index";`);
    this.addSql(`alter table "audit_log" drop column "target_ids";`);
  }

}
