/**
 * Why a run is stuck, in the operator's words. A run is stuck when it is queued and nobody took it
 * in time, running with an expired lease (the worker is gone), running with no heartbeat for too
 * long, or running past its type's expected duration. One class per run: the most telling first.
 */
import { DEFAULT_POLICY, type OperationCatalog } from './catalog.ts';

export const STUCK_CLASSES = ['queued_too_long', 'lease_expired', 'heartbeat_missing', 'running_too_long'] as const;
export type StuckClass = (typeof STUCK_CLASSES)[number];

export interface StuckCandidate {
  type: string;
  status: string;
  createdAt: Date;
  startedAt?: Date | null;
  leaseExpiresAt?: Date | null;
  lastHeartbeatAt?: Date | null;
}

export interface StuckVerdict {
  stuckClass: StuckClass;
  /** One sentence, e.g. "queued for 12 min; no worker took it (limit 5 min)". */
  reason: string;
}

const minutes = (ms: number) => (ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

export class StuckRunClassifier {
  readonly #catalog: OperationCatalog;
  constructor(catalog: OperationCatalog) {
    this.#catalog = catalog;
  }

  classify(run: StuckCandidate, now: Date): StuckVerdict | null {
    const policy = this.#catalog.get(run.type);
    const t = now.getTime();
    if (run.status === 'queued') {
      const waited = t - run.createdAt.getTime();
      return waited > policy.queuedTooLongMs
        ? { stuckClass: 'queued_too_long', reason: `queued for ${minutes(waited)}; no worker took it (limit ${minutes(policy.queuedTooLongMs)})` }
        : null;
    }
    if (run.status !== 'running') return null;
    if (run.leaseExpiresAt && run.leaseExpiresAt.getTime() <= t) {
      return { stuckClass: 'lease_expired', reason: `the worker's lease expired ${minutes(t - run.leaseExpiresAt.getTime())} ago; the worker is gone` };
    }
    const lastSign = (run.lastHeartbeatAt ?? run.startedAt ?? run.createdAt).getTime();
    if (t - lastSign > policy.heartbeatTimeoutMs) {
      return { stuckClass: 'heartbeat_missing', reason: `no heartbeat for ${minutes(t - lastSign)} (expected every ${minutes(policy.heartbeatTimeoutMs)})` };
    }
    const running = t - (run.startedAt ?? run.createdAt).getTime();
    if (running > policy.expectedDurationMs) {
      return { stuckClass: 'running_too_long', reason: `running for ${minutes(running)}, past the expected ${minutes(policy.expectedDurationMs)}` };
    }
    return null;
  }

  /**
   * The same rules as SQL conditions, so the Stuck list is filtered in the database: returns a
   * `where` fragment over alias `r` and its parameters (starting at `$first`).
   */
  sqlCondition(now: Date, first: number): { sql: string; params: unknown[] } {
    const policies = this.#catalog.all();
    const types = policies.map((p) => p.type);
    const param = (i: number) => `$${first + i}`;
    // per-type thresholds via arrays, with the default for undeclared types
    const lookup = (column: number, fallback: number) =>
      `coalesce((${param(column)}::bigint[])[array_position(${param(1)}::text[], r.type)], ${fallback})`;
    const sql = `(
      (r.status = 'queued' and r.created_at < ${param(0)}::timestamptz - ${lookup(2, DEFAULT_POLICY.queuedTooLongMs)} * interval '1 millisecond')
      or (r.status = 'running' and (
        r.lease_expires_at <= ${param(0)}::timestamptz
        or coalesce(r.last_heartbeat_at, r.started_at, r.created_at) < ${param(0)}::timestamptz - ${lookup(3, DEFAULT_POLICY.heartbeatTimeoutMs)} * interval '1 millisecond'
        or coalesce(r.started_at, r.created_at) < ${param(0)}::timestamptz - ${lookup(4, DEFAULT_POLICY.expectedDurationMs)} * interval '1 millisecond'
      ))
    )`;
    return {
      sql,
      params: [now, types, policies.map((p) => p.queuedTooLongMs), policies.map((p) => p.heartbeatTimeoutMs), policies.map((p) => p.expectedDurationMs)],
    };
  }
}
