/**
 * Incidents from the exact transition stream. One pass, under a transaction-scoped advisory lock
 * so that one replica at a time makes it: reads every transition after the alerting cursor
 * (monitoring/transitions.ts), opens, updates or resolves the service's incident for each, moves
 * the cursor — all in one transaction, so a transition is turned into an incident exactly once
 * whatever replica dies when — then sends what is due (escalations, reminders) to the outbox in
 * the same transaction. Nothing here talks to a receiver: the outbox does (outbox.ts).
 */
import { randomBytes } from 'node:crypto';
import type { SqlClient } from '../db/sql.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { Channels } from '../events/channels.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { transitionsAfter, type RecordedTransition } from '../monitoring/transitions.ts';
import type { Status } from '../monitoring/status.ts';
import type { Notice, NoticeEvent, Severity } from './channels/channel.ts';
import { resolveSettings, type AlertSettings, type AlertSettingsInput } from './settings.ts';
import { loadWindows, silencing, type StoredWindow } from './maintenance.ts';

/** Arbitrary but fixed: the advisory lock of the alerting pass ("Aler"). */
export const ALERTING_LOCK_KEY = 0x416c6572;
/** Transitions one pass reads at most (the next pass reads on at once). */
const TRANSITIONS_PER_PASS = 500;
/** Due incidents one pass notifies at most. */
const NOTICES_PER_PASS = 500;
/** Attempts of one delivery before it is marked failed. */
export const MAX_ATTEMPTS = 8;
/** Channel kinds told of an acknowledgement (others would only repeat what the dashboard shows). */
const ACKNOWLEDGING_KINDS = new Set(['pagerduty', 'webhook']);
/** Channel kinds told of a recovery even when `notifyRecovery` is off: an incident left open there pages again. */
const ALWAYS_RESOLVED_KINDS = new Set(['pagerduty']);

export const severityOf = (status: Status): Severity => (status === 'down' ? 'critical' : 'warning');

export interface PassContext {
  now: Date;
  /** The dashboard's base URL for links in notices (empty: none). */
  publicUrl: string;
  /** The outbox has new work once the pass commits. */
  wakeOutbox(): void;
}

export interface PassResult {
  /** Another replica held the lock: nothing was read. */
  busy: boolean;
  transitions: number;
  /** Deliveries put in the outbox. */
  notices: number;
  /** The pass read as many transitions or due incidents as it may: there may be more. */
  more: boolean;
}

interface IncidentRow {
  id: number;
  service_id: number;
  service: string;
  display_name: string;
  tags: string[];
  depends_on: string[];
  state: 'open' | 'resolved';
  severity: Severity;
  status: Status;
  reason: string;
  started_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  suppressed_by: string | null;
  notified_at: Date | null;
  told: string[];
}

const INCIDENT_COLUMNS = `i.id::int as id, i.service_id, s.name as service, s.display_name, s.tags, s.depends_on, i.state, i.severity, i.status, i.reason,
  i.started_at, i.acknowledged_at, i.acknowledged_by, i.resolved_at, i.suppressed_by, i.notified_at, i.told`;

/** What each pass needs of the configuration: read once per pass. */
class PassConfig {
  readonly defaults: AlertSettingsInput;
  readonly own: Map<number, AlertSettingsInput>;
  readonly channelKinds: Map<string, string>;
  readonly windows: StoredWindow[];
  constructor(defaults: AlertSettingsInput, own: Map<number, AlertSettingsInput>, channelKinds: Map<string, string>, windows: StoredWindow[]) {
    this.defaults = defaults;
    this.own = own;
    this.channelKinds = channelKinds;
    this.windows = windows;
  }

  static async load(sql: SqlClient): Promise<PassConfig> {
    // One after another: the statements share the pass's connection.
    const configs = await sql.query<{ service_id: number | null } & Record<string, any>>(
      `select service_id, enabled, channels, escalation_delay_ms, min_duration_ms, remind_every_ms, notify_recovery from alert_configs`,
    );
    const channels = await sql.query<{ name: string; kind: string }>(`select name, kind from alert_channels`);
    const windows = await loadWindows(sql);
    const toInput = (r: Record<string, any>): AlertSettingsInput => ({
      enabled: r.enabled ?? undefined,
      channels: r.channels ?? undefined,
      escalationDelayMs: r.escalation_delay_ms ?? undefined,
      minDurationMs: r.min_duration_ms ?? undefined,
      remindEveryMs: r.remind_every_ms ?? undefined,
      notifyRecovery: r.notify_recovery ?? undefined,
    });
    const defaults = configs.rows.find((r) => r.service_id === null);
    return new PassConfig(
      defaults ? toInput(defaults) : {},
      new Map(configs.rows.filter((r) => r.service_id !== null).map((r) => [r.service_id as number, toInput(r)])),
      new Map(channels.rows.map((r) => [r.name, r.kind])),
      windows,
    );
  }

  settings(serviceId: number): AlertSettings {
    return resolveSettings(this.own.get(serviceId), this.defaults);
  }
}

/** One pass: transitions into incidents, then due notices. Runs its own transaction on `sql` (a connection in one). */
export async function alertingPass(sql: SqlClient, events: TransactionEvents, context: PassContext): Promise<PassResult> {
  const { rows: locked } = await sql.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [ALERTING_LOCK_KEY]);
  if (!locked[0].ok) return { busy: true, transitions: 0, notices: 0, more: false };
  // Not `for update`: the advisory lock already makes this pass the only one, and a row lock would
  // give this transaction an id before the read, holding back the snapshot xmin the read goes by.
  const { rows: cursorRows } = await sql.query<{ txid: string; window_id: string }>('select txid::text as txid, window_id from alerting_cursor where id = 1');
  const cursor = cursorRows[0] ? { txid: cursorRows[0].txid, id: Number(cursorRows[0].window_id) } : { txid: '0', id: 0 };
  const read = await transitionsAfter(sql, cursor, TRANSITIONS_PER_PASS);
  const config = await PassConfig.load(sql);
  const pass = new Pass(sql, events, context, config);
  for (const transition of read.transitions) await pass.transition(transition);
  if (read.transitions.length) {
    await sql.query('update alerting_cursor set txid = $1::xid8, window_id = $2, updated_at = $3 where id = 1', [read.cursor.txid, read.cursor.id, context.now]);
  }
  const due = await pass.dueNotices();
  return { busy: false, transitions: read.transitions.length, notices: pass.notices, more: read.transitions.length === TRANSITIONS_PER_PASS || due === NOTICES_PER_PASS };
}

type Worsening = RecordedTransition & { status: 'degraded' | 'down' };
const isWorsening = (t: RecordedTransition): t is Worsening => t.status === 'degraded' || t.status === 'down';

class Pass {
  notices = 0;
  readonly sql: SqlClient;
  readonly events: TransactionEvents;
  readonly context: PassContext;
  readonly config: PassConfig;
  constructor(sql: SqlClient, events: TransactionEvents, context: PassContext, config: PassConfig) {
    this.sql = sql;
    this.events = events;
    this.context = context;
    this.config = config;
  }

  async transition(t: RecordedTransition): Promise<void> {
    const open = await this.openIncident(t.serviceId);
    if (isWorsening(t)) {
      if (open) await this.worsenOrChange(open, t);
      else await this.open(t);
    } else if (open) {
      await this.resolve(open, t, t.status === 'paused' ? 'paused' : 'recovered');
    }
    if (t.status === 'healthy') await this.endWindowsWhenHealthy(t);
    if (t.previousStatus === 'down' && t.status !== 'down') await this.reconsiderDependents(t);
  }

  /**
   * A parent that is no longer down no longer excuses its dependents: their open incidents held
   * back as `caused by <parent>` are looked at again now (they page unless another parent is down).
   */
  async reconsiderDependents(t: RecordedTransition): Promise<void> {
    await this.sql.query(
      `update alert_incidents set next_notice_at = $2 where state = 'open' and acknowledged_at is null and suppressed_by = $1`,
      [`caused by ${t.service}`, this.context.now],
    );
  }

  async openIncident(serviceId: number): Promise<IncidentRow | null> {
    const { rows } = await this.sql.query<IncidentRow>(
      `select ${INCIDENT_COLUMNS} from alert_incidents i join services s on s.id = i.service_id where i.service_id = $1 and i.state = 'open' for update of i`,
      [serviceId],
    );
    return rows[0] ?? null;
  }

  async open(t: Worsening): Promise<void> {
    const now = this.context.now;
    const settings = this.config.settings(t.serviceId);
    const external = settings.enabled && settings.channels.length > 0;
    const delay = Math.max(settings.escalationDelayMs, settings.minDurationMs);
    // Counted from when the bad status began, not from when this pass saw it: a pass that runs late
    // (a backlog after a restart) must not add its lateness to the escalation delay.
    const startedAt = new Date(t.at).getTime();
    const { rows } = await this.sql.query<IncidentRow>(
      `with inserted as (
         insert into alert_incidents (service_id, state, severity, status, reason, started_at, opened_at, next_notice_at)
         values ($1, 'open', $2, $3, $4, $5, $6, $7) returning *)
       select ${INCIDENT_COLUMNS} from inserted i join services s on s.id = i.service_id`,
      [t.serviceId, severityOf(t.status), t.status, t.reason.slice(0, 2000), t.at, now, external ? new Date(startedAt + delay) : null],
    );
    await this.recordTransition(rows[0].id, t);
    this.changed(rows[0]);
  }

  async worsenOrChange(incident: IncidentRow, t: Worsening): Promise<void> {
    const severity: Severity = incident.severity === 'critical' || t.status === 'down' ? 'critical' : 'warning';
    const { rows } = await this.sql.query<{ id: number }>(
      `update alert_incidents set status = $2, severity = $3, reason = $4 where id = $1 returning id`,
      [incident.id, t.status, severity, t.reason.slice(0, 2000)],
    );
    await this.recordTransition(rows[0].id, t);
    const updated = { ...incident, status: t.status, severity, reason: t.reason };
    // Worse than the channels were told: they hear it (PagerDuty re-triggers with the same dedup_key).
    if (severity !== incident.severity && incident.told.length && !incident.acknowledged_at) await this.enqueue(updated, 'trigger', incident.told);
    this.changed(updated);
  }

  async resolve(incident: IncidentRow, t: RecordedTransition, resolution: 'recovered' | 'paused'): Promise<void> {
    const status: Status = t.status === 'paused' ? incident.status : (t.status as Status);
    await this.sql.query(
      `update alert_incidents set state = 'resolved', status = $2, resolved_at = $3, resolution = $4, next_notice_at = null where id = $1`,
      [incident.id, status, t.at, resolution],
    );
    await this.recordTransition(incident.id, t);
    const resolved: IncidentRow = { ...incident, state: 'resolved', status, resolved_at: new Date(t.at) };
    if (incident.told.length) {
      const settings = this.config.settings(incident.service_id);
      const told = incident.told.filter((name) => settings.notifyRecovery || ALWAYS_RESOLVED_KINDS.has(this.config.channelKinds.get(name) ?? ''));
      if (told.length) await this.enqueue(resolved, 'resolve', told);
    }
    this.changed(resolved);
  }

  /** One-off windows set to end once their services are healthy again end with the first recovery they cover. */
  async endWindowsWhenHealthy(t: RecordedTransition): Promise<void> {
    if (t.previousStatus !== 'down' && t.previousStatus !== 'degraded') return;
    const { rows } = await this.sql.query<{ tags: string[] }>('select tags from services where id = $1', [t.serviceId]);
    const service = { name: t.service, tags: rows[0]?.tags ?? [] };
    const ending = this.config.windows.filter((w) => w.endWhenHealthy && !w.rrule && !w.endedAt && w.startsAt <= this.context.now && (w.endsAt ?? this.context.now) > this.context.now);
    for (const window of ending) {
      if (!(window.everything || window.services.includes(service.name) || window.tags.some((tag) => service.tags.includes(tag)))) continue;
      await this.sql.query('update maintenance_windows set ended_at = $2 where id = $1 and ended_at is null', [window.id, this.context.now]);
      window.endedAt = this.context.now;
    }
  }

  async recordTransition(incidentId: number, t: RecordedTransition): Promise<void> {
    await this.sql.query(
      `insert into alert_incident_transitions (incident_id, window_id, previous_status, status, reason, at) values ($1, $2, $3, $4, $5, $6)`,
      [incidentId, t.cursor.id, t.previousStatus, t.status, t.reason.slice(0, 2000), t.at],
    );
  }

  /** Open, unacknowledged incidents whose escalation or reminder is due. Returns how many it looked at. */
  async dueNotices(): Promise<number> {
    const now = this.context.now;
    const { rows } = await this.sql.query<IncidentRow & { next_notice_at: Date }>(
      `select ${INCIDENT_COLUMNS}, i.next_notice_at from alert_incidents i join services s on s.id = i.service_id
        where i.next_notice_at <= $1 and i.state = 'open'
        order by i.next_notice_at limit ${NOTICES_PER_PASS} for update of i`,
      [now],
    );
    for (const incident of rows) {
      const settings = this.config.settings(incident.service_id);
      if (!settings.enabled || incident.acknowledged_at) {
        await this.setNext(incident.id, null, incident.suppressed_by);
        continue;
      }
      const cause = await this.downParent(incident);
      if (cause) {
        // Its parent is down: recorded, resolved as usual, but nobody is paged for it.
        await this.setNext(incident.id, null, `caused by ${cause}`);
        this.changed({ ...incident, suppressed_by: `caused by ${cause}` });
        continue;
      }
      const silenced = silencing(this.config.windows, { name: incident.service, tags: incident.tags }, now);
      if (silenced) {
        // Looked at again when the window's occurrence ends (or sooner, if it is ended early).
        const by = `maintenance "${silenced.window.name}"`;
        await this.setNext(incident.id, silenced.occurrence.end, by);
        if (incident.suppressed_by !== by) this.changed({ ...incident, suppressed_by: by });
        continue;
      }
      const next = settings.remindEveryMs > 0 ? new Date(now.getTime() + settings.remindEveryMs) : null;
      if (!incident.notified_at) {
        const channels = settings.channels;
        await this.sql.query(`update alert_incidents set notified_at = $2, told = $3, next_notice_at = $4, suppressed_by = null where id = $1`, [incident.id, now, channels, next]);
        const told = { ...incident, told: channels, notified_at: now, suppressed_by: null };
        await this.enqueue(told, 'trigger', channels);
        this.changed(told);
      } else {
        await this.sql.query(`update alert_incidents set reminders = reminders + 1, next_notice_at = $2, suppressed_by = null where id = $1`, [incident.id, next]);
        await this.enqueue(incident, 'remind', incident.told);
      }
    }
    return rows.length;
  }

  async setNext(id: number, next: Date | null, suppressedBy: string | null): Promise<void> {
    await this.sql.query('update alert_incidents set next_notice_at = $2, suppressed_by = $3 where id = $1', [id, next, suppressedBy]);
  }

  /** A service this one depends on that is down now, if any. */
  async downParent(incident: IncidentRow): Promise<string | null> {
    if (!incident.depends_on.length) return null;
    const { rows } = await this.sql.query<{ name: string }>(
      `select s.name from services s join service_states st on st.service_id = s.id where s.name = any($1::text[]) and st.status = 'down' and not s.paused order by s.name limit 1`,
      [incident.depends_on],
    );
    return rows[0]?.name ?? null;
  }

  async enqueue(incident: IncidentRow, event: NoticeEvent, channels: string[]): Promise<void> {
    const delivered = await enqueueNotices(this.sql, incident, event, channels, this.config.channelKinds, this.context);
    this.notices += delivered;
  }

  changed(incident: IncidentRow): void {
    publishChange(this.events, incident, this.context.now);
  }
}

function publishChange(events: TransactionEvents, incident: Pick<IncidentRow, 'id' | 'service' | 'state' | 'severity' | 'status' | 'acknowledged_at'>, now: Date): void {
  events.record(Channels.alertChanged, {
    id: incident.id,
    service: incident.service,
    state: incident.state,
    severity: incident.severity,
    status: incident.status,
    acknowledged: !!incident.acknowledged_at,
    at: now.toISOString(),
  });
}

/** A delivery's message id, as Standard Webhooks writes them: the same on every attempt of it. */
export const newMessageId = () => `msg_${randomBytes(18).toString('base64url')}`;

export function noticeOf(incident: IncidentRow, event: NoticeEvent, id: string, now: Date, publicUrl: string): Notice {
  return {
    id,
    event,
    at: now.toISOString(),
    incident: {
      id: incident.id,
      key: `lookout-incident-${incident.id}`,
      service: incident.service,
      displayName: incident.display_name,
      severity: incident.severity,
      status: incident.status,
      reason: incident.reason,
      startedAt: new Date(incident.started_at).toISOString(),
      acknowledgedAt: incident.acknowledged_at ? new Date(incident.acknowledged_at).toISOString() : null,
      acknowledgedBy: incident.acknowledged_by,
      resolvedAt: incident.resolved_at ? new Date(incident.resolved_at).toISOString() : null,
      url: publicUrl ? `${publicUrl.replace(/\/$/, '')}/alerts/${incident.id}` : null,
    },
  };
}

/**
 * Puts one delivery per channel in the outbox (in the caller's transaction); a channel that is no
 * longer defined gets a delivery marked failed, so the gap shows on the incident instead of vanishing.
 */
async function enqueueNotices(sql: SqlClient, incident: IncidentRow, event: NoticeEvent, channels: string[], kinds: Map<string, string>, context: PassContext): Promise<number> {
  if (!channels.length) return 0;
  const rows = channels.map((channel) => {
    const id = newMessageId();
    const defined = kinds.has(channel);
    return { channel, id, notice: noticeOf(incident, event, id, context.now, context.publicUrl), state: defined ? 'pending' : 'failed', error: defined ? null : `the channel "${channel}" is not defined` };
  });
  await sql.query(
    `insert into alert_deliveries (incident_id, channel, event, message_id, notice, state, max_attempts, next_attempt_at, created_at, last_error)
     select $1, c.channel, $2, c.id, c.notice, c.state, $3, $4, $4, c.error
       from unnest($5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[]) as c(channel, id, notice, state, error)`,
    [incident.id, event, MAX_ATTEMPTS, context.now, rows.map((r) => r.channel), rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.notice)), rows.map((r) => r.state), rows.map((r) => r.error)],
  );
  context.wakeOutbox();
  return rows.length;
}

/**
 * An operator acknowledges an open incident: escalation and reminders stop, and channels that
 * acknowledge (PagerDuty, webhooks) are told. Returns false when it was acknowledged already (a
 * call that changes nothing).
 */
export async function acknowledgeIncident(sql: SqlClient, events: TransactionEvents, id: number, by: string, context: PassContext): Promise<boolean> {
  const { rows } = await sql.query<IncidentRow>(`select ${INCIDENT_COLUMNS} from alert_incidents i join services s on s.id = i.service_id where i.id = $1 for update of i`, [id]);
  const incident = rows[0];
  if (!incident) throw new NotFoundError('Alert', String(id));
  if (incident.state !== 'open') throw new ConflictError(`Alert ${id} is resolved already: there is nothing to acknowledge.`);
  if (incident.acknowledged_at) return false;
  await sql.query(`update alert_incidents set acknowledged_at = $2, acknowledged_by = $3, next_notice_at = null where id = $1`, [id, context.now, by.slice(0, 200)]);
  const acknowledged = { ...incident, acknowledged_at: context.now, acknowledged_by: by };
  const { rows: kinds } = await sql.query<{ name: string; kind: string }>('select name, kind from alert_channels where name = any($1::text[])', [incident.told]);
  const kindOf = new Map(kinds.map((k) => [k.name, k.kind]));
  const tell = incident.told.filter((name) => ACKNOWLEDGING_KINDS.has(kindOf.get(name) ?? ''));
  await enqueueNotices(sql, acknowledged, 'acknowledge', tell, kindOf, context);
  publishChange(events, acknowledged, context.now);
  return true;
}

/** Moves due notices of open incidents to now (a maintenance window ended early: what it silenced is looked at again). */
export async function reconsiderSilenced(sql: SqlClient, now: Date): Promise<void> {
  await sql.query(`update alert_incidents set next_notice_at = $1 where state = 'open' and suppressed_by like 'maintenance %' and next_notice_at > $1`, [now]);
}
