/**
 * Overall status for /health and the `health` query: down when the database does not answer,
 * otherwise the worst status among critical services (healthy when there are none); and readiness
 * for /health/ready: the start-up checklist passes and the database answers.
 */
import type { App } from '../context.ts';
import { answerWithin } from '../db/sql.ts';
import type { Status } from '../monitoring/status.ts';

export type HealthStatus = Status;

export interface HealthReport {
  status: HealthStatus;
}

/** How long /health and /health/ready wait for the database before saying it is down. */
const DATABASE_ANSWER_MS = 2000;

/** The read in progress per database pool: requests that come meanwhile share it (see overallHealth). */
const reading = new WeakMap<object, Promise<Status>>();

/**
 * The worst status among critical, unpaused services, as one row from the database (every
 * critical service's row was sent and reduced here: 100,000 rows a request for an unauthenticated
 * endpoint), and one read at a time: requests that come while it runs get its answer, so a flood
 * of /health costs the database one statement at a time; an answer is at most one read (2 s) older
 * than its request. Keyed by the pool: a WebSocket operation's app is its own object.
 */
export async function overallHealth(app: App): Promise<HealthReport> {
  let read = reading.get(app.sql);
  if (!read) {
    const query = app.sql
      .query<{ down: boolean | null; degraded: boolean | null }>(
        `select bool_or(st.status = 'down') as down, bool_or(st.status = 'degraded') as degraded
           from services s join service_states st on st.service_id = s.id where s.critical and not s.paused`,
      )
      .then(({ rows: [row] }): Status => (row?.down ? 'down' : row?.degraded ? 'degraded' : 'healthy'));
    read = answerWithin(query, DATABASE_ANSWER_MS)
      .catch((): Status => 'down')
      .finally(() => reading.delete(app.sql));
    reading.set(app.sql, read);
  }
  return { status: await read };
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
