/**
 * Incidents left open by a service that no longer exists: no transition will ever resolve them, so
 * each alerting pass does, and tells the channels that were paged, as for a recovery.
 */
import type { SqlClient } from '../db/sql.ts';
import { enqueueNotices, INCIDENT_COLUMNS, type IncidentRow, type PassContext } from './notices.ts';

/**
 * Open incidents whose service was removed (from the API or the config file) since: resolved
 * now, and the channels told of them hear it, as for a recovery (regression: the incident was
 * deleted with its service and a PagerDuty alert stayed open). Runs in the pass's transaction;
 * returns the deliveries it put in the outbox and the incidents as subscribers are to hear them.
 */
export async function resolveRemovedIncidents(sql: SqlClient, channelKinds: Map<string, string>, context: PassContext): Promise<{ notices: number; changed: IncidentRow[] }> {
  const now = context.now;
  const { rows } = await sql.query<IncidentRow>(
    `select ${INCIDENT_COLUMNS}
       from alert_incidents i left join services s on s.id = i.service_id
      where i.service_id is null and i.state = 'open' for update of i`,
  );
  if (!rows.length) return { notices: 0, changed: [] };
  const reason = 'the service was removed';
  await sql.query(`update alert_incidents set state = 'resolved', resolved_at = $2, resolution = 'removed', next_notice_at = null where id = any($1::bigint[])`, [rows.map((r) => r.id), now]);
  await sql.query(
    `insert into alert_incident_transitions (incident_id, window_id, previous_status, status, reason, at) select id, null, status, 'removed', $2, $3 from unnest($1::bigint[], $4::text[]) as x(id, status)`,
    [rows.map((r) => r.id), reason, now, rows.map((r) => r.status)],
  );
  const changed = rows.map((incident): IncidentRow => ({ ...incident, state: 'resolved', resolved_at: now, reason }));
  // Dependents held back as caused by a service that no longer exists are looked at again now
  // (they were only when the parent recovered, which a removed one never does).
  await sql.query(
    `update alert_incidents i set next_notice_at = $1
      where i.state = 'open' and i.acknowledged_at is null and i.suppressed_by like 'caused by %'
        and not exists (select 1 from services s where 'caused by ' || s.name = i.suppressed_by)`,
    [now],
  );
  const notices = changed.flatMap((incident) => incident.told.map((channel) => ({ incident, event: 'resolve' as const, channel })));
  return { notices: await enqueueNotices(sql, notices, channelKinds, context), changed };
}
