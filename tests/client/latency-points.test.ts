/**
 * The detail page's latency chart data (client/src/lib/latency-points.ts). Regression: the chart
 * broke its lines after any gap of more than a minute; once a day's chart came per five minutes
 * (Migration20261211090000), every point would have stood alone. The gap is now one bucket of the
 * series drawn, and the page draws the per-minute series for ranges up to 6 hours.
 */
import { describe, expect, it } from 'vitest';
import { chartData, pointsFor, stepSeconds } from '../../client/src/lib/latency-points.ts';
import { latencyResolution } from '../../server/monitoring/latency-resolution.ts';

const HOUR = 3600_000;
const point = (iso: string, avgMs: number) => ({ at: `2026-04-02T${iso}:00.000Z`, avgMs, p95Ms: avgMs * 2 });

describe('the latency chart data', () => {
  it('draws five-minute points as one line, and breaks it where a bucket has no check', () => {
    const points = [point('10:00', 1), point('10:05', 2), point('10:10', 3), point('10:25', 4)];
    const [xs, avg, p95] = chartData(points, stepSeconds(24 * HOUR));
    const t = (iso: string) => Date.parse(`2026-04-02T${iso}:00.000Z`) / 1000;
    expect(xs).toEqual([t('10:00'), t('10:05'), t('10:10'), t('10:15'), t('10:25')]);
    expect(avg).toEqual([1, 2, 3, null, 4]);
    expect(p95).toEqual([2, 4, 6, null, 8]);
  });

  it('breaks per-minute points after a minute without a check', () => {
    const [xs, avg] = chartData([point('10:00', 1), point('10:01', 2), point('10:03', 3)], stepSeconds(HOUR));
    expect(xs).toHaveLength(4);
    expect(avg).toEqual([1, 2, null, 3]);
  });

  it('picks the per-minute series up to 6 hours, the day per five minutes beyond, as the server resolves them', () => {
    const series = { day: [point('10:00', 5)], minutes: [point('10:00', 1)] };
    expect(pointsFor(HOUR, series)).toBe(series.minutes);
    expect(pointsFor(6 * HOUR, series)).toBe(series.minutes);
    expect(pointsFor(6 * HOUR + 1, series)).toBe(series.day);
    expect(pointsFor(24 * HOUR, series)).toBe(series.day);
    expect([HOUR, 6 * HOUR, 6 * HOUR + 1, 24 * HOUR, 24 * HOUR + 1].map(latencyResolution)).toEqual(['minute', 'minute', '5m', '5m', 'hour']);
    expect([HOUR, 24 * HOUR].map((ms) => stepSeconds(ms))).toEqual([60, 300]);
  });

  it("takes the service's interval as the step when it is longer than the bucket (a check every 2 minutes is one line, not points)", () => {
    expect(stepSeconds(HOUR, 120_000)).toBe(120);
    expect(stepSeconds(24 * HOUR, 120_000)).toBe(300);
    const [, avg] = chartData([point('10:00', 1), point('10:02', 2), point('10:04', 3)], stepSeconds(HOUR, 120_000));
    expect(avg).toEqual([1, 2, 3]);
  });
});
