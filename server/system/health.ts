/**
 * Overall status for /health and the `health` query. For now the database decides it; the
 * monitoring capability adds the worst status among critical services.
 */
import type { App } from '../context.ts';

export type HealthStatus = 'healthy' | 'degraded' | 'down';

export interface HealthReport {
  status: HealthStatus;
}

async function databaseAnswers(app: App, timeoutMs = 2000): Promise<boolean> {
  const query = app.orm.em.getConnection().execute('select 1').then(() => true, () => false);
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  return Promise.race([query, timeout]);
}

export async function overallHealth(app: App): Promise<HealthReport> {
  return { status: (await databaseAnswers(app)) ? 'healthy' : 'down' };
}
