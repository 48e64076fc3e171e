/**
 * Makes the database's declared services (from the config file, or the built-ins) match a list of
 * definitions: inserts new ones, updates changed ones, removes the ones no longer declared. API
 * services are never touched; a declared name already used by an API service is refused.
 *
 * Set-based: a handful of statements whatever the count (10,000 services are synced in well under
 * a second), and a reload that changes one service writes one row — PostgreSQL compares each
 * stored definition with the declared one and updates only those that differ.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { ConflictError } from '../errors.ts';
import { DEFINITION_RECORD, definitionRecords, insertServices, queryIn, type NewService } from './services.ts';
import { PAUSED_DUE_SQL } from './claims.ts';

const SYNC_LOCK_KEY = 0x4c6b5379;

export interface SyncResult {
  added: string[];
  updated: string[];
  removed: string[];
}

/** A declared service and where it comes from: the config file (its path) or the built-ins. */
export interface DeclaredService extends NewService {
  source: 'config' | 'builtin';
}

/** The stored columns a declared definition decides (never `paused`: pausing is the operator's). */
const DECLARED_COLUMNS = [
  'display_name', 'kind', 'target', 'options', 'interval_ms', 'timeout_ms', 'degraded_latency_ms',
  'failure_threshold', 'recovery_threshold', 'critical', 'tags', 'depends_on', 'source', 'source_path',
];

/**
 * Syncs the declared services. Must run inside a transaction: it takes a transaction-scoped
 * advisory lock, so two replicas loading the file at once take turns. `added` and `updated` come
 * in the order declared, `removed` by name.
 */
export async function syncDeclaredServices(em: EntityManager, declaredServices: DeclaredService[], clock: Clock): Promise<SyncResult> {
  const run = <R>(sql: string, params: unknown[]) => queryIn<R>(em, sql, params);
  await run('select pg_advisory_xact_lock($1)', [SYNC_LOCK_KEY]);
  const now = clock.now();
  const names = JSON.stringify(declaredServices.map((d) => d.definition.name));

  const [clash] = await run<{ name: string }>(
    `select n.name from jsonb_array_elements_text($1::jsonb) with ordinality n(name, ord) join services s on s.name = n.name
      where s.source = 'api' order by n.ord limit 1`,
    [names],
  );
  if (clash) throw new ConflictError(`The config file declares "${clash.name}", but an API service already has that name; rename one of them.`);

  const removed = await run<{ name: string }>(
    `delete from services s
      where s.source <> 'api' and not exists (select 1 from jsonb_array_elements_text($1::jsonb) n(name) where n.name = s.name)
      returning s.name`,
    [names],
  );

  // Only rows whose definition differs are written; each is checked again at once.
  const updated = await run<{ name: string; ord: number }>(
    `with d as materialized (select * from jsonb_to_recordset($1::jsonb) as ${DEFINITION_RECORD}),
     u as (
       update services s
          set ${DECLARED_COLUMNS.map((c) => `${c} = d.${c}`).join(', ')},
              ping_token = coalesce(s.ping_token, d.ping_token), updated_at = $2::timestamptz
         from d
        where s.name = d.name and s.source <> 'api'
          and (${DECLARED_COLUMNS.map((c) => `s.${c}`).join(', ')}) is distinct from (${DECLARED_COLUMNS.map((c) => `d.${c}`).join(', ')})
       returning s.id, s.name, s.created_at, s.paused, d.ord, d.first_wait_ms),
     -- Checked again at once, except a heartbeat service never pinged: it stays pending until
     -- period + grace after its creation, edited or not (as updateService does for the API's).
     due as (update service_states st
                set next_due_at = case when u.paused then ${PAUSED_DUE_SQL}
                                       when u.first_wait_ms is not null and st.last_ping_at is null and st.status is null
                                       then greatest($2::timestamptz, u.created_at + u.first_wait_ms * interval '1 millisecond')
                                       else $2::timestamptz end
               from u where st.service_id = u.id)
     select name, ord from u order by ord`,
    [definitionRecords(declaredServices, now), now],
  );

  const added = await insertServices(em, declaredServices, clock);
  return {
    added,
    updated: updated.map((r) => r.name),
    removed: removed.map((r) => r.name).sort(),
  };
}
