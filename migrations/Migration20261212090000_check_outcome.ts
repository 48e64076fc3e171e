import { Migration } from '@mikro-orm/migrations';

/**
 * A raw check's status and latency in one `int` column, `outcome` = latency_ms × 4 + status code
 * (0 healthy, 1 degraded, 2 down; `checkOutcome` in `server/monitoring/results.ts`). The row was a 23-byte
 * header, then `checked_at` (8), `service_id` (4), `status` (2, then 2 of padding to align the
 * next), `latency_ms` (4): 20 bytes of data, 44 in all, padded to 48, and a 4-byte line pointer:
 * 52 bytes a check, the most of what the database grows by per check. With `outcome` in their
 * place the data is 16 bytes, the row 40, and a check 44 bytes: 8 bytes (15%) less per check, at
 * every interval.
 *
 * Nothing is rewritten: the old columns stay, nullable, for the rows written before (they age out
 * with their day's partition, 14 days by default), and new rows leave them null, which costs a row
 * no byte (its null bitmap fits in the header's padding). `health_checks_decoded` reads both kinds
 * as `status` and `latency_ms`: every read of those goes through it. A replica of the
 * previous version, still running during a rolling upgrade, keeps writing rows of the old kind,
 * which read the same; adding a column without a default and dropping a NOT NULL change no row,
 * and take their lock only for an instant. Until it is replaced, such a replica reads rows of the
 * new kind without their status and latency (its charts, and the rollups it makes, leave them
 * out): the next run of the rollups job on a new replica finds the last quarter hour's buckets
 * not all counted and rolls them up again (`uncountedBuckets` in server/monitoring/timeseries.ts),
 * so an upgrade that takes minutes leaves no wrong rollup.
 */
export class Migration20261212090000_check_outcome extends Migration {
  override name = 'Migration20261212090000_check_outcome';

  override up(): void {
    this.addSql(`alter table "health_checks" add column "outcome" int null, alter column "status" drop not null, alter column "latency_ms" drop not null;`);
    this.addSql(`create view "health_checks_decoded" as
      select "checked_at", "service_id", coalesce(("outcome" & 3)::smallint, "status") as "status",
             coalesce("outcome" >> 2, "latency_ms") as "latency_ms", "error"
        from "health_checks";`);
  }

  override down(): void {
    this.addSql(`drop view "health_checks_decoded";`);
    this.addSql(`update "health_checks" set "status" = "outcome" & 3, "latency_ms" = "outcome" >> 2 where "outcome" is not null;`);
    this.addSql(`alter table "health_checks" drop column "outcome", alter column "status" set not null, alter column "latency_ms" set not null;`);
  }
}
