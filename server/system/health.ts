/**
 * Overall status for /health and the `health` query: down when the database does not answer,
 * otherwise the worst status among critical services (healthy when there are none); and readiness
 * for /health/ready: the start-up checklist passes and the database answers.
 */
import type { App } from '../context.ts';
import { answerWithin } from '../db/sql.ts';
import { worst, type Status } from '../monitoring/status.ts';

export type HealthStatus = Status;

export interface HealthReport {
  status: HealthStatus;
}

/** How long /health and /health/ready wait for the database before saying it is down. */
const DATABASE_ANSWER_MS = 2000;

export async function overallHealth(app: App): Promise<HealthReport> {
  const query = app.sql
    .query<{ status: Status | null }>('select st.status from services s join service_states st on st.service_id = s.id where s.critical and not s.paused')
    .then(({ rows }) => rows.reduce<Status>((acc, r) => (r.status ? worst(acc, r.status) : acc), 'healthy'));
  return { status: await answerWithin(query, DATABASE_ANSWER_MS).catch((): Status => 'down') };
}

/**
 * Ready to take traffic: the start-up checklist passes (or is overridden) and the database answers
 * now. The checklist is refreshed every few seconds; a replica whose database went away since must
 * not stay in the load balancer until then.
 */
export async function readiness(app: App): Promise<{ ready: boolean }> {
  if (!app.operations.checklist.report().ready) return { ready: false };
  const answers = await answerWithin(app.sql.query('select 1'), DATABASE_ANSWER_MS).then(
    () => true,
    () => false,
  );
  return { ready: answers };
}
