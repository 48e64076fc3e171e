/**
 * The scheduler's statements on `service_states`: claiming due checks (`FOR UPDATE SKIP LOCKED` on
 * the next-due time, pushing it one interval on and marking the claim until the check's timeout
 * and a grace have passed), renewing the claims of the checks a replica runs or holds results of,
 * and letting them go. Several replicas never run one check twice; a dead replica's checks are taken
 * over once its claims end.
 */
import type pg from 'pg';
import { prepared, runPrepared } from '../db/sql.ts';
import type { CheckClaim } from './results.ts';

/**
 * A claimed check: what it takes to run it. Not the service's status: the writer applies the result
 * to the status stored when it writes it (two claims read the same status when one expired).
 */
export interface ClaimedCheck {
  serviceId: number;
  name: string;
  kind: string;
  target: string;
  options: Record<string, unknown>;
  /** How often the service is checked: its checks start on ticks of a twentieth of it at most (scheduler.ts). */
  intervalMs: number;
  timeoutMs: number;
  degradedLatencyMs: number | null;
  critical: boolean;
  /** When the check was due: lag = start - dueAt. */
  dueAt: Date;
  /** The claim, and when it ends unless renewed (none for a recheck, which claims nothing). */
  claim?: CheckClaim & { until: Date };
}

/**
 * How long a claim outlives the check's timeout (time to store the result) before another replica
 * may take the check over: 5 s, but no more than what the interval leaves after the timeout (at
 * least 1 s), so a dead replica's checks are taken over by their next due time, or 1 s after
 * their timeout when the interval is shorter than that.
 */
const claimGrace = (row: string) => `least(5000, greatest(1000, ${row}.interval_ms - ${row}.timeout_ms))`;
/** A claim's length, from when it is taken or renewed. */
const claimLength = (row: string) => `(${row}.timeout_ms + ${claimGrace(row)}) * interval '1 millisecond'`;

/**
 * A paused service's `next_due_at`: never due, at the far end of the next-due index, so the claims
 * (which walk that index from its start) never step over paused services. At the time of the pause,
 * where it was left before, 5,000 paused services cost every look 15,000 buffers. Resuming sets it
 * to now.
 */
export const PAUSED_DUE = new Date('9999-01-01T00:00:00Z');
export const PAUSED_DUE_SQL = `'${PAUSED_DUE.toISOString()}'::timestamptz`;

/** Who claims: one replica's scheduler. */
export interface Claimant {
  /** Stored in `claimed_by`; unique per scheduler. */
  owner: string;
  /** Services whose check this replica runs now: not claimed again before it ends. */
  busy?: Iterable<number>;
}

/**
 * Claims up to `limit` due checks (see the module comment): those nobody holds, or whose claim has
 * ended (its replica died), or that `owner` holds itself and is not checking now (it holds their
 * results, or the interval is shorter than the claim): the next check of a service runs where the
 * last one's results wait, and is stored after them.
 */
export async function claimDueChecks(sql: pg.Pool, now: Date, limit: number, claimant: Claimant): Promise<ClaimedCheck[]> {
  return (await claimDue(sql, now, limit, claimant)).claims;
}

/** claimDue's statement, prepared: a scheduler runs it every second while checks are due. */
const CLAIM_DUE = prepared(
  'claim-due-checks',
  `with due as (
       select st.service_id, st.next_due_at, s.name, s.kind, s.target, s.options, s.interval_ms, s.timeout_ms, s.degraded_latency_ms, s.critical
         from service_states st join services s on s.id = st.service_id
        where st.next_due_at <= $1::timestamptz + $5 * interval '1 millisecond' and not s.paused
          and (st.claimed_until is null or st.claimed_until < $1 or st.claimed_by = $3)
          and st.service_id <> all($4::int[])
        order by st.next_due_at
        limit $2
        for update of st skip locked
     ),
     claimed as (
     update service_states st set
       next_due_at = case when due.next_due_at + due.interval_ms * interval '1 millisecond' > $1
                          then due.next_due_at + due.interval_ms * interval '1 millisecond'
                          else $1::timestamptz + due.interval_ms * interval '1 millisecond' end,
       claimed_by = $3,
       claimed_until = greatest($1::timestamptz, due.next_due_at) + ${claimLength('due')},
       claim_seq = st.claim_seq + 1
     from due
     -- The claimed rows by key, whatever the planner guesses of limit $2 (a generic plan read them all).
     where st.service_id = due.service_id and st.service_id = any(array(select service_id from due))
     returning st.service_id, due.name, due.kind, due.target, due.options, due.interval_ms, due.timeout_ms, due.degraded_latency_ms, due.critical,
               due.next_due_at as due_at, st.claimed_until, st.claim_seq::text)
     -- Nothing claimed: when the earliest unpaused service is due, down the next-due index.
     select c.*, case when c.service_id is null
                      then (select st.next_due_at from service_states st join services s on s.id = st.service_id where not s.paused
                             order by st.next_due_at limit 1) end as next_at
       from (select 1) one left join claimed c on true`,
);

/**
 * claimDueChecks, and when it claims nothing, when the earliest unpaused service is next due (by
 * anyone; null with none): the scheduler's idle wait, in the same statement (an idle scheduler
 * looked twice, claim then `nextDueAt`, every few seconds). With `aheadMs`, also the checks due
 * within that much from `now`: their claims last from their due time.
 */
export async function claimDue(
  sql: pg.Pool,
  now: Date,
  limit: number,
  { owner, busy = [] }: Claimant,
  aheadMs = 0,
): Promise<{ claims: ClaimedCheck[]; nextDueAt: Date | null }> {
  if (limit <= 0) return { claims: [], nextDueAt: null };
  const { rows } = await runPrepared(sql, CLAIM_DUE, [now, limit, owner, [...busy], aheadMs]);
  const claimed = rows.filter((r) => r.service_id !== null);
  const claims = claimed.map((r) => ({
    serviceId: r.service_id,
    name: r.name,
    kind: r.kind,
    target: r.target,
    options: r.options,
    intervalMs: r.interval_ms,
    timeoutMs: r.timeout_ms,
    degradedLatencyMs: r.degraded_latency_ms,
    critical: r.critical,
    dueAt: r.due_at,
    claim: { owner, seq: r.claim_seq, until: r.claimed_until },
  }));
  return { claims, nextDueAt: claimed.length ? null : (rows[0]?.next_at ?? null) };
}

/** renewClaims' statement, prepared: a busy scheduler runs it every half second. */
const RENEW_CLAIMS = prepared(
  'renew-check-claims',
  `update service_states st set claimed_until = $2::timestamptz + ${claimLength('s')}
       from services s
      where s.id = st.service_id and st.service_id = any($1::int[]) and st.claimed_by = $3
        and (st.claimed_until is null or st.claimed_until < $2::timestamptz + $4 * interval '1 millisecond')
      returning st.service_id, st.claimed_until`,
);

/**
 * Renews `owner`'s claims on `ids` (services it checks or holds results of) that end within
 * `withinMs`: each then lasts a claim's length from `now`, so it ends one claim's length (no more
 * than the interval allows) after the replica stops renewing it. A claim that another replica took
 * over is left alone. Returns the renewed claims' new ends.
 */
export async function renewClaims(sql: pg.Pool, owner: string, ids: number[], now: Date, withinMs: number): Promise<Map<number, Date>> {
  if (!ids.length) return new Map();
  const { rows } = await runPrepared<{ service_id: number; claimed_until: Date }>(sql, RENEW_CLAIMS, [ids, now, owner, withinMs]);
  return new Map(rows.map((r) => [r.service_id, r.claimed_until]));
}

/**
 * Lets go of every claim `owner` holds (it stops): other replicas take the checks at their due time.
 * `unstarted` are checks it claimed ahead of their due time and will not run: each is due again
 * when it was (its claim had pushed it an interval on).
 */
export async function releaseClaims(sql: pg.Pool, owner: string, unstarted: { serviceId: number; dueAt: Date }[] = []): Promise<void> {
  await sql.query(
    `update service_states st set claimed_by = null, claimed_until = null,
            -- Paused meanwhile: left never due. Judged by the state row itself (locked, and read again
            -- if it changed while this waited), which every pause and resume writes with the service:
            -- a services row joined here is read as it was, and a resume committed meanwhile was missed.
            next_due_at = case when st.next_due_at = ${PAUSED_DUE_SQL} then st.next_due_at
                               else coalesce((select u.due_at from unnest($2::int[], $3::timestamptz[]) as u(service_id, due_at) where u.service_id = st.service_id), st.next_due_at) end
      where st.claimed_by = $1`,
    [owner, unstarted.map((c) => c.serviceId), unstarted.map((c) => c.dueAt)],
  );
}
