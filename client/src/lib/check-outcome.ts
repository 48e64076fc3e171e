/**
 * What a card says about a service's last check: why the service is down or degraded, in words on
 * the card (not only in a tooltip, which touch and keyboard users never see), and whether its
 * latency means anything (a refused connection answers in a millisecond: that is no latency).
 */
import { formatLatency, statusKey } from './status.ts';

/** What these rules read of a service. */
export interface LastCheck {
  status: string | null | undefined;
  paused: boolean;
  latencyMs: number | null | undefined;
  lastError: string | null | undefined;
}

/**
 * The prefix of the error the server writes when a check succeeded but too slowly
 * (server/monitoring/checkers/run.ts): its latency is the very reason, so it is shown.
 */
const SLOW_PREFIX = 'slow:';

/** Whether the last check failed outright (an error other than slowness): its latency is no answer time. */
export function lastCheckFailed(s: LastCheck): boolean {
  return !!s.lastError && !s.lastError.startsWith(SLOW_PREFIX);
}

/** The latency to show: "—" before the first check and after a failed one. */
export function shownLatency(s: LastCheck): string {
  return lastCheckFailed(s) ? '—' : formatLatency(s.latencyMs);
}

/**
 * Why a down or degraded service is so, in one line: the last check's error, or, when its last
 * check passed but it has not yet recovered, that. Empty for every other status.
 */
export function statusReason(s: LastCheck): string {
  const key = statusKey(s.status, s.paused);
  if (key !== 'down' && key !== 'degraded') return '';
  return s.lastError?.trim() || 'Last check passed; recovering';
}
