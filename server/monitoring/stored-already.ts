/**
 * Which of a batch of check results the history holds already: asked by the result writer before it
 * writes again a batch whose write failed without an answer.
 */
import type pg from 'pg';
import type { CompletedCheck } from './results.ts';

/** A check's key among those stored: its service and instant (two checks of one service never share a millisecond but in a replay). */
export const checkKey = (serviceId: number, checkedAt: Date): string => `${serviceId}@${checkedAt.getTime()}`;

/**
 * Of `checks`, those the history holds already (by `checkKey`): asked before writing again a batch
 * whose write failed without an answer. A connection cut after PostgreSQL committed, before Lookout
 * heard it, looks like a failure, and the batch written again was stored twice — a second failed
 * check of a service counted as two in a row, a transition and an incident from one failure. Each
 * write is one transaction (or one statement), so its checks are all stored or none.
 */
export async function storedAlready(sql: pg.Pool, checks: CompletedCheck[]): Promise<Set<string>> {
  if (!checks.length) return new Set();
  const { rows } = await sql.query<{ service_id: number; checked_at: Date }>(
    `select h.service_id, h.checked_at
       from unnest($1::int[], $2::timestamptz[]) as v(service_id, checked_at)
       join health_checks h on h.service_id = v.service_id
        and date_bin('1 hour', h.checked_at, '2000-01-01 00:00:00+00') = date_bin('1 hour', v.checked_at, '2000-01-01 00:00:00+00')
        and h.checked_at = v.checked_at`,
    [checks.map((c) => c.serviceId), checks.map((c) => c.checkedAt)],
  );
  return new Set(rows.map((r) => checkKey(r.service_id, r.checked_at)));
}
