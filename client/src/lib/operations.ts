/**
 * How operations read on the dashboard: the words and colours of a run's status, outcome and stuck
 * class, the ops summary's reasons as sentences, the audit actions of a run, and where things live.
 */
import type { OperationOutcome, OperationStatus, OpsSummaryReason, StuckClass } from '../graphql/graphql.ts';
import type { Tone } from '../components/Badge.tsx';

/** Where "Go to runbooks" leads: `VITE_RUNBOOKS_URL` when the dashboard was built, else a placeholder. */
export const RUNBOOKS_URL: string = import.meta.env.VITE_RUNBOOKS_URL?.trim() || 'https://example.com/runbooks';

/** The list every other operations page returns to ("Show all operations"). */
export const ALL_OPERATIONS_HREF = '/system/ops/runs';

export function runHref(id: string): string {
  return `/system/ops/runs/${encodeURIComponent(id)}`;
}

export const STATUS_WORDS: Record<OperationStatus, string> = { QUEUED: 'Queued', RUNNING: 'Running', COMPLETED: 'Completed' };
export const STATUS_TONES: Record<OperationStatus, Tone> = { QUEUED: 'neutral', RUNNING: 'info', COMPLETED: 'neutral' };

export const OUTCOME_WORDS: Record<OperationOutcome, string> = { PENDING: 'Pending', SUCCEEDED: 'Succeeded', FAILED: 'Failed', CANCELLED: 'Cancelled' };
export const OUTCOME_TONES: Record<OperationOutcome, Tone> = { PENDING: 'neutral', SUCCEEDED: 'ok', FAILED: 'bad', CANCELLED: 'warn' };

export const STUCK_WORDS: Record<StuckClass, string> = {
  QUEUED_TOO_LONG: 'Queued too long',
  LEASE_EXPIRED: 'Lease expired',
  HEARTBEAT_MISSING: 'Heartbeat missing',
  RUNNING_TOO_LONG: 'Running too long',
};

/** In the order the filters offer them. */
export const STATUSES = Object.keys(STATUS_WORDS) as OperationStatus[];
export const OUTCOMES = Object.keys(OUTCOME_WORDS) as OperationOutcome[];
export const STUCK_CLASSES = Object.keys(STUCK_WORDS) as StuckClass[];

/** Why the ops summary is not healthy, one sentence per reason. */
export const SUMMARY_REASON_WORDS: Record<OpsSummaryReason, string> = {
  STALE_LEASES: 'Some running operations hold an expired lease: their worker is gone.',
  IDEMPOTENCY_CONFLICTS: 'Submissions reused an idempotency key with a different input.',
  DISPATCH_TIMEOUTS: 'Operations waited in the queue past their limit.',
  BLOCKED_RUNS: 'Queued operations have no online worker that runs their type.',
  FAILED_RUNS: 'Operations failed in the last 24 hours.',
  CRITICAL_SERVICES_DOWN: 'A critical service is down.',
  SERVICES_DOWN: 'Some services that are not critical are down.',
  NO_WORKERS_ONLINE: 'No worker is online, and operations are waiting.',
  STARTUP_CHECKLIST_BLOCKING: 'The start-up checklist blocks new submissions.',
};

const AUDIT_ACTION_WORDS: Record<string, string> = {
  'operations.run.submit': 'Submitted',
  'operations.run.claim': 'Claimed by a worker',
  'operations.run.heartbeat': 'Heartbeat',
  'operations.run.complete': 'Completed by the worker',
  'operations.run.requeue': 'Requeued: the lease expired',
  'operations.run.fail': 'Failed: the lease expired, no attempt left',
  'platform.system_console.retry': 'Retried',
  'platform.system_console.cancel': 'Cancelled',
  'platform.system_console.mark_investigated': 'Marked investigated',
};

/** "Retried" for platform.system_console.retry; the action itself when it has no word yet. */
export function auditActionWords(action: string): string {
  return AUDIT_ACTION_WORDS[action] ?? action;
}

/** What `context.triage` may record about a run (set by the server's triage actions). */
export interface Triage {
  investigated?: { by: string | null; at: string; reason: string };
  cancelled?: { by: string | null; at: string };
  retry_of_run_id?: number;
}

export function triageOf(context: unknown): Triage {
  const triage = (context as { triage?: unknown } | null)?.triage;
  return triage && typeof triage === 'object' ? (triage as Triage) : {};
}
