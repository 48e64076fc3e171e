/** Reads of incidents for the API and the dashboard: the list (open first, then recent) and one incident in full. */
import type { SqlClient } from '../db/sql.ts';
import { BadInputError } from '../errors.ts';
import type { Severity } from './channels/channel.ts';
import type { Status } from '../monitoring/status.ts';

export interface AlertView {
  id: number;
  service: string;
  displayName: string;
  state: 'open' | 'resolved';
  severity: Severity;
  status: Status;
  reason: string;
  startedAt: Date;
  openedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolution: string | null;
  suppressedBy: string | null;
  notifiedAt: Date | null;
  nextNoticeAt: Date | null;
  reminders: number;
  told: string[];
}

export interface AlertTransitionView {
  previousStatus: string | null;
  status: string;
  reason: string;
  at: Date;
}

export interface DeliveryAttemptView {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  detail: string | null;
}

export interface DeliveryView {
  id: number;
  incidentId: number | null;
  channel: string;
  event: string;
  messageId: string;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
  lastError: string | null;
  log: DeliveryAttemptView[];
}

export interface AlertFilter {
  service?: string | null;
  severity?: Severity | null;
  state?: 'open' | 'resolved' | 'acknowledged' | 'unacknowledged' | null;
  since?: Date | null;
  until?: Date | null;
  limit?: number | null;
  offset?: number | null;
}

const ALERT_COLUMNS = `i.id::int as id, i.service_name as service, i.display_name, i.state, i.severity, i.status, i.reason, i.started_at, i.opened_at, i.acknowledged_at,
  i.acknowledged_by, i.resolved_at, i.resolution, i.suppressed_by, i.notified_at, i.next_notice_at, i.reminders, i.told`;

const alertFromRow = (r: Record<string, any>): AlertView => ({
  id: r.id,
  service: r.service,
  displayName: r.display_name,
  state: r.state,
  severity: r.severity,
  status: r.status,
  reason: r.reason,
  startedAt: r.started_at,
  openedAt: r.opened_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  resolvedAt: r.resolved_at,
  resolution: r.resolution,
  suppressedBy: r.suppressed_by,
  notifiedAt: r.notified_at,
  nextNoticeAt: r.next_notice_at,
  reminders: r.reminders,
  told: r.told,
});

export const MAX_ALERTS_PER_PAGE = 500;

/** Open incidents first, then the most recent; filtered by service, severity, state and start time. */
export async function listAlerts(sql: SqlClient, filter: AlertFilter = {}): Promise<AlertView[]> {
  const limit = filter.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ALERTS_PER_PAGE) throw new BadInputError('limit', `limit must be a whole number from 1 to ${MAX_ALERTS_PER_PAGE}.`);
  const offset = filter.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000) throw new BadInputError('offset', 'offset must be a whole number from 0 to 1000000.');
  const params: unknown[] = [];
  const where: string[] = [];
  if (filter.service) where.push(`i.service_name = $${params.push(filter.service)}`);
  if (filter.severity) where.push(`i.severity = $${params.push(filter.severity)}`);
  if (filter.state === 'open' || filter.state === 'resolved') where.push(`i.state = $${params.push(filter.state)}`);
  if (filter.state === 'acknowledged') where.push(`i.state = 'open' and i.acknowledged_at is not null`);
  if (filter.state === 'unacknowledged') where.push(`i.state = 'open' and i.acknowledged_at is null`);
  if (filter.since) where.push(`coalesce(i.resolved_at, 'infinity') >= $${params.push(filter.since)}`);
  if (filter.until) where.push(`i.started_at <= $${params.push(filter.until)}`);
  const { rows } = await sql.query(
    `select ${ALERT_COLUMNS} from alert_incidents i
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by (i.state = 'open') desc, i.started_at desc, i.id desc
      limit ${limit} offset ${offset}`,
    params,
  );
  return rows.map(alertFromRow);
}

export async function getAlert(sql: SqlClient, id: number): Promise<AlertView | null> {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const { rows } = await sql.query(`select ${ALERT_COLUMNS} from alert_incidents i where i.id = $1`, [id]);
  return rows[0] ? alertFromRow(rows[0]) : null;
}

/** The most transitions, and deliveries, one incident lists (the oldest). */
const PER_INCIDENT = 1000;

/** The transitions of each incident of `ids`, oldest first: at most 1,000 each and `limit` in all, in one statement. */
export async function alertTransitions(sql: SqlClient, ids: number[], limit: number): Promise<Map<number, AlertTransitionView[]>> {
  const { rows } = await sql.query(
    `select incident_id::int as incident_id, previous_status, status, reason, at from (
       select t.*, row_number() over (partition by incident_id order by id) as n from alert_incident_transitions t where incident_id = any($1::bigint[])) x
      where n <= ${PER_INCIDENT} order by incident_id, id limit $2`,
    [ids, Math.max(0, Math.trunc(limit))],
  );
  const result = new Map<number, AlertTransitionView[]>();
  for (const r of rows) grouped(result, r.incident_id).push({ previousStatus: r.previous_status, status: r.status, reason: r.reason, at: r.at });
  return result;
}

/** The deliveries of each incident of `ids` with their attempts: at most 1,000 deliveries each and `limit` rows (deliveries and attempts) in all. */
export async function alertDeliveries(sql: SqlClient, ids: number[], limit: number): Promise<Map<number, DeliveryView[]>> {
  const { rows } = await sql.query(
    `select id::int as id, incident_id::int as incident_id, channel, event, message_id, state, attempts, max_attempts, next_attempt_at, created_at, sent_at, last_error from (
       select d.*, row_number() over (partition by incident_id order by id) as n from alert_deliveries d where incident_id = any($1::bigint[])) x
      where n <= ${PER_INCIDENT} order by incident_id, id limit $2`,
    [ids, Math.max(0, Math.trunc(limit))],
  );
  const { rows: attempts } = await sql.query(
    `select delivery_id::int as delivery_id, attempt, started_at, latency_ms, ok, status_code, error, detail from alert_delivery_attempts
      where delivery_id = any($1::bigint[]) order by delivery_id, attempt, id limit $2`,
    [rows.map((r) => r.id), Math.max(0, Math.trunc(limit) - rows.length)],
  );
  const logs = new Map<number, DeliveryView['log']>();
  for (const a of attempts) {
    grouped(logs, a.delivery_id).push({ attempt: a.attempt, startedAt: a.started_at, latencyMs: a.latency_ms, ok: a.ok, statusCode: a.status_code, error: a.error, detail: a.detail });
  }
  const result = new Map<number, DeliveryView[]>();
  for (const r of rows) {
    grouped(result, r.incident_id).push({
      id: r.id,
      incidentId: r.incident_id,
      channel: r.channel,
      event: r.event,
      messageId: r.message_id,
      state: r.state,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      nextAttemptAt: r.state === 'pending' ? r.next_attempt_at : null,
      createdAt: r.created_at,
      sentAt: r.sent_at,
      lastError: r.last_error,
      log: logs.get(r.id) ?? [],
    });
  }
  return result;
}

function grouped<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** Open critical incidents (the dashboard's banner). */
export async function openCriticalCount(sql: SqlClient): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`select count(*)::int as n from alert_incidents where state = 'open' and severity = 'critical' and suppressed_by is null`);
  return rows[0].n;
}
