/**
 * The detail page's latency chart data: which series a shown range draws, and the columns uPlot
 * takes. The server answers per minute up to 6 h and per five minutes up to a day
 * (server/monitoring/latency-resolution.ts); the page asks for the day per five minutes and the
 * last 6 h per minute, and draws the one that matches the range shown.
 */
import type uPlot from 'uplot';
import { BUCKET_MS, latencyResolution } from '../../../server/monitoring/latency-resolution.ts';

export interface LatencyPoint {
  at: string;
  avgMs: number;
  p95Ms: number;
}

/**
 * The seconds between two points of the series drawn over a range of `rangeMs`, for a service
 * checked every `intervalMs`: its bucket, or its interval if longer (a service checked every 2
 * minutes has a point every other minute, not a gap every other minute).
 */
export function stepSeconds(rangeMs: number, intervalMs = 0): number {
  return Math.max(BUCKET_MS[latencyResolution(rangeMs)], intervalMs) / 1000;
}

/** The series to draw over a range of `rangeMs`: the minutes up to 6 h, the day's five minutes beyond. */
export function pointsFor<T extends LatencyPoint>(rangeMs: number, series: { day: readonly T[]; minutes: readonly T[] }): readonly T[] {
  return latencyResolution(rangeMs) === 'minute' ? series.minutes : series.day;
}

/** Columns for uPlot (seconds), with a null after any gap of more than one bucket (`stepS`: the series' resolution). */
export function chartData(points: readonly LatencyPoint[], stepS: number): uPlot.AlignedData {
  const xs: number[] = [];
  const avg: (number | null)[] = [];
  const p95: (number | null)[] = [];
  let previous: number | null = null;
  for (const point of points) {
    const x = Date.parse(point.at) / 1000;
    if (previous !== null && x - previous > stepS * 1.5) {
      xs.push(previous + stepS);
      avg.push(null);
      p95.push(null);
    }
    xs.push(x);
    avg.push(point.avgMs);
    p95.push(point.p95Ms);
    previous = x;
  }
  return [xs, avg, p95];
}
