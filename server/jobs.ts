/**
 * Periodic jobs shared by replicas: each run is claimed with a PostgreSQL advisory lock taken with
 * `pg_try_advisory_lock`, so one replica does it and the others skip that round. No job relies on
 * an in-process timer alone: any live replica picks the work up.
 */
import type pg from 'pg';
import type { Logger } from './logger.ts';

export async function runExclusive<T>(sql: pg.Pool, key: number, work: () => Promise<T>): Promise<T | undefined> {
  const client = await sql.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]);
    if (!rows[0].ok) return undefined;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [key]);
    }
  } finally {
    client.release();
  }
}

export interface PeriodicJob {
  name: string;
  lockKey: number;
  everyMs: number;
  run(): Promise<unknown>;
}

/** Runs each job every `everyMs` (first run at start); returns a stop function. */
export function schedule(sql: pg.Pool, jobs: PeriodicJob[], logger: Logger): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of jobs) {
    const tick = () => {
      const run = runExclusive(sql, job.lockKey, job.run).catch((err) => logger.error({ err, job: job.name }, 'periodic job failed'));
      running.add(run);
      void run.finally(() => running.delete(run));
    };
    tick();
    const timer = setInterval(tick, job.everyMs);
    timer.unref();
    timers.push(timer);
  }
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await Promise.allSettled([...running]);
  };
}
