import { describe, expect, it } from 'vitest';
import { decideDueNotice, firstNoticeAt, type DueCircumstances, type DueIncident } from '../../server/alerting/due-notices.ts';
import type { StoredWindow } from '../../server/alerting/maintenance.ts';
import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from '../../server/alerting/settings.ts';

// The due-notice decision alone, as plain data: every rule the alerting pass goes by when an open
// incident's next_notice_at comes (tests/alerting/escalation.test.ts and others drive the same
// rules end to end through the database).

const MIN = 60_000;
const start = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * MIN);

const settings = (own: Partial<AlertSettings> = {}): AlertSettings => ({
  ...DEFAULT_ALERT_SETTINGS,
  channels: ['ops'],
  escalationDelayMs: 5 * MIN,
  ...own,
});

const incident = (own: Partial<DueIncident> = {}): DueIncident => ({
  service: 'api',
  tags: ['prod'],
  depends_on: [],
  started_at: start,
  acknowledged_at: null,
  suppressed_by: null,
  notified_at: null,
  last_notice_at: null,
  told: [],
  ...own,
});

const window = (own: Partial<StoredWindow> = {}): StoredWindow => ({
  id: 1,
  name: 'deploy',
  services: ['api'],
  tags: [],
  everything: false,
  startsAt: at(0),
  endsAt: at(30),
  rrule: null,
  durationMs: null,
  reason: null,
  endWhenHealthy: false,
  endedAt: null,
  source: 'api',
  createdBy: null,
  createdAt: at(0),
  ...own,
});

const when = (minutes: number, own: Partial<DueCircumstances> = {}): DueCircumstances => ({ now: at(minutes), downParents: new Set(), windows: [], ...own });

describe('the due-notice decision', () => {
  it('sends nothing before the escalation delay has passed, and is looked at again when it does', () => {
    expect(decideDueNotice(incident(), settings(), when(4))).toEqual({ nextNoticeAt: at(5), suppressedBy: null, notice: null, announce: false });
  });

  it('pages the settings\' channels once the escalation delay has passed, and announces it', () => {
    expect(decideDueNotice(incident(), settings({ channels: ['ops', 'pager'] }), when(5))).toEqual({
      nextNoticeAt: null,
      suppressedBy: null,
      notice: { event: 'trigger', channels: ['ops', 'pager'] },
      announce: true,
    });
  });

  it('waits for the minimum duration when it is longer than the escalation delay', () => {
    const s = settings({ minDurationMs: 10 * MIN });
    expect(decideDueNotice(incident(), s, when(7)).notice).toBeNull();
    expect(decideDueNotice(incident(), s, when(7)).nextNoticeAt).toEqual(at(10));
    expect(decideDueNotice(incident(), s, when(10)).notice).toEqual({ event: 'trigger', channels: ['ops'] });
  });

  it('schedules the first reminder one interval after the first page', () => {
    expect(decideDueNotice(incident(), settings({ remindEveryMs: 30 * MIN }), when(6)).nextNoticeAt).toEqual(at(36));
  });

  it('pages nobody and is not looked at again when no channel is set', () => {
    expect(decideDueNotice(incident(), settings({ channels: [] }), when(60))).toEqual({ nextNoticeAt: null, suppressedBy: null, notice: null, announce: false });
  });

  it('sends nothing once acknowledged, or with alerts off, and keeps the label it had', () => {
    const held = incident({ suppressed_by: 'caused by db' });
    for (const [i, s] of [[incident({ acknowledged_at: at(1) }), settings()], [held, settings({ enabled: false })]] as const) {
      expect(decideDueNotice(i, s, when(60))).toEqual({ nextNoticeAt: null, suppressedBy: i.suppressed_by, notice: null, announce: false });
    }
  });

  it('reminds the channels that were told (not the ones set now) one interval after the last notice', () => {
    const paged = incident({ notified_at: at(5), last_notice_at: at(35), told: ['ops'] });
    const s = settings({ channels: ['pager'], remindEveryMs: 30 * MIN });
    expect(decideDueNotice(paged, s, when(64))).toEqual({ nextNoticeAt: at(65), suppressedBy: null, notice: null, announce: false });
    expect(decideDueNotice(paged, s, when(65))).toEqual({ nextNoticeAt: at(95), suppressedBy: null, notice: { event: 'remind', channels: ['ops'] }, announce: false });
  });

  it('counts from the first page for an incident paged before last_notice_at was kept', () => {
    const paged = incident({ notified_at: at(5), last_notice_at: undefined, told: ['ops'] });
    expect(decideDueNotice(paged, settings({ remindEveryMs: 30 * MIN }), when(35)).notice).toEqual({ event: 'remind', channels: ['ops'] });
  });

  it('sends no reminder, and is not looked at again, when reminders are off', () => {
    const paged = incident({ notified_at: at(5), last_notice_at: at(5), told: ['ops'] });
    expect(decideDueNotice(paged, settings({ remindEveryMs: 0 }), when(600))).toEqual({ nextNoticeAt: null, suppressedBy: null, notice: null, announce: false });
  });

  it('holds back an incident whose parent is down, named after the first such parent, and announces only a new hold', () => {
    const child = incident({ depends_on: ['queue', 'db', 'cache'] });
    const circumstances = when(60, { downParents: new Set(['queue', 'db']) });
    expect(decideDueNotice(child, settings(), circumstances)).toEqual({ nextNoticeAt: null, suppressedBy: 'caused by db', notice: null, announce: true });
    expect(decideDueNotice({ ...child, suppressed_by: 'caused by db' }, settings(), circumstances).announce).toBe(false);
  });

  it('pages as usual when a parent is no longer down, and drops the label without announcing it', () => {
    const child = incident({ depends_on: ['db'], suppressed_by: 'caused by db' });
    expect(decideDueNotice(child, settings(), when(2))).toEqual({ nextNoticeAt: at(5), suppressedBy: null, notice: null, announce: false });
    expect(decideDueNotice(child, settings(), when(6)).notice).toEqual({ event: 'trigger', channels: ['ops'] });
  });

  it('holds back an incident a maintenance window covers until the window ends', () => {
    const inWindow = when(10, { windows: [window({ services: [], tags: ['prod'] })] });
    expect(decideDueNotice(incident(), settings(), inWindow)).toEqual({ nextNoticeAt: at(30), suppressedBy: 'maintenance "deploy"', notice: null, announce: true });
  });

  it('pages despite a window that covers other services or has ended', () => {
    for (const w of [window({ services: ['web'] }), window({ endedAt: at(8) })]) {
      expect(decideDueNotice(incident(), settings(), when(10, { windows: [w] })).notice).toEqual({ event: 'trigger', channels: ['ops'] });
    }
  });

  it('puts a down parent before a maintenance window', () => {
    const both = when(10, { downParents: new Set(['db']), windows: [window()] });
    expect(decideDueNotice(incident({ depends_on: ['db'] }), settings(), both).suppressedBy).toBe('caused by db');
  });
});

describe('the first notice of a new incident', () => {
  it('is due at its start plus the escalation delay, or the minimum duration when longer', () => {
    expect(firstNoticeAt(settings(), start)).toEqual(at(5));
    expect(firstNoticeAt(settings({ minDurationMs: 12 * MIN }), start)).toEqual(at(12));
  });

  it('is never due with alerts off or no channel', () => {
    expect(firstNoticeAt(settings({ enabled: false }), start)).toBeNull();
    expect(firstNoticeAt(settings({ channels: [] }), start)).toBeNull();
  });
});
