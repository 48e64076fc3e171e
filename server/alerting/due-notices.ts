/**
 * The due-notice phase of an alerting pass: which open incidents are owed a notice now (the first
 * page after the escalation delay, or a reminder), which are held back and until when (a parent
 * down, a maintenance window), and what goes to whom. The decision is a pure function of the
 * incident as stored, its settings and the clock, so that every rule can be pinned without a
 * database; the phase around it reads the due incidents under the pass's lock and writes back.
 */
import type { SqlClient } from '../db/sql.ts';
import { silencing, type StoredWindow } from './maintenance.ts';
import { enqueueNotices, INCIDENT_COLUMNS, type IncidentRow, type PassContext } from './notices.ts';
import type { PassConfig } from './pass-config.ts';
import type { AlertSettings } from './settings.ts';

/** Due incidents one pass notifies at most. */
export const NOTICES_PER_PASS = 500;

/**
 * When an incident that has paged nobody yet first may: at its start plus the escalation delay (or
 * the minimum duration, when longer); null when it pages nobody (alerts off, or no channels).
 */
export function firstNoticeAt(settings: AlertSettings, startedAt: Date): Date | null {
  if (!settings.enabled || settings.channels.length === 0) return null;
  return new Date(new Date(startedAt).getTime() + Math.max(settings.escalationDelayMs, settings.minDurationMs));
}

/** What the decision reads of an open incident, as stored. */
export type DueIncident = Pick<IncidentRow, 'service' | 'tags' | 'depends_on' | 'started_at' | 'acknowledged_at' | 'suppressed_by' | 'notified_at' | 'told'> & {
  /** When its channels were last told (first page or reminder); null for incidents paged before it was kept. */
  last_notice_at?: Date | null;
};

/** What is true outside the incident when it is looked at. */
export interface DueCircumstances {
  now: Date;
  /** Services (by name) down now, among the parents of the incidents looked at. */
  downParents: ReadonlySet<string>;
  /** Maintenance windows not ended. */
  windows: StoredWindow[];
}

export interface DueDecision {
  /** When the incident is looked at next; null: not until something else makes it due (new settings, a parent's recovery). */
  nextNoticeAt: Date | null;
  /** Why nobody is paged for it (`caused by <parent>`, `maintenance "<window>"`), or null. */
  suppressedBy: string | null;
  /** What goes out now: the first page to the settings' channels, or a reminder to the channels told. */
  notice: { event: 'trigger' | 'remind'; channels: string[] } | null;
  /** Subscribers hear the incident changed: it is newly held back, or first paged. */
  announce: boolean;
}

/**
 * The notice an open incident is owed at `now`. Looked at early (its settings changed:
 * reconsiderOpenIncidents), it gets nothing before the settings in force say so: the first notice
 * at the start plus the escalation delay, a reminder one interval after the last notice.
 */
export function decideDueNotice(incident: DueIncident, settings: AlertSettings, { now, downParents, windows }: DueCircumstances): DueDecision {
  const quiet = (nextNoticeAt: Date | null, suppressedBy: string | null): DueDecision => ({
    nextNoticeAt,
    suppressedBy,
    notice: null,
    // A label left from before that goes is not announced: only a new hold is.
    announce: suppressedBy !== null && suppressedBy !== incident.suppressed_by,
  });
  // Nothing more for it until its settings change (or it is resolved); its label stays as it was.
  if (!settings.enabled || incident.acknowledged_at) return quiet(null, incident.suppressed_by);
  // Its parent is down: recorded, resolved as usual, but nobody is paged for it (until the parent is no longer down).
  const cause = [...incident.depends_on].sort().find((name) => downParents.has(name));
  if (cause) return quiet(null, `caused by ${cause}`);
  // Looked at again when the window's occurrence ends (or sooner, if it is ended early).
  const silenced = silencing(windows, { name: incident.service, tags: incident.tags }, now);
  if (silenced) return quiet(silenced.occurrence.end, `maintenance "${silenced.window.name}"`);
  // The first page for incidents paged before last_notice_at was kept counts as the last notice.
  const lastNotice = incident.last_notice_at ?? incident.notified_at;
  const dueAt = lastNotice
    ? settings.remindEveryMs > 0 ? new Date(new Date(lastNotice).getTime() + settings.remindEveryMs) : null
    : firstNoticeAt(settings, incident.started_at);
  // Neither a parent nor a window holds it now (a label left from before goes).
  if (!dueAt || dueAt > now) return quiet(dueAt, null);
  const next = settings.remindEveryMs > 0 ? new Date(now.getTime() + settings.remindEveryMs) : null;
  if (!incident.notified_at) return { nextNoticeAt: next, suppressedBy: null, notice: { event: 'trigger', channels: settings.channels }, announce: true };
  return { nextNoticeAt: next, suppressedBy: null, notice: { event: 'remind', channels: incident.told }, announce: false };
}

/** What one phase did. */
export interface DueNoticesResult {
  /** Due incidents looked at (NOTICES_PER_PASS: there may be more). */
  looked: number;
  /** Deliveries put in the outbox. */
  notices: number;
  /** Incidents whose change subscribers hear once the pass commits, as they are now. */
  changed: IncidentRow[];
}

/**
 * Open incidents whose escalation, reminder or hold is due, locked, each decided and its schedule
 * written back in one statement, and their notices put in the outbox in another (in the pass's
 * transaction).
 */
export async function queueDueNotices(sql: SqlClient, config: PassConfig, context: PassContext): Promise<DueNoticesResult> {
  const now = context.now;
  const { rows } = await sql.query<IncidentRow & { last_notice_at: Date | null }>(
    `select ${INCIDENT_COLUMNS}, i.last_notice_at
       from alert_incidents i left join services s on s.id = i.service_id
      where i.next_notice_at <= $1 and i.state = 'open'
      order by i.next_notice_at limit ${NOTICES_PER_PASS} for update of i`,
    [now],
  );
  if (!rows.length) return { looked: 0, notices: 0, changed: [] };
  await config.loadServices(rows.map((r) => r.service_id));
  const parents = [...new Set(rows.flatMap((r) => r.depends_on))];
  const downParents = new Set(
    parents.length
      ? (await sql.query<{ name: string }>(
          `select s.name from services s join service_states st on st.service_id = s.id where s.name = any($1::text[]) and st.status = 'down' and not s.paused`,
          [parents],
        )).rows.map((r) => r.name)
      : [],
  );
  const updates: { id: number; next: Date | null; suppressedBy: string | null; notifiedAt: Date | null; told: string[] | null; remind: boolean }[] = [];
  const notices: { incident: IncidentRow; event: 'trigger' | 'remind'; channel: string }[] = [];
  const changed: IncidentRow[] = [];
  for (const incident of rows) {
    const decision = decideDueNotice(incident, config.settings(incident.service_id), { now, downParents, windows: config.windows });
    // The first page: the channels it goes to are the ones told from now on.
    const told = decision.notice?.event === 'trigger' ? decision.notice.channels : null;
    // As its channels see it in the notice, and subscribers once the pass commits.
    const state: IncidentRow = told
      ? { ...incident, told, notified_at: now, suppressed_by: null }
      : { ...incident, suppressed_by: decision.suppressedBy };
    updates.push({
      id: incident.id,
      next: decision.nextNoticeAt,
      suppressedBy: decision.suppressedBy,
      notifiedAt: told ? now : null,
      told,
      remind: decision.notice?.event === 'remind',
    });
    if (decision.notice) for (const channel of decision.notice.channels) notices.push({ incident: told ? state : incident, event: decision.notice.event, channel });
    if (decision.announce) changed.push(state);
  }
  await sql.query(
    `update alert_incidents i set next_notice_at = x.next, suppressed_by = x.suppressed_by, notified_at = coalesce(x.notified_at, i.notified_at),
            last_notice_at = case when x.notified_at is not null or x.remind then $7::timestamptz else i.last_notice_at end,
            told = case when x.told is null then i.told else array(select jsonb_array_elements_text(x.told)) end,
            reminders = i.reminders + case when x.remind then 1 else 0 end
       from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::boolean[]) as x(id, next, suppressed_by, notified_at, told, remind)
      where i.id = x.id`,
    [updates.map((u) => u.id), updates.map((u) => u.next), updates.map((u) => u.suppressedBy), updates.map((u) => u.notifiedAt),
      updates.map((u) => (u.told ? JSON.stringify(u.told) : null)), updates.map((u) => u.remind), now],
  );
  return { looked: rows.length, notices: await enqueueNotices(sql, notices, config.channelKinds, context), changed };
}
