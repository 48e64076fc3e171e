/**
 * Overall status for /health and the `health` query: down when the database does not answer,
 * otherwise the worst status among critical services (healthy when there are none).
 */
import type { App } from '../context.ts';
import { answerWithin } from '../db/sql.ts';
import { worst, type Status } from '../monitoring/status.ts';

export type HealthStatus = Status;

export interface HealthReport {
  status: HealthStatus;
}

export async function overallHealth(app: App): Promise<HealthReport> {
  const query = app.sql
    .query<{ status: Status | null }>('select st.status from services s join service_states st on st.service_id = s.id where s.critical and not s.paused')
    .then(({ rows }) => rows.reduce<Status>((acc, r) => (r.status ? worst(acc, r.status) : acc), 'healthy'));
  return { status: await answerWithin(query, 2000).catch((): Status => 'down') };
}
