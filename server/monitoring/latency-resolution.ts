/**
 * The resolution of a latency chart (`latencySeries`) over a range, shared by the server (which
 * reads it) and the dashboard (which draws it): per minute up to 6 hours, from the raw checks; per
 * five minutes up to a day, from the five-minute rollups; per hour beyond. Free of imports, so the
 * client bundle takes it as it is.
 */
export type LatencyResolution = 'minute' | '5m' | 'hour';

/** The longest ranges drawn per minute and per five minutes. */
export const MINUTE_POINTS_UP_TO_MS = 6 * 3600_000;
export const FIVE_MINUTE_POINTS_UP_TO_MS = 86400_000;

/** The length of a bucket of each resolution. */
export const BUCKET_MS: Record<LatencyResolution, number> = { minute: 60_000, '5m': 300_000, hour: 3600_000 };

export function latencyResolution(rangeMs: number): LatencyResolution {
  return rangeMs <= MINUTE_POINTS_UP_TO_MS ? 'minute' : rangeMs <= FIVE_MINUTE_POINTS_UP_TO_MS ? '5m' : 'hour';
}
