/**
 * The dispatch log: idempotency replays and conflicts and lease expiries, counted by the ops summary.
 * A refusal records its conflict on the pool, outside the transaction it rolls back.
 */
import type { SqlClient } from '../db/sql.ts';

export type DispatchEventKind = 'idempotency_replay' | 'idempotency_conflict' | 'dispatch_timeout' | 'lease_expired';

export interface DispatchEventRow {
  kind: DispatchEventKind;
  workspaceId: number | null;
  runId: number | null;
}

export async function recordDispatchEvents(sql: SqlClient, at: Date, events: DispatchEventRow[]): Promise<void> {
  if (!events.length) return;
  await sql.query(
    'insert into dispatch_events (at, kind, workspace_id, run_id) select $1, kind, workspace_id, run_id from unnest($2::text[], $3::int[], $4::bigint[]) as e(kind, workspace_id, run_id)',
    [at, events.map((e) => e.kind), events.map((e) => e.workspaceId), events.map((e) => e.runId)],
  );
}
