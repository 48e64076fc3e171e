/**
 * How a service's state reads on the dashboard: one status key that folds in "not checked yet"
 * (pending) and "paused", its word, its colour tone, and the formats of latency and uptime.
 */
import type { ServiceStatus } from '../graphql/graphql.ts';
import type { Tone } from '../components/Badge.tsx';

export type StatusKey = 'healthy' | 'degraded' | 'down' | 'pending' | 'paused';

/** In the order the counts and filters list them: worst first after healthy. */
export const STATUS_KEYS: readonly StatusKey[] = ['healthy', 'degraded', 'down', 'pending', 'paused'];

export const STATUS_LABELS: Record<StatusKey, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  down: 'Down',
  pending: 'Pending',
  paused: 'Paused',
};

const TONES: Record<StatusKey, Tone> = { healthy: 'ok', degraded: 'warn', down: 'bad', pending: 'neutral', paused: 'neutral' };

/** Paused wins over the last status; no status yet is pending. */
export function statusKey(status: ServiceStatus | string | null | undefined, paused = false): StatusKey {
  if (paused) return 'paused';
  if (!status) return 'pending';
  const key = status.toLowerCase();
  return key === 'healthy' || key === 'degraded' || key === 'down' || key === 'paused' ? key : 'pending';
}

export function statusTone(key: StatusKey): Tone {
  return TONES[key];
}

/** "123 ms", "1.24 s", or "—" before the first check. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** 0.99934 → "99.93%" (rounded down, so a bad minute never reads as 100%); null → "—". */
export function formatUptime(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  if (ratio >= 1) return '100%';
  return `${(Math.floor(ratio * 10_000) / 100).toFixed(2)}%`;
}

/** "30s", "1500ms": how durations are written in service definitions (the server's own format). */
export function durationInput(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  for (const [unit, size] of [['d', 86400_000], ['h', 3600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
