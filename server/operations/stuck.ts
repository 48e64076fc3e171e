/**
 * Why a run is stuck, in the operator's words. A run is stuck when it is queued and nobody took it
 * in time, running with an expired lease (the worker is gone), running with no heartbeat for too
 * long, or running past its type's expected duration. One class per run: the most telling first.
 */
import { DEFAULT_POLICY, type OperationCatalog } from './catalog.ts';
import { dispatchRecord, QUEUED_SINCE_SQL } from './lease-history.ts';

export const STUCK_CLASSES = ['queued_too_long', 'lease_expired', 'heartbeat_missing', 'running_too_long'] as const;
export type StuckClass = (typeof STUCK_CLASSES)[number];

export interface StuckCandidate {
  type: string;
  status: string;
  createdAt: Date;
  startedAt?: Date | null;
  leaseExpiresAt?: Date | null;
  lastHeartbeatAt?: Date | null;
  /** Where a requeued run's lapsed leases are recorded (lease-history.ts). */
  context?: Record<string, unknown> | null;
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
      // A requeued run waits since its requeue: a worker did take it before, and the reason says so.
      const record = dispatchRecord(run.context);
      const lapse = record.requeuedAt ? record.lapses.at(-1) : undefined;
      const waited = t - (record.requeuedAt ? Date.parse(record.requeuedAt) : run.createdAt.getTime());
      if (waited <= policy.queuedTooLongMs) return null;
      const limit = `(limit ${minutes(policy.queuedTooLongMs)})`;
      return {
        stuckClass: 'queued_too_long',
        reason: lapse
          ? `queued again for ${minutes(waited)} since attempt ${lapse.attempt}'s lease (worker ${lapse.worker ?? '?'}) expired; no worker took it since ${limit}`
          : `queued for ${minutes(waited)}; no worker took it ${limit}`,
      };
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
   * The same rules as SQL conditions over alias `r`, so the Stuck list is filtered in the database:
   * one condition per class (with the classifier's precedence), and `any` for all of them.
   * Parameters start at `$first`.
   */
  sqlConditions(now: Date, first: number): { byClass: Record<StuckClass, string>; any: string; params: unknown[] } {
    const policies = this.#catalog.all();
    const param = (i: number) => `$${first + i}`;
    // per-type thresholds via arrays, with the default for undeclared types
    const limit = (column: number, fallback: number) =>
      `${param(0)}::timestamptz - coalesce((${param(column)}::bigint[])[array_position(${param(1)}::text[], r.type)], ${fallback}) * interval '1 millisecond'`;
    const leaseExpired = `r.lease_expires_at <= ${param(0)}::timestamptz`;
    const heartbeatMissing = `coalesce(r.last_heartbeat_at, r.started_at, r.created_at) < ${limit(3, DEFAULT_POLICY.heartbeatTimeoutMs)}`;
    const tooLong = `coalesce(r.started_at, r.created_at) < ${limit(4, DEFAULT_POLICY.expectedDurationMs)}`;
    const running = "r.status = 'running'";
    // Names every parameter's type once, so a condition that uses only some of them still binds.
    const typed = `row(${param(1)}::text[], ${param(2)}::bigint[], ${param(3)}::bigint[], ${param(4)}::bigint[]) is not null`;
    const byClass: Record<StuckClass, string> = {
      queued_too_long: `(r.status = 'queued' and ${QUEUED_SINCE_SQL} < ${limit(2, DEFAULT_POLICY.queuedTooLongMs)})`,
      lease_expired: `(${running} and ${leaseExpired})`,
      heartbeat_missing: `(${running} and not coalesce(${leaseExpired}, false) and ${heartbeatMissing})`,
      running_too_long: `(${running} and not coalesce(${leaseExpired}, false) and not (${heartbeatMissing}) and ${tooLong})`,
    };
    for (const key of STUCK_CLASSES) byClass[key] = `(${typed} and ${byClass[key]})`;
    return {
      byClass,
      any: `(${Object.values(byClass).join(' or ')})`,
      params: [now, policies.map((p) => p.type), policies.map((p) => p.queuedTooLongMs), policies.map((p) => p.heartbeatTimeoutMs), policies.map((p) => p.expectedDurationMs)],
    };
  }
}
