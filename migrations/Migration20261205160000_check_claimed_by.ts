import { Migration } from '@mikro-orm/migrations';

/**
 * Which replica holds a check's claim, and which claim it is (monitoring/scheduler.ts): a replica
 * keeps its claim while it holds the service's results, and may claim the service again meanwhile;
 * the writer lets the claim go when it stores the result of that very claim.
 */
export class Migration20261205160000_check_claimed_by extends Migration {

  override name = 'Migration20261205160000_check_claimed_by';

  override up(): void | Promise<void> {
    this.addSql(`alter table "service_states" add "claimed_by" text null, add "claim_seq" bigint not null default '0';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "service_states" drop column "claimed_by", drop column "claim_seq";`);
  }

}
