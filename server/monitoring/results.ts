/**
 * Writes check results in batches: one transaction appends the checks to the time series, updates
 * each service's state, and closes/opens uptime windows for the services whose status changed —
 * so a transition is stored with the check that caused it. Events are published after commit.
 */
import type pg from 'pg';
import { inTransaction, type SqlClient } from '../db/sql.ts';
import type { Logger } from '../logger.ts';
import type { CheckResult } from './checkers/checker.ts';
import { applyResult, type StatusState, type Thresholds, type Transition } from './status-machine.ts';
import { STATUSES, type Status } from './status.ts';

/** A finished check of one service, with the state it started from. */
export interface CompletedCheck {
  serviceId: number;
  serviceName: string;
  critical: boolean;
  kind: string;
  checkedAt: Date;
  result: CheckResult;
  state: StatusState;
  thresholds: Thresholds;
}

/** What subscribers get when a check is recorded (plain data). */
export interface HealthCheckEvent {
  service: string;
  checkedAt: string;
  status: Status;
  latencyMs: number;
  error: string | null;
}

/** What subscribers get on every status transition (plain data). */
export interface StatusChangeEvent {
  service: string;
  displayName?: string;
  critical: boolean;
  previousStatus: Status | null;
  status: Status;
  reason: string;
  at: string;
}

export interface ResultSink {
  onRecorded(checks: HealthCheckEvent[], transitions: StatusChangeEvent[]): void;
}

const RECENT_LATENCIES = 20;
export const STATUS_CODE: Record<Status, number> = { healthy: 0, degraded: 1, down: 2 };
export const statusFromCode = (code: number): Status => STATUSES[code];

export interface RecordOutcome {
  transitions: StatusChangeEvent[];
  checks: HealthCheckEvent[];
}

/** Records a batch of completed checks in one transaction. */
export async function recordChecks(sql: pg.Pool, batch: CompletedCheck[]): Promise<RecordOutcome> {
  if (!batch.length) return { transitions: [], checks: [] };
  return inTransaction(sql, (client) => writeChecks(client, batch));
}

/**
 * The statements of `recordChecks`, on a connection that is already in a transaction (a recheck
 * writes its check in the transaction of its audit row). Publish the outcome after the commit.
 */
export async function writeChecks(client: SqlClient, batch: CompletedCheck[]): Promise<RecordOutcome> {
  if (!batch.length) return { transitions: [], checks: [] };
  // A service appears once per batch at most in normal operation; if not, apply its results in order.
  const states = new Map<number, StatusState>();
  let rows = batch.map((c) => {
    const { next, transition } = applyResult(states.get(c.serviceId) ?? c.state, c.result.status, c.thresholds, c.result.error);
    states.set(c.serviceId, next);
    return { check: c, next, transition };
  });
  const changing = [...new Set(rows.filter((r) => r.transition).map((r) => r.check.serviceId))];
  if (changing.length) {
    // A paused service's time stays paused: a check that was running when it was paused, a recheck
    // or a ping is kept in its history but does not move its status (no window, no transition).
    // The lock waits for a pause in progress (setPaused locks the row FOR UPDATE first, then reads
    // it) and then reads the row as committed; FOR KEY SHARE does not block ordinary updates.
    const { rows: locked } = await client.query<{ id: number; paused: boolean }>('select id, paused from services where id = any($1) order by id for key share', [changing]);
    const pausedIds = new Set(locked.filter((p) => p.paused).map((p) => p.id));
    if (pausedIds.size) rows = rows.map((r) => (pausedIds.has(r.check.serviceId) ? { check: r.check, next: r.check.state, transition: null } : r));
  }
  const last = new Map(rows.map((r) => [r.check.serviceId, r]));
  const changed = rows.filter((r): r is typeof r & { transition: Transition } => r.transition !== null);

  await client.query(
    `insert into health_checks (checked_at, service_id, status, latency_ms, error)
     select * from unnest($1::timestamptz[], $2::int[], $3::smallint[], $4::int[], $5::text[])`,
    [
      rows.map((r) => r.check.checkedAt),
      rows.map((r) => r.check.serviceId),
      rows.map((r) => STATUS_CODE[r.check.result.status]),
      rows.map((r) => r.check.result.latencyMs),
      rows.map((r) => (r.check.result.status === 'healthy' ? null : r.check.result.error?.slice(0, 1000) ?? null)),
    ],
  );
  const finals = [...last.values()];
  // A result older than the one stored (its claim expired while the database stalled, and the check
  // ran again) is kept in the history but changes neither the state nor the uptime windows.
  const { rows: current } = await client.query<{ service_id: number }>(
    `update service_states s set
       status = v.status,
       status_since = case when v.changed then v.checked_at else s.status_since end,
       pending_status = v.pending_status,
       pending_count = v.pending_count,
       last_checked_at = v.checked_at,
       last_latency_ms = v.latency,
       last_error = v.error,
       last_details = v.details,
       recent_latencies = (s.recent_latencies || v.latency)[greatest(1, cardinality(s.recent_latencies) + 2 - ${RECENT_LATENCIES}):],
       claimed_until = null
     from unnest($1::int[], $2::text[], $3::bool[], $4::text[], $5::int[], $6::timestamptz[], $7::int[], $8::text[], $9::jsonb[])
       as v(service_id, status, changed, pending_status, pending_count, checked_at, latency, error, details)
     where s.service_id = v.service_id and (s.last_checked_at is null or s.last_checked_at <= v.checked_at)
     returning s.service_id`,
    [
      finals.map((r) => r.check.serviceId),
      finals.map((r) => r.next.status),
      finals.map((r) => changed.some((x) => x.check.serviceId === r.check.serviceId)),
      finals.map((r) => r.next.pendingStatus),
      finals.map((r) => r.next.pendingCount),
      finals.map((r) => r.check.checkedAt),
      finals.map((r) => r.check.result.latencyMs),
      finals.map((r) => r.check.result.error),
      finals.map((r) => JSON.stringify(r.check.result.details ?? {})),
    ],
  );
  const stored = new Set(current.map((r) => r.service_id));
  const transitions = changed.filter((t) => stored.has(t.check.serviceId));
  if (transitions.length) {
    const ids = transitions.map((t) => t.check.serviceId);
    const ats = transitions.map((t) => t.check.checkedAt);
    await client.query(
      `update uptime_records u set ended_at = v.at,
              duration_ms = greatest(0, (extract(epoch from (v.at - u.started_at)) * 1000)::bigint)
         from unnest($1::int[], $2::timestamptz[]) as v(service_id, at)
        where u.service_id = v.service_id and u.ended_at is null`,
      [ids, ats],
    );
    await client.query(
      `insert into uptime_records (service_id, status, started_at, reason)
       select * from unnest($1::int[], $2::text[], $3::timestamptz[], $4::text[])`,
      [ids, transitions.map((t) => t.transition.to), ats, transitions.map((t) => t.transition.reason)],
    );
  }
  return {
    checks: rows.map((r) => ({
      service: r.check.serviceName,
      checkedAt: r.check.checkedAt.toISOString(),
      status: r.check.result.status,
      latencyMs: r.check.result.latencyMs,
      error: r.check.result.error,
    })),
    transitions: transitions.map((t) => ({
      service: t.check.serviceName,
      critical: t.check.critical,
      previousStatus: t.transition.from,
      status: t.transition.to,
      reason: t.transition.reason,
      at: t.check.checkedAt.toISOString(),
    })),
  };
}

/**
 * Collects results and writes them every `flushMs` or every `maxBatch` results, whichever comes
 * first. A failed write is logged and retried with the next batch (results are kept, up to a cap).
 */
export class ResultWriter {
  #pending: CompletedCheck[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  private readonly sql: pg.Pool;
  private readonly sink: ResultSink;
  private readonly logger: Logger;
  private readonly options: { flushMs: number; maxBatch: number };

  constructor(sql: pg.Pool, sink: ResultSink, logger: Logger, options = { flushMs: 200, maxBatch: 500 }) {
    this.sql = sql;
    this.sink = sink;
    this.logger = logger;
    this.options = options;
  }

  add(check: CompletedCheck): void {
    this.#pending.push(check);
    if (this.#pending.length >= this.options.maxBatch) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }

  /** Writes everything collected so far; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(async () => {
      const batch = this.#pending.splice(0, this.#pending.length);
      if (!batch.length) return;
      try {
        const { checks, transitions } = await recordChecks(this.sql, batch);
        this.sink.onRecorded(checks, transitions);
      } catch (err) {
        this.logger.error({ err, size: batch.length }, 'could not record check results; will retry');
        if (this.#pending.length < 50_000) this.#pending.unshift(...batch);
        this.#timer ??= setTimeout(() => void this.flush(), 1000);
      }
    });
    return this.#flushing;
  }
}
