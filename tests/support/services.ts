/**
 * Services inserted straight into the database, thousands in one statement, each with its state
 * row: for tests that need many services (paging, scale regressions) or a name the API would refuse.
 */
import type pg from 'pg';

export interface InsertedServiceOptions {
  tags?: string[];
  paused?: boolean;
  /** Critical, for all or by name (default: none). */
  critical?: boolean | ((name: string) => boolean);
  /** The stored status (default: none yet, pending). */
  status?: string | null;
}

/** Inserts TCP services named `names` (checked hourly, never due in a test) and returns their ids by name. */
export async function insertServices(sql: pg.Pool | pg.PoolClient, names: string[], options: InsertedServiceOptions = {}): Promise<Map<string, number>> {
  const { tags = [], paused = false, critical = false, status = null } = options;
  const ids = new Map<string, number>();
  for (let i = 0; i < names.length; i += 5000) {
    const chunk = names.slice(i, i + 5000);
    const { rows } = await sql.query<{ id: number; name: string }>(
      `with s as (
         insert into services (name, display_name, kind, target, options, interval_ms, timeout_ms, degraded_latency_ms,
                               failure_threshold, recovery_threshold, critical, tags, depends_on, paused, source, created_at, updated_at)
         select n, n, 'tcp', '127.0.0.1:9', '{}'::jsonb, 3600000, 5000, null, 1, 1, c, $3::text[], '{}', $4, 'api', now(), now()
           from unnest($1::text[], $2::boolean[]) as u(n, c)
         returning id, name),
       st as (insert into service_states (service_id, status, pending_count, recent_latencies, next_due_at, last_ping_failed)
              select id, $5, 0, '{}', now() + interval '1 hour', false from s)
       select id, name from s`,
      [chunk, chunk.map((n) => (typeof critical === 'function' ? critical(n) : critical)), tags, paused, status],
    );
    for (const r of rows) ids.set(r.name, r.id);
  }
  return ids;
}
