/**
 * The Overview's one verdict: the headline ("Healthy right now?") and the strip's "Overall" both
 * show it, so they can never disagree. Services come from the live grid (every status change is
 * in it the moment it happens); operations (runs, leases, workers, the start-up checklist) from
 * the ops summary. A critical service down is DOWN (what /health says); any other trouble is
 * DEGRADED; a start-up checklist that only waits for its first worker is NOT READY, which
 * guides rather than alarms; otherwise HEALTHY.
 */
import type { OpsSummaryReason } from '../graphql/graphql.ts';
import type { Tone } from '../components/Badge.tsx';
import type { GridTally } from './service-grid.ts';
import { SUMMARY_REASON_WORDS } from './operations.ts';

export type VerdictLevel = 'healthy' | 'not_ready' | 'degraded' | 'down';

/** A reason's key: the ops summary's own, or the grid's word for degraded services. */
export type VerdictReasonKey = OpsSummaryReason | 'SERVICES_DEGRADED';

export interface VerdictReason {
  key: VerdictReasonKey;
  words: string;
  /** Where to look (a page of the dashboard), when there is one. */
  href?: string;
}

export interface Verdict {
  level: VerdictLevel;
  reasons: VerdictReason[];
  /** The grid's live counts the verdict was made from. */
  servicesDown: number;
  servicesDegraded: number;
  criticalDown: number;
}

/** What the verdict reads of the ops summary (null: not asked, e.g. a role without operations). */
export interface OpsPart {
  reasons: readonly OpsSummaryReason[];
}

/** The headline's answer to "Healthy right now?". */
export const VERDICT_ANSWERS: Record<VerdictLevel, string> = {
  healthy: 'Yes, healthy',
  not_ready: 'Not ready yet',
  degraded: 'No, degraded',
  down: 'No, down',
};

/** The strip's one word. */
export const VERDICT_WORDS: Record<VerdictLevel, string> = { healthy: 'healthy', not_ready: 'not ready', degraded: 'degraded', down: 'down' };

export const VERDICT_TONES: Record<VerdictLevel, Tone> = { healthy: 'ok', not_ready: 'info', degraded: 'warn', down: 'bad' };

/** The ops summary's service reasons: the grid's live counts replace them. */
const SERVICE_REASONS: readonly OpsSummaryReason[] = ['CRITICAL_SERVICES_DOWN', 'SERVICES_DOWN'];

const REASON_LINKS: Partial<Record<VerdictReasonKey, string>> = {
  STALE_LEASES: '/system/ops/stuck?stuckClass=LEASE_EXPIRED',
  FAILED_RUNS: '/system/ops/failures',
  BLOCKED_RUNS: '/system/ops/runs?status=QUEUED',
  NO_WORKERS_ONLINE: '/system/startup',
  STARTUP_CHECKLIST_BLOCKING: '/system/startup',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The verdict from the grid's live tally and the ops summary's reasons (null before it answers). */
export function overviewVerdict(tally: GridTally, ops: OpsPart | null): Verdict {
  const { counts, criticalDown, criticalDegraded } = tally;
  const reasons: VerdictReason[] = [];
  if (criticalDown > 0) {
    reasons.push({ key: 'CRITICAL_SERVICES_DOWN', words: `${plural(criticalDown, 'critical service is', 'critical services are')} down.` });
  }
  if (counts.down > criticalDown) {
    reasons.push({ key: 'SERVICES_DOWN', words: `${plural(counts.down - criticalDown, 'service that is not critical is', 'services that are not critical are')} down.` });
  }
  if (counts.degraded > 0) {
    const critical = criticalDegraded ? ` (${criticalDegraded} critical)` : '';
    reasons.push({ key: 'SERVICES_DEGRADED', words: `${plural(counts.degraded, 'service is', 'services are')} degraded${critical}.` });
  }
  for (const key of ops?.reasons ?? []) {
    if (SERVICE_REASONS.includes(key)) continue;
    reasons.push({ key, words: SUMMARY_REASON_WORDS[key] ?? key, href: REASON_LINKS[key] });
  }
  const trouble = reasons.some((r) => r.key !== 'STARTUP_CHECKLIST_BLOCKING');
  const level: VerdictLevel = criticalDown > 0 ? 'down' : trouble ? 'degraded' : reasons.length ? 'not_ready' : 'healthy';
  return { level, reasons, servicesDown: counts.down, servicesDegraded: counts.degraded, criticalDown };
}
