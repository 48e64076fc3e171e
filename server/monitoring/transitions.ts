/**
 * Status transitions as they were recorded: every check that changed a service's status opened an
 * uptime window (results.ts) with its reason, so the windows are the history of transitions. Two
 * readings: by instant (`transitionsSince`, what a subscriber that passes `since` gets first, then
 * live ones), and exactly, after a cursor (`transitionsAfter`, for a consumer such as alerting that
 * must see every transition once, whichever replica stored it).
 */
import type pg from 'pg';
import { isoInstant, type SqlClient } from '../db/sql.ts';
import type { StatusChangeEvent } from '../events/channels.ts';
import { BadInputError } from '../errors.ts';
import type { Status } from './status.ts';

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

/** Where a reader of `transitionsAfter` stands: after the window that transaction `txid` stored with id `id`. */
export interface TransitionCursor {
  /** A PostgreSQL transaction id (xid8), as text: it outgrows a JavaScript number's exact range. */
  txid: string;
  id: number;
}

/** Before every transition ever stored. */
export const FIRST_TRANSITION: TransitionCursor = { txid: '0', id: 0 };

/** The cursor as text (`<txid>:<id>`), to keep between reads (a periodic job's state). */
export const formatCursor = (cursor: TransitionCursor): string => `${cursor.txid}:${cursor.id}`;

/** A cursor kept as text, read back; anything else is refused, naming what it is not. */
export function parseCursor(text: string): TransitionCursor {
  const match = /^(\d{1,20}):(\d{1,15})$/.exec(text);
  if (!match) throw new BadInputError('cursor', 'A transition cursor is `<transaction id>:<window id>`, two whole numbers.');
  return { txid: match[1], id: Number(match[2]) };
}

/** A status window as one transition of the exact stream. */
export interface RecordedTransition {
  /** This transition's place in the stream: pass it back to read what comes after. */
  cursor: TransitionCursor;
  serviceId: number;
  service: string;
  critical: boolean;
  /** Null on a service's first window. */
  previousStatus: Status | 'paused' | null;
  /** `paused` when the service was paused; the window after a resume has reason `resumed`. */
  status: Status | 'paused';
  reason: string;
  /** When the check that caused it began (for a pause or resume: when that was done). */
  at: string;
  /** When its transaction began (what `transitionsSince` goes by). */
  recordedAt: string;
}

/** How many transitions one read returns at most. */
export const MAX_TRANSITIONS_PER_READ = 10_000;

/**
 * Whether a transition after `cursor` is stored (committed) but not yet readable by
 * `transitionsAfter`, held back by an older transaction still open somewhere on the database
 * server: a reader that was woken for it must look again soon rather than wait for the next wake-up
 * (regression: the alerting pass, woken for it, found nothing and slept 5 s).
 */
export async function transitionsHeldBack(sql: SqlClient, cursor: TransitionCursor): Promise<boolean> {
  const { rows } = await sql.query<{ held: boolean }>(
    `select exists (select 1 from uptime_records u
                     where (u.txid, u.id) > ($1::xid8, $2::bigint) and u.txid >= pg_snapshot_xmin(pg_current_snapshot())) as held`,
    [cursor.txid, cursor.id],
  );
  return rows[0].held;
}

/**
 * Every transition stored after `cursor`, in the order of their stream, at most `limit`, and the
 * cursor to read on from (the last one's, or `cursor` itself when none is there yet). Read again and
 * again with the cursor returned, this yields each transition exactly once, whichever replica stored
 * it and however the writers' transactions overlapped:
 *
 * A window's transaction may begin before another's and commit after it (writers wait on a
 * service's row lock, or a stalled disk), so a start time or an id read in order would step past a
 * row not committed yet, and miss it. Each window carries the id of the transaction that stored it,
 * and this reads only windows of transactions older than its snapshot's `xmin` — every transaction
 * before that one has ended, so no window with a smaller `(txid, id)` can appear afterwards. The
 * price: while a transaction that began before a window's is still open (anywhere on the database
 * server), that window waits for it; transactions that stay open for long delay the stream. Call it
 * outside a transaction of your own.
 */
export async function transitionsAfter(sql: SqlClient, cursor: TransitionCursor, limit: number): Promise<{ transitions: RecordedTransition[]; cursor: TransitionCursor }> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRANSITIONS_PER_READ) throw new BadInputError('limit', `limit must be a whole number from 1 to ${MAX_TRANSITIONS_PER_READ}.`);
  const { rows } = await sql.query<{
    id: string;
    txid: string;
    service_id: number;
    service: string;
    critical: boolean;
    previous: RecordedTransition['previousStatus'];
    status: RecordedTransition['status'];
    reason: string;
    at: string;
    recorded_at: string;
  }>(
    `select u.id, u.txid::text as txid, u.service_id, s.name as service, s.critical, prev.status as previous, u.status,
            coalesce(u.reason, 'status changed') as reason, ${isoInstant('u.started_at')} as at, ${isoInstant('u.recorded_at')} as recorded_at
       from uptime_records u
       join services s on s.id = u.service_id
       left join lateral (select p.status from uptime_records p
                           where p.service_id = u.service_id and p.ended_at = u.started_at and p.id < u.id
                           order by p.id desc limit 1) prev on true
      where (u.txid, u.id) > ($1::xid8, $2::bigint)
        and u.txid < pg_snapshot_xmin(pg_current_snapshot())
      order by u.txid, u.id
      limit $3`,
    [cursor.txid, cursor.id, limit],
  );
  const transitions = rows.map((r) => ({
    cursor: { txid: r.txid, id: Number(r.id) },
    serviceId: r.service_id,
    service: r.service,
    critical: r.critical,
    previousStatus: r.previous,
    status: r.status,
    reason: r.reason,
    at: r.at,
    recordedAt: r.recorded_at,
  }));
  return { transitions, cursor: transitions.at(-1)?.cursor ?? cursor };
}
