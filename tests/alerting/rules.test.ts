/**
 * Maintenance windows' recurrence rules: the issue's own example is taken, what would cost the
 * event loop seconds (or forever) to expand is refused or bounded, and a rule started years ago
 * gives the same occurrences as one started now.
 */
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../server/errors.ts';
import { parseRule, validateMaintenance } from '../../server/alerting/settings.ts';
import { currentOrNext, occurrenceAt, type StoredWindow } from '../../server/alerting/maintenance.ts';
import { spansOf } from '../../server/alerting/maintenance-time.ts';

const now = new Date('2026-12-06T10:00:00Z');

function refusal(input: Record<string, unknown>): BadInputError {
  try {
    validateMaintenance(input, 'maintenance[0].', now);
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return error as BadInputError;
  }
  throw new Error('the window was accepted');
}

const window = (rrule: string, startsAt: Date, durationMs = 3600_000): StoredWindow => ({
  id: 1, name: 'w', services: ['db'], tags: [], everything: false, startsAt, endsAt: null, rrule, durationMs,
  reason: null, endWhenHealthy: false, endedAt: null, source: 'api', createdBy: null, createdAt: startsAt,
});

/** Runs `work`, failing if it blocks longer than `ms`. */
function within<T>(ms: number, work: () => T): T {
  const started = performance.now();
  const result = work();
  expect(performance.now() - started).toBeLessThan(ms);
  return result;
}

describe('recurrence rules of maintenance windows', () => {
  it('regression: FREQ=WEEKLY (the issue\'s own example) was refused as faster than HOURLY, and FREQ=MINUTELY taken', () => {
    expect(validateMaintenance({ name: 'sunday-backup', services: ['db'], rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=3', duration: '1h' }, '', now).rrule).toBe('FREQ=WEEKLY;BYDAY=SU;BYHOUR=3');
    for (const freq of ['YEARLY', 'MONTHLY', 'DAILY', 'HOURLY']) expect(() => parseRule(`FREQ=${freq}`, 'rrule', now)).not.toThrow();
    for (const freq of ['MINUTELY', 'SECONDLY']) {
      const error = refusal({ name: 'w', all: true, rrule: `FREQ=${freq}`, duration: '1h' });
      expect(error.field).toBe('maintenance[0].rrule');
      expect(error.message).toMatch(/HOURLY or slower/);
    }
  });

  it('regression: an hourly rule started in 1970 (or the year 1) blocked the event loop for seconds at each look', () => {
    for (const start of ['1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z']) {
      const w = window('FREQ=HOURLY', new Date(start), 30 * 60_000);
      expect(within(500, () => occurrenceAt(w, now))).toEqual({ start: now, end: new Date(now.getTime() + 30 * 60_000) });
      expect(within(500, () => currentOrNext(w, new Date(now.getTime() + 45 * 60_000)))).toEqual({ start: new Date(now.getTime() + 3600_000), end: new Date(now.getTime() + 90 * 60_000) });
      expect(within(500, () => spansOf(w, now, new Date(now.getTime() + 3 * 3600_000)))).toHaveLength(3);
    }
  });

  it('regression: a rule that never happens (February 30th, an impossible BYSETPOS) was expanded up to the year 9999', () => {
    for (const rrule of ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31', 'FREQ=HOURLY;BYSETPOS=2', 'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=31']) {
      const error = within(2000, () => refusal({ name: 'w', all: true, rrule, duration: '1h' }));
      expect(error.message).toMatch(/no occurrence/);
    }
  });

  it('gives the same occurrences started long ago as started now (weekly, monthly on the 31st, yearly, every 3 days, the last Sunday)', () => {
    const cases: [string, string][] = [
      ['FREQ=WEEKLY;BYDAY=SU;BYHOUR=3', '2019-03-05T17:23:00Z'],
      ['FREQ=MONTHLY', '2018-01-31T02:00:00Z'],
      ['FREQ=YEARLY', '2016-02-29T04:00:00Z'],
      ['FREQ=DAILY;INTERVAL=3', '2020-06-01T05:30:00Z'],
      ['FREQ=MONTHLY;BYDAY=-1SU;BYHOUR=1', '2015-07-10T00:00:00Z'],
      ['FREQ=WEEKLY;INTERVAL=2', '2021-01-06T12:00:00Z'],
      ['FREQ=HOURLY;INTERVAL=5', '2024-01-01T00:17:00Z'],
    ];
    for (const [rrule, start] of cases) {
      const full = parseRule(rrule, 'rrule', new Date(start));
      for (let at = now.getTime(); at < now.getTime() + 3 * 365 * 86400_000; at += 17 * 86400_000 + 3 * 3600_000) {
        const instant = new Date(at);
        expect(parseRule(rrule, 'rrule', new Date(start), instant).after(instant, true), `${rrule} from ${start} after ${instant.toISOString()}`).toEqual(full.after(instant, true));
        // Started again near an instant, a rule answers about instants from there on.
        const near = new Date(at - 40 * 86400_000);
        const before = full.before(instant, true);
        if (before && before >= near) expect(parseRule(rrule, 'rrule', new Date(start), near).before(instant, true), `${rrule} from ${start} before ${instant.toISOString()}`).toEqual(before);
      }
    }
  });

  it('refuses COUNT, TZID, an interval longer than a year and a recurring occurrence longer than 7d, naming the field', () => {
    expect(refusal({ name: 'w', all: true, rrule: 'FREQ=DAILY;COUNT=100000000', duration: '1h' }).message).toMatch(/COUNT/);
    expect(refusal({ name: 'w', all: true, rrule: 'DTSTART;TZID=Europe/Paris:20261206T030000\nRRULE:FREQ=DAILY', duration: '1h' }).field).toBe('maintenance[0].rrule');
    expect(refusal({ name: 'w', all: true, rrule: 'FREQ=YEARLY;INTERVAL=5', duration: '1h' }).message).toMatch(/INTERVAL/);
    expect(refusal({ name: 'w', all: true, rrule: 'FREQ=DAILY;INTERVAL=0', duration: '1h' }).field).toBe('maintenance[0].rrule');
    const long = refusal({ name: 'w', all: true, rrule: 'FREQ=MONTHLY', duration: '31d' });
    expect(long.field).toBe('maintenance[0].duration');
    expect(refusal({ name: 'w', all: true, rrule: 'FREQ=DAILY\u0000;BYHOUR=3', duration: '1h' }).field).toBe('maintenance[0].rrule');
    expect(refusal({ name: 'w', all: true, rrule: 'FREQ=DAILY;'.repeat(100), duration: '1h' }).message).toMatch(/at most 500/);
    // A one-off window may last up to 31 days (its end is stored, not its duration).
    expect(validateMaintenance({ name: 'w', all: true, duration: '31d' }, '', now).endsAt).toEqual(new Date(now.getTime() + 31 * 86400_000));
  });
});
