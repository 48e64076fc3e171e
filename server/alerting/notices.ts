/**
 * What an incident tells people: the notices it puts in the outbox (one statement for a pass's
 * whole batch), the change subscribers hear, an operator's acknowledgement, and the helpers that
 * make open incidents due again when what decides their next notice changed (settings, windows).
 * The pass (incidents.ts) decides when; this module says what and to whom.
 */
import { randomBytes } from 'node:crypto';
import type { SqlClient } from '../db/sql.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { Channels } from '../events/channels.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Status } from '../monitoring/status.ts';
import type { Notice, NoticeEvent, Severity } from './channels/channel.ts';

/** Attempts of one delivery before it is marked failed. */
export const MAX_ATTEMPTS = 8;
/** Channel kinds told of an acknowledgement (others would only repeat what the dashboard shows). */
const ACKNOWLEDGING_KINDS = new Set(['pagerduty', 'webhook']);

export interface PassContext {
  now: Date;
  /** The dashboard's base URL for links in notices (empty: none). */
  publicUrl: string;
  /** The outbox has new work once the pass commits. */
  wakeOutbox(): void;
}

export interface IncidentRow {
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

/** Read with `left join services s`: an incident keeps its service's names after the service is removed. */
export const INCIDENT_COLUMNS = `i.id::int as id, i.service_id, i.service_name as service, i.display_name, coalesce(s.tags, '{}') as tags, coalesce(s.depends_on, '{}') as depends_on,
  i.state, i.severity, i.status, i.reason,
  i.started_at, i.acknowledged_at, i.acknowledged_by, i.resolved_at, i.suppressed_by, i.notified_at, i.told`;

export function publishChange(events: TransactionEvents, incident: Pick<IncidentRow, 'id' | 'service' | 'state' | 'severity' | 'status' | 'acknowledged_at'>, now: Date): void {
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
 * Puts deliveries in the outbox (in the caller's transaction), one statement for them all; a
 * channel that is no longer defined gets a delivery marked failed, so the gap shows on the incident
 * instead of vanishing.
 */
export async function enqueueNotices(sql: SqlClient, notices: { incident: IncidentRow; event: NoticeEvent; channel: string }[], kinds: Map<string, string>, context: PassContext): Promise<number> {
  if (!notices.length) return 0;
  const rows = notices.map(({ incident, event, channel }) => {
    const id = newMessageId();
    const defined = kinds.has(channel);
    return { incident: incident.id, event, channel, id, notice: noticeOf(incident, event, id, context.now, context.publicUrl), state: defined ? 'pending' : 'failed', error: defined ? null : `the channel "${channel}" is not defined` };
  });
  await sql.query(
    `insert into alert_deliveries (incident_id, channel, event, message_id, notice, state, max_attempts, next_attempt_at, created_at, last_error)
     select c.incident, c.channel, c.event, c.id, c.notice, c.state, $1, $2, $2, c.error
       from unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::int[]) as c(incident, event, channel, id, notice, state, error, n)
      order by c.n`,
    [MAX_ATTEMPTS, context.now, rows.map((r) => r.incident), rows.map((r) => r.event), rows.map((r) => r.channel), rows.map((r) => r.id),
      rows.map((r) => JSON.stringify(r.notice)), rows.map((r) => r.state), rows.map((r) => r.error), rows.map((_, n) => n)],
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
  const { rows } = await sql.query<IncidentRow>(`select ${INCIDENT_COLUMNS} from alert_incidents i left join services s on s.id = i.service_id where i.id = $1 for update of i`, [id]);
  const incident = rows[0];
  if (!incident) throw new NotFoundError('Alert', String(id));
  if (incident.state !== 'open') throw new ConflictError(`Alert ${id} is resolved already: there is nothing to acknowledge.`);
  if (incident.acknowledged_at) return false;
  await sql.query(`update alert_incidents set acknowledged_at = $2, acknowledged_by = $3, next_notice_at = null where id = $1`, [id, context.now, by.slice(0, 200)]);
  const acknowledged = { ...incident, acknowledged_at: context.now, acknowledged_by: by };
  const { rows: kinds } = await sql.query<{ name: string; kind: string }>('select name, kind from alert_channels where name = any($1::text[])', [incident.told]);
  const kindOf = new Map(kinds.map((k) => [k.name, k.kind]));
  const tell = incident.told.filter((name) => ACKNOWLEDGING_KINDS.has(kindOf.get(name) ?? ''));
  await enqueueNotices(sql, tell.map((channel) => ({ incident: acknowledged, event: 'acknowledge' as const, channel })), kindOf, context);
  publishChange(events, acknowledged, context.now);
  return true;
}

/**
 * Makes the open, unacknowledged incidents of `serviceId` (all of them when null) due now: their
 * alert settings changed (alerts turned on, channels added, a shorter escalation delay or reminder
 * interval), so the next pass decides their next notice by the settings in force, and sends
 * nothing before those say so. Without it an outage under way kept the schedule it opened with
 * (no page at all when alerts were off then). Returns how many it made due.
 */
export async function reconsiderOpenIncidents(sql: SqlClient, now: Date, serviceId: number | null): Promise<number> {
  const { rowCount } = await sql.query(
    `update alert_incidents set next_notice_at = $1
      where state = 'open' and acknowledged_at is null and (next_notice_at is null or next_notice_at > $1) and ($2::bigint is null or service_id = $2)`,
    [now, serviceId],
  );
  return rowCount ?? 0;
}

/** Moves due notices of open incidents to now (a maintenance window ended early: what it silenced is looked at again). */
export async function reconsiderSilenced(sql: SqlClient, now: Date): Promise<void> {
  await sql.query(`update alert_incidents set next_notice_at = $1 where state = 'open' and suppressed_by like 'maintenance %' and next_notice_at > $1`, [now]);
}
