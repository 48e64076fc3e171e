/**
 * Stores check results. The writer owns each service's status: in one transaction per batch it locks
 * the services' state rows, applies the results in `checked_at` order to the state stored there,
 * appends the checks to the time series and writes one uptime window per real transition — so a
 * transition is stored once, with the check that caused it, whichever replica ran the check.
 */
import type pg from 'pg';
import { inTransaction, prepared, runPrepared, type SqlClient } from '../db/sql.ts';
import { afterCommit, type TransactionEvents } from '../events/after-commit.ts';
import type { HealthCheckEvent, StatusChangeEvent } from '../events/channels.ts';
import type { PubSub } from '../events/pubsub.ts';
import { recordCheckEvents } from './check-events.ts';
import { CHECK_ERROR_MAX, type CheckResult } from './checkers/checker.ts';
import { applyResult, type StatusState, type Transition } from './status-machine.ts';
import { STATUSES, type Status } from './status.ts';

/** A scheduler's claim of a check (scheduler.ts): which replica, and which of the service's claims. */
export interface CheckClaim {
  owner: string;
  /** `service_states.claim_seq` as the claim set it (a bigint, as text). */
  seq: string;
}

/** A finished check of one service. It carries no state: the writer reads that under its lock. */
export interface CompletedCheck {
  serviceId: number;
  serviceName: string;
  critical: boolean;
  kind: string;
  checkedAt: Date;
  result: CheckResult;
  /** The claim it ran under; none for a recheck or a ping, which claim nothing. */
  claim?: CheckClaim;
}

/** The events' payloads are declared with their channels. */
export type { HealthCheckEvent, StatusChangeEvent };

export interface ResultSink {
  /** Where the events each stored batch records (its checks, its transitions) are published once it committed. */
  pubsub: PubSub;
  /** Told of each stored batch once it committed (metrics, logs). */
  onRecorded(checks: HealthCheckEvent[], transitions: StatusChangeEvent[]): void;
}

const RECENT_LATENCIES = 20;
export const STATUS_CODE: Record<Status, number> = { healthy: 0, degraded: 1, down: 2 };
export const statusFromCode = (code: number): Status => STATUSES[code];

/** The largest latency `health_checks.outcome` holds (2^29 − 1 ms, six days; a check times out after 5 minutes at most). */
export const OUTCOME_LATENCY_MAX_MS = 2 ** 29 - 1;
/**
 * A check's status and latency as stored in `health_checks.outcome`: latency_ms × 4 + status code,
 * one 4-byte column where there were two (Migration20261212090000_check_outcome); read back as
 * `status` and `latency_ms` through the view `health_checks_decoded`.
 */
export const checkOutcome = (status: Status, latencyMs: number): number =>
  Math.min(Math.max(Math.round(latencyMs), 0), OUTCOME_LATENCY_MAX_MS) * 4 + STATUS_CODE[status];

export interface RecordOutcome {
  /** In `checked_at` order. */
  transitions: StatusChangeEvent[];
  checks: HealthCheckEvent[];
}

/** Records a batch of completed checks in one transaction; its events are published on `pubsub` once it committed. */
export async function recordChecks(sql: pg.Pool, batch: CompletedCheck[], pubsub: PubSub): Promise<RecordOutcome> {
  if (!batch.length) return { transitions: [], checks: [] };
  return inTransaction(sql, (client, events) => writeChecks(client, batch, events), pubsub);
}

/** The history's columns, filled from `historyParams` ($1–$4). */
const HISTORY_ROWS = `(checked_at, service_id, outcome, error)
  select * from unnest($1::timestamptz[], $2::int[], $3::int[], $4::text[])`;

function historyParams(checks: CompletedCheck[]): unknown[] {
  return [
    checks.map((c) => c.checkedAt),
    checks.map((c) => c.serviceId),
    checks.map((c) => checkOutcome(c.result.status, c.result.latencyMs)),
    checks.map((c) => (c.result.status === 'healthy' || c.result.error === null ? null : storedError(c.result.error))),
  ];
}

/** What `recordSettled` stored, and what it left to `recordChecks`. */
export interface SettledOutcome {
  /** The checks of the services whose results it stored (none changed status). */
  stored: CompletedCheck[];
  outcome: RecordOutcome;
  /** The other services' checks, not stored: for `recordChecks`. */
  rest: CompletedCheck[];
}

/**
 * recordSettled's statement (see there), prepared: it runs with every batch. The state rows are
 * found by their key (`= any($1)`), whatever the planner thinks of the batch's size.
 */
const SETTLED = prepared(
  'record-settled',
  `with v as (select * from unnest($1::int[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::text[])
            as v(service_id, status, first_at, checked_at, latency, error, details, latencies, claimed_by, claim_seq)),
    locked as (select st.service_id from service_states st where st.service_id = any($1::int[]) order by st.service_id for update),
    applied as (
    update service_states s set
      pending_status = case when sv.paused then s.pending_status end,
      pending_count = case when sv.paused then s.pending_count else 0 end,
      last_checked_at = v.checked_at,
      last_latency_ms = v.latency,
      last_error = v.error,
      last_details = v.details,
      recent_latencies = (s.recent_latencies || v.latencies::int[])[greatest(1, cardinality(s.recent_latencies) + cardinality(v.latencies::int[]) + 1 - ${RECENT_LATENCIES}):],
      claimed_by = case when s.claimed_by = v.claimed_by and s.claim_seq = v.claim_seq::bigint then null else s.claimed_by end,
      claimed_until = case when s.claimed_by = v.claimed_by and s.claim_seq = v.claim_seq::bigint then null else s.claimed_until end
    from v, services sv
    where s.service_id = v.service_id and sv.id = v.service_id
      and s.service_id in (select service_id from locked) -- all locked, in order, before any is updated
      and s.status = v.status and s.last_checked_at <= v.first_at
    returning s.service_id),
    history as (
      insert into health_checks (checked_at, service_id, outcome, error)
      select h.* from unnest($11::timestamptz[], $12::int[], $13::int[], $14::text[]) as h(checked_at, service_id, outcome, error)
       where h.service_id in (select service_id from applied))
    select service_id from applied`,
);

/**
 * The common case in one statement, without a transaction: each service whose results all have the
 * status it already has (as stored when the statement has locked its state row, none older than
 * its last check) gets its checks into the history and its last check, latency, error and claim
 * written, its pending status cleared (kept while it is paused) — what `writeChecks` writes for it,
 * since such results change no status, open no window and make no transition. The other services
 * (a status that differs, a late result, a first check, a deletion meanwhile) are left whole to
 * `recordChecks`. In a steady state a batch is one statement instead of five (begin, history, lock,
 * state, commit), and a service's checks are stored with its state or not at all, as there.
 *
 * State rows are locked in service id order (the `locked` step), as `writeChecks` locks them, so
 * writers never wait on each other in a cycle; a row changed meanwhile is judged as committed. The
 * history rows go in after the state rows are locked (only the stored services' checks go in): the
 * statement takes its table locks before it runs, so a checks table held by someone else (a lock, a
 * partition being attached) holds no service's row, as in `writeChecks`; a slow insert (a slow disk)
 * holds the batch's rows for its time, as the transaction holds them to its commit.
 */
export async function recordSettled(sql: pg.Pool, batch: CompletedCheck[], pubsub: PubSub): Promise<SettledOutcome> {
  const checks = [...batch].sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime());
  const byService = new Map<number, CompletedCheck[]>();
  for (const check of checks) {
    const list = byService.get(check.serviceId);
    if (list) list.push(check);
    else byService.set(check.serviceId, [check]);
  }
  // A service with more than one status among its results is left to writeChecks whatever is stored.
  const candidates = [...byService].filter(([, list]) => list.every((c) => c.result.status === list[0].result.status)).sort((a, b) => a[0] - b[0]);
  if (!candidates.length) return { stored: [], outcome: { checks: [], transitions: [] }, rest: checks };
  const candidateChecks = candidates.flatMap(([, list]) => list);
  return afterCommit(pubsub, async (events) => {
    const last = (list: CompletedCheck[]) => list[list.length - 1];
    const { rows } = await runPrepared<{ service_id: number }>(sql, SETTLED, [
      candidates.map(([id]) => id),
      candidates.map(([, list]) => list[0].result.status),
      candidates.map(([, list]) => list[0].checkedAt),
      candidates.map(([, list]) => last(list).checkedAt),
      candidates.map(([, list]) => last(list).result.latencyMs),
      candidates.map(([, list]) => (last(list).result.error === null ? null : storedError(last(list).result.error as string))),
      candidates.map(([, list]) => storableJson(last(list).result.details ?? {})),
      candidates.map(([, list]) => `{${list.slice(-RECENT_LATENCIES).map((c) => c.result.latencyMs).join(',')}}`),
      candidates.map(([, list]) => last(list).claim?.owner ?? null),
      candidates.map(([, list]) => last(list).claim?.seq ?? null),
      ...historyParams(candidateChecks),
    ]);
    const applied = new Set(rows.map((r) => r.service_id));
    const stored: CompletedCheck[] = [];
    const rest: CompletedCheck[] = [];
    for (const check of checks) (applied.has(check.serviceId) ? stored : rest).push(check);
    const outcome: RecordOutcome = { checks: stored.map(checkEvent), transitions: [] };
    recordCheckEvents(events, outcome.checks, []);
    return { stored, outcome, rest };
  });
}

const checkEvent = (c: CompletedCheck): HealthCheckEvent => ({
  service: c.serviceName,
  checkedAt: c.checkedAt.toISOString(),
  status: c.result.status,
  latencyMs: c.result.latencyMs,
  error: c.result.error,
});

/** One service in a batch: what is stored for it (read under the lock) and what the batch makes of it. */
interface ServicePlan {
  paused: boolean;
  thresholds: { failureThreshold: number; recoveryThreshold: number };
  state: StatusState;
  lastCheckedAt: Date | null;
  /** The newest result that moves the stored state (none: only late results in this batch). */
  latest?: CompletedCheck;
  /** The claim of the newest result in the batch: let go if it is still the service's claim. */
  claim?: CheckClaim;
  latencies: number[];
  statusSince?: Date;
}

/**
 * The statements of `recordChecks`, on a connection that is already in a transaction (a recheck
 * writes its check in the transaction of its audit row); its events are recorded on `events`.
 */
export async function writeChecks(client: SqlClient, batch: CompletedCheck[], events: TransactionEvents): Promise<RecordOutcome> {
  if (!batch.length) return { transitions: [], checks: [] };
  const checks = [...batch].sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime());
  // Every result goes to the history, before any lock is taken: a stalled checks table (a vacuum, a
  // slow disk) then holds no service's row, and pausing or claiming it goes on meanwhile.
  await client.query(`insert into health_checks ${HISTORY_ROWS}`, historyParams(checks));
  const plans = await lockServices(client, [...new Set(batch.map((c) => c.serviceId))]);
  const changes: { check: CompletedCheck; transition: Transition }[] = [];
  for (const check of checks) {
    const plan = plans.get(check.serviceId);
    if (!plan) continue; // deleted while its check ran
    plan.claim = check.claim;
    // A result older than the one stored is kept in the history but changes neither the state nor
    // the uptime windows. A replica keeps a service's claim while it holds results of it (scheduler.ts),
    // so this is left to a replica whose claim lapsed (it could not reach the database to renew it, or
    // was taken for dead) and that stored its results after another took over, and to a recheck or a
    // ping stored while a replica still held older results of the service.
    if (plan.lastCheckedAt && check.checkedAt < plan.lastCheckedAt) continue;
    plan.lastCheckedAt = check.checkedAt;
    plan.latest = check;
    plan.latencies.push(check.result.latencyMs);
    // A paused service's time stays paused: a check that was running when it was paused, a recheck
    // or a ping is kept in its history but does not move its status (no window, no transition).
    if (plan.paused) continue;
    const { next, transition } = applyResult(plan.state, check.result.status, plan.thresholds, check.result.error);
    plan.state = next;
    if (transition) {
      changes.push({ check, transition });
      plan.statusSince = check.checkedAt;
    }
  }
  const moved = [...plans.entries()].filter((e): e is [number, ServicePlan & { latest: CompletedCheck }] => e[1].latest !== undefined);
  if (moved.length) {
    await client.query(
      `update service_states s set
         status = v.status,
         status_since = coalesce(v.status_since, s.status_since),
         pending_status = v.pending_status,
         pending_count = v.pending_count,
         last_checked_at = v.checked_at,
         last_latency_ms = v.latency,
         last_error = v.error,
         last_details = v.details,
         recent_latencies = (s.recent_latencies || v.latencies::int[])[greatest(1, cardinality(s.recent_latencies) + cardinality(v.latencies::int[]) + 1 - ${RECENT_LATENCIES}):],
         -- The claim goes with the result of the claim itself: not with an earlier one's (the same
         -- replica claimed the service again, and holds that result), nor with a recheck's.
         claimed_by = case when s.claimed_by = v.claimed_by and s.claim_seq = v.claim_seq then null else s.claimed_by end,
         claimed_until = case when s.claimed_by = v.claimed_by and s.claim_seq = v.claim_seq then null else s.claimed_until end
       from unnest($1::int[], $2::text[], $3::timestamptz[], $4::text[], $5::int[], $6::timestamptz[], $7::int[], $8::text[], $9::jsonb[], $10::text[], $11::text[], $12::bigint[])
         as v(service_id, status, status_since, pending_status, pending_count, checked_at, latency, error, details, latencies, claimed_by, claim_seq)
       where s.service_id = v.service_id`,
      [
        moved.map(([id]) => id),
        moved.map(([, p]) => p.state.status),
        moved.map(([, p]) => p.statusSince ?? null),
        moved.map(([, p]) => p.state.pendingStatus),
        moved.map(([, p]) => p.state.pendingCount),
        moved.map(([, p]) => p.latest.checkedAt),
        moved.map(([, p]) => p.latest.result.latencyMs),
        moved.map(([, p]) => (p.latest.result.error === null ? null : storedError(p.latest.result.error))),
        moved.map(([, p]) => storableJson(p.latest.result.details ?? {})),
        moved.map(([, p]) => `{${p.latencies.slice(-RECENT_LATENCIES).join(',')}}`),
        moved.map(([, p]) => p.claim?.owner ?? null),
        moved.map(([, p]) => p.claim?.seq ?? null),
      ],
    );
  }
  if (changes.length) await writeWindows(client, changes);
  const outcome: RecordOutcome = {
    checks: checks.map(checkEvent),
    transitions: changes.map(({ check, transition }) => ({
      service: check.serviceName,
      critical: check.critical,
      previousStatus: transition.from,
      status: transition.to,
      reason: transition.reason,
      at: check.checkedAt.toISOString(),
    })),
  };
  recordCheckEvents(events, outcome.checks, outcome.transitions);
  return outcome;
}

/**
 * Locks each service and its state row, in id order, and reads what the results apply to. The
 * service row first (FOR KEY SHARE: it waits for a pause or a delete in progress, which hold it FOR
 * UPDATE before they write the state row, and does not block ordinary updates), then the state row
 * (FOR UPDATE: two writers of one service take turns, the second reading what the first stored).
 * PostgreSQL takes a row's locks in the order of the locking clauses, so the same order everywhere,
 * on every replica: no deadlock. After a wait, both rows are read again as committed.
 */
async function lockServices(client: SqlClient, ids: number[]): Promise<Map<number, ServicePlan>> {
  const { rows } = await client.query<{
    id: number;
    paused: boolean;
    failure_threshold: number;
    recovery_threshold: number;
    status: Status | null;
    pending_status: Status | null;
    pending_count: number;
    last_checked_at: Date | null;
  }>(
    `select s.id, s.paused, s.failure_threshold, s.recovery_threshold, st.status, st.pending_status, st.pending_count, st.last_checked_at
       from services s join service_states st on st.service_id = s.id
      where s.id = any($1)
      order by s.id
        for key share of s for update of st`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        paused: r.paused,
        thresholds: { failureThreshold: r.failure_threshold, recoveryThreshold: r.recovery_threshold },
        state: { status: r.status, pendingStatus: r.pending_status, pendingCount: r.pending_count },
        lastCheckedAt: r.last_checked_at,
        latencies: [],
      },
    ]),
  );
}

/**
 * One uptime window per transition, in order: each service's open window is closed at its first
 * transition, and of the windows a batch opens for one service all but the last are closed at the
 * next one, so at most one is ever open (the `uptime_records_open` index).
 */
async function writeWindows(client: SqlClient, changes: { check: CompletedCheck; transition: Transition }[]): Promise<void> {
  const ends: (Date | null)[] = changes.map(() => null);
  const firstAt = new Map<number, Date>();
  const lastIndex = new Map<number, number>();
  changes.forEach(({ check }, i) => {
    const before = lastIndex.get(check.serviceId);
    if (before === undefined) firstAt.set(check.serviceId, check.checkedAt);
    else ends[before] = check.checkedAt;
    lastIndex.set(check.serviceId, i);
  });
  await client.query(
    `update uptime_records u set ended_at = v.at,
            duration_ms = greatest(0, (extract(epoch from (v.at - u.started_at)) * 1000)::bigint)
       from unnest($1::int[], $2::timestamptz[]) as v(service_id, at)
      where u.service_id = v.service_id and u.ended_at is null`,
    [[...firstAt.keys()], [...firstAt.values()]],
  );
  await client.query(
    `insert into uptime_records (service_id, status, started_at, reason, ended_at, duration_ms)
     select * from unnest($1::int[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::bigint[])`,
    [
      changes.map((c) => c.check.serviceId),
      changes.map((c) => c.transition.to),
      changes.map((c) => c.check.checkedAt),
      changes.map((c) => storableText(c.transition.reason)),
      ends,
      changes.map((c, i) => (ends[i] ? Math.max(0, ends[i].getTime() - c.check.checkedAt.getTime()) : null)),
    ],
  );
}

/**
 * Text from outside (a command's output, a server's error) as PostgreSQL can store it: it refuses
 * NUL in text and in jsonb, and lone surrogates in jsonb. One such byte would fail the whole batch.
 */
function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '') : text;
}

/** The longest error stored, in the history and in the state row alike: what a check reports (`runCheck`). */
export const STORED_ERROR_MAX = CHECK_ERROR_MAX;

/** A check's error as stored: its first STORED_ERROR_MAX characters, whoever made the result (the state row is rewritten by every result: an error of megabytes would be, in TOAST, each time). */
function storedError(error: string): string {
  return storableText(error.slice(0, STORED_ERROR_MAX));
}

function storableJson(details: Record<string, unknown>): string {
  const json = JSON.stringify(details);
  // JSON.stringify writes both as \u escapes; only then is each string looked at.
  if (!json.includes('\\u')) return json;
  return JSON.stringify(details, (_key, value: unknown) => (typeof value === 'string' ? storableText(value).replace(/\p{Cs}/gu, '\uFFFD') : value));
}
