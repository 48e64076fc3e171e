/**
 * A day partition of raw checks written as the writer writes them, in time order, in one statement:
 * for the tests of what the per-service and per-time reads of `health_checks` cost.
 */
import type pg from 'pg';
import { ensurePartitions, partitionName } from '../../server/monitoring/timeseries.ts';

export interface ChecksOfADay {
  /** Services 100000, 100001, …: this many, each checked once a round. */
  services: number;
  rounds: number;
  /** From one round to the next. */
  roundMs: number;
  /** Between two services' checks within a round. */
  spacingMs: number;
  /** SQL of the status code and the latency of check `g` (its round is `g / services`), stored as the writer does (`checkOutcome`). */
  status?: string;
  latency?: string;
}

/** Creates `day`'s partitions, stores the checks, and vacuums and analyses the partition as autovacuum would. */
export async function insertChecksOfADay(sql: pg.Pool, day: Date, o: ChecksOfADay): Promise<void> {
  await ensurePartitions(sql, day, 0);
  await sql.query(
    `insert into health_checks (checked_at, service_id, outcome)
     select $1::timestamptz + (g / ${o.services}) * ${o.roundMs} * interval '1 millisecond' + (g % ${o.services}) * ${o.spacingMs} * interval '1 millisecond',
            100000 + g % ${o.services}, (${o.latency ?? '5'}) * 4 + (${o.status ?? '0'})
       from generate_series(0, ${o.services * o.rounds - 1}) g`,
    [day],
  );
  await sql.query(`vacuum analyze ${partitionName(day)}`);
}
