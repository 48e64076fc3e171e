/**
 * Status transitions as they were recorded: every check that changed a service's status opened an
 * uptime window (results.ts) with its reason, so the windows are the history of transitions. A
 * subscriber that passes `since` gets these first, then live ones: nothing is missed between a
 * read of the grid and the moment its subscription starts, or while an automation reconnects.
 */
import type pg from 'pg';
import { isoInstant } from '../db/sql.ts';
import type { StatusChangeEvent } from '../events/channels.ts';

/** How far back a replay reaches, and how many transitions it holds at most (the latest ones). */
const REPLAY_LIMITS = { ms: 24 * 3600_000, transitions: 10_000 };

export interface TransitionFilter {
  service?: string | null;
  criticalOnly?: boolean | null;
}

/**
 * Transitions found by checks and stored after `since` (pause and resume are not transitions),
 * oldest first, as live subscribers get them; at most a day back and the latest 10,000. Stored, not
 * begun: a check is stored when it ends and its batch is written, up to its timeout (and a retried
 * batch) after the instant of its transition, `at`.
 */
export async function transitionsSince(sql: pg.Pool, since: Date, now: Date, filter: TransitionFilter = {}): Promise<StatusChangeEvent[]> {
  const params: unknown[] = [new Date(Math.max(since.getTime(), now.getTime() - REPLAY_LIMITS.ms))];
  const where = [`u.recorded_at > $1`, `u.status <> 'paused'`, `(p.status is null or p.status <> 'paused')`];
  if (filter.service) where.push(`s.name = $${params.push(filter.service)}`);
  if (filter.criticalOnly) where.push('s.critical');
  const { rows } = await sql.query<{ service: string; critical: boolean; previous: StatusChangeEvent['previousStatus']; status: StatusChangeEvent['status']; reason: string; at: string }>(
    `select * from (
       select s.name as service, s.critical, p.status as previous, u.status, coalesce(u.reason, 'status changed') as reason,
              ${isoInstant('u.started_at')} as at, u.started_at, u.id
         from uptime_records u
         join services s on s.id = u.service_id
         left join uptime_records p on p.service_id = u.service_id and p.ended_at = u.started_at
        where ${where.join(' and ')}
        order by u.recorded_at desc, u.id desc
        limit ${REPLAY_LIMITS.transitions}) latest
     order by started_at, id`,
    params,
  );
  return rows.map((r) => ({ service: r.service, critical: r.critical, previousStatus: r.previous, status: r.status, reason: r.reason, at: r.at }));
}

/** What makes a transition the same one whether it was replayed or published live. */
export const transitionKey = (event: StatusChangeEvent) => `${event.service}@${event.at}`;
