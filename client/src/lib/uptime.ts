/**
 * Uptime from status windows, the way the server computes it: time in each status within the
 * range (open windows run until now), degraded time at half weight, paused time left out.
 */

export interface Window {
  status: string;
  startedAt: string;
  endedAt?: string | null;
}

/** The default weight of degraded time (the config file may set `uptime.degradedWeight`; the API does not expose it yet). */
export const DEGRADED_WEIGHT = 0.5;

export interface TimeInStatus {
  healthy: number;
  degraded: number;
  down: number;
  paused: number;
}

export function timeInStatus(windows: readonly Window[], from: number, to: number, now: number): TimeInStatus {
  const total: TimeInStatus = { healthy: 0, degraded: 0, down: 0, paused: 0 };
  for (const w of windows) {
    const start = Math.max(Date.parse(w.startedAt), from);
    const end = Math.min(w.endedAt ? Date.parse(w.endedAt) : now, to, now);
    if (end > start && w.status in total) total[w.status as keyof TimeInStatus] += end - start;
  }
  return total;
}

/** 0–1, or null when nothing was monitored in the range. */
export function uptimeFromWindows(windows: readonly Window[], from: number, to: number, now: number, degradedWeight = DEGRADED_WEIGHT): number | null {
  const t = timeInStatus(windows, from, to, now);
  const monitored = t.healthy + t.degraded + t.down;
  return monitored > 0 ? (t.healthy + t.degraded * degradedWeight) / monitored : null;
}
