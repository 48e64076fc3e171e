/**
 * "Is the system healthy right now?" — counts of runs and leases, dispatch trouble in the window,
 * services down or degraded, and machine-readable reasons. Five queries whatever the data size.
 */
import type pg from 'pg';
import type { OperationCatalog } from './catalog.ts';
import { WORKER_ONLINE_MS } from './workers.ts';

export const SUMMARY_REASONS = [
  'stale_leases',
  'idempotency_conflicts',
  'dispatch_timeouts',
  'blocked_runs',
  'failed_runs',
  'critical_services_down',
  'services_down',
  'no_workers_online',
  'startup_checklist_blocking',
] as const;
export type SummaryReason = (typeof SUMMARY_REASONS)[number];

export interface OpsSummary {
  status: 'healthy' | 'degraded';
  reasons: SummaryReason[];
  windowHours: number;
  generatedAt: string;
  runs: { blocked: number; running: number; queued: number; failed: number };
  leases: { active: number; stale: number };
  idempotency: { replays: number; conflicts: number };
  dispatchTimeouts: number;
  services: { down: number; degraded: number; criticalDown: number };
  workersOnline: number;
}

export async function opsSummary(
  sql: pg.Pool,
  scope: number[] | null,
  hours: number,
  now: Date,
  catalog: OperationCatalog,
  checklistBlocking: boolean,
): Promise<OpsSummary> {
  const since = new Date(now.getTime() - hours * 3600_000);
  const inScope = (alias: string, n: number) => (scope ? `and ${alias}.workspace_id = any($${n}::int[])` : '');
  const policies = catalog.all();
  const queued = (
    await sql.query(
      `select
         count(*) filter (where r.status = 'running') as running,
         count(*) filter (where r.status = 'queued') as queued,
         count(*) filter (where r.status = 'completed' and r.outcome = 'failed' and r.completed_at >= $2) as failed,
         count(*) filter (where r.status = 'running' and r.lease_expires_at > $1) as leases_active,
         count(*) filter (where r.status = 'running' and r.lease_expires_at <= $1) as leases_stale,
         count(*) filter (where r.status = 'queued' and not exists (
           select 1 from workers wk where r.type = any(wk.types) and wk.last_heartbeat_at > $1::timestamptz - $3 * interval '1 millisecond')) as blocked,
         count(*) filter (where r.created_at >= $2 and coalesce(r.started_at, $1) - r.created_at >
           coalesce(($5::bigint[])[array_position($4::text[], r.type)], 300000) * interval '1 millisecond') as dispatch_timeouts
       from operation_runs r
      where (r.status <> 'completed' or r.completed_at >= $2 or r.created_at >= $2) ${inScope('r', 6)}`,
      [now, since, WORKER_ONLINE_MS, policies.map((p) => p.type), policies.map((p) => p.queuedTooLongMs), ...(scope ? [scope] : [])],
    )
  ).rows[0];
  const events = (
    await sql.query(
      `select count(*) filter (where kind = 'idempotency_replay') as replays, count(*) filter (where kind = 'idempotency_conflict') as conflicts
         from dispatch_events e where e.at >= $1 ${inScope('e', 2)}`,
      [since, ...(scope ? [scope] : [])],
    )
  ).rows[0];
  const services = (
    await sql.query(
      `select count(*) filter (where st.status = 'down') as down, count(*) filter (where st.status = 'degraded') as degraded,
              count(*) filter (where st.status = 'down' and s.critical) as critical_down
         from services s join service_states st on st.service_id = s.id where not s.paused`,
    )
  ).rows[0];
  const workers = (await sql.query('select count(*) as n from workers where last_heartbeat_at > $1', [new Date(now.getTime() - WORKER_ONLINE_MS)])).rows[0];
  const n = (v: unknown) => Number(v ?? 0);
  const summary: OpsSummary = {
    status: 'healthy',
    reasons: [],
    windowHours: hours,
    generatedAt: now.toISOString(),
    runs: { blocked: n(queued.blocked), running: n(queued.running), queued: n(queued.queued), failed: n(queued.failed) },
    leases: { active: n(queued.leases_active), stale: n(queued.leases_stale) },
    idempotency: { replays: n(events.replays), conflicts: n(events.conflicts) },
    dispatchTimeouts: n(queued.dispatch_timeouts),
    services: { down: n(services.down), degraded: n(services.degraded), criticalDown: n(services.critical_down) },
    workersOnline: n(workers.n),
  };
  const reasons: [boolean, SummaryReason][] = [
    [summary.leases.stale > 0, 'stale_leases'],
    [summary.idempotency.conflicts > 0, 'idempotency_conflicts'],
    [summary.dispatchTimeouts > 0, 'dispatch_timeouts'],
    [summary.runs.blocked > 0, 'blocked_runs'],
    [summary.runs.failed > 0, 'failed_runs'],
    [summary.services.criticalDown > 0, 'critical_services_down'],
    [summary.services.down > summary.services.criticalDown, 'services_down'],
    [summary.workersOnline === 0 && summary.runs.queued > 0, 'no_workers_online'],
    [checklistBlocking, 'startup_checklist_blocking'],
  ];
  summary.reasons = reasons.filter(([hit]) => hit).map(([, reason]) => reason);
  summary.status = summary.reasons.length ? 'degraded' : 'healthy';
  return summary;
}

/** At most six short lines, for a phone. */
export function summaryLines(s: OpsSummary): string[] {
  return [
    `${s.status === 'healthy' ? 'HEALTHY' : 'DEGRADED'}${s.reasons.length ? `: ${s.reasons.join(', ')}` : ''}`,
    `runs: ${s.runs.running} running, ${s.runs.queued} queued, ${s.runs.blocked} blocked, ${s.runs.failed} failed (${s.windowHours} h)`,
    `leases: ${s.leases.active} active, ${s.leases.stale} stale; workers online: ${s.workersOnline}`,
    `idempotency: ${s.idempotency.replays} replays, ${s.idempotency.conflicts} conflicts; dispatch timeouts: ${s.dispatchTimeouts}`,
    `services: ${s.services.down} down (${s.services.criticalDown} critical), ${s.services.degraded} degraded`,
  ];
}
