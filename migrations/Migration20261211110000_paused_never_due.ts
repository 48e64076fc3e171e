import { Migration } from '@mikro-orm/migrations';

/**
 * A paused service is never due: its `next_due_at` is PAUSED_DUE (server/monitoring/claims.ts), at
 * the far end of the next-due index. Pausing left it at the time of the pause, at the index's near
 * end, where every claim (a look a second) walked over each paused service, and looked its service
 * row up, before reaching one it could claim: 5,000 paused services were 15,000 buffers a look.
 * Resuming makes it due at once, as before.
 */
export class Migration20261211110000_paused_never_due extends Migration {
  override name = 'Migration20261211110000_paused_never_due';

  override up(): void {
    this.addSql(`update "service_states" st set "next_due_at" = '9999-01-01T00:00:00Z' from "services" s where s."id" = st."service_id" and s."paused";`);
  }

  override down(): void {
    this.addSql(`update "service_states" st set "next_due_at" = now() from "services" s where s."id" = st."service_id" and s."paused";`);
  }
}
