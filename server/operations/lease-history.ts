/**
 * What happened to a run's earlier attempts. When a worker's lease lapses, the lease sweep puts the
 * run back in the queue (or fails it by policy); without a record the run would look as if no
 * worker had ever taken it. Each lapse is kept in the run's context under `dispatch` (never copied
 * to a retry): who held the lease, when it was leased, its last heartbeat, when it expired and what
 * the sweep did. `requeuedAt` is when the run last went back to the queue: how long it has waited.
 */

/** One lease that lapsed: attempt N was leased to `worker` at `leasedAt`, expired at `expiredAt`. */
export interface LeaseLapse {
  attempt: number;
  worker: string | null;
  leasedAt: string | null;
  lastHeartbeatAt: string | null;
  expiredAt: string | null;
  /** When the sweep found it (at least its grace after `expiredAt`). */
  sweptAt: string;
  /** requeued: the next attempt waits in the queue; failed: the policy allowed no further attempt. */
  outcome: 'requeued' | 'failed';
}

export interface DispatchRecord {
  /** When the current attempt was leased (attempts after the first; the first is `startedAt`). */
  leasedAt: string | null;
  /** When the run last went back to the queue. */
  requeuedAt: string | null;
  lapses: LeaseLapse[];
}

/** The most lapses kept per run (the newest). */
const MAX_LAPSES = 20;

const isoOrNull = (value: unknown): string | null => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : null);

/** The run's dispatch record as stored (empty for a run whose lease never lapsed). */
export function dispatchRecord(context: Record<string, unknown> | null | undefined): DispatchRecord {
  const raw = (context?.dispatch ?? null) as Partial<DispatchRecord> | null;
  if (!raw || typeof raw !== 'object') return { leasedAt: null, requeuedAt: null, lapses: [] };
  return {
    leasedAt: isoOrNull(raw.leasedAt),
    requeuedAt: isoOrNull(raw.requeuedAt),
    lapses: Array.isArray(raw.lapses) ? raw.lapses.filter((l): l is LeaseLapse => !!l && typeof l === 'object' && typeof l.attempt === 'number') : [],
  };
}

/** The record after one more lapse (the current lease is over: no `leasedAt` until the next claim). */
export function withLapse(record: DispatchRecord, lapse: LeaseLapse): DispatchRecord {
  return {
    leasedAt: null,
    requeuedAt: lapse.outcome === 'requeued' ? lapse.sweptAt : record.requeuedAt,
    lapses: [...record.lapses, lapse].slice(-MAX_LAPSES),
  };
}

/** Since when a queued run has been waiting for a worker: its last requeue, or its creation. */
export function queuedSince(run: { createdAt: Date; context?: Record<string, unknown> | null }): Date {
  const requeued = dispatchRecord(run.context).requeuedAt;
  return requeued ? new Date(requeued) : run.createdAt;
}

/** The same as `queuedSince`, as SQL over run alias `r`. */
export const QUEUED_SINCE_SQL = "coalesce((r.context->'dispatch'->>'requeuedAt')::timestamptz, r.created_at)";
