/**
 * Periodic jobs shared by replicas: each run is claimed with a PostgreSQL advisory lock taken with
 * `pg_try_advisory_lock`, so one replica does it and the others skip that round. No job relies on
 * an in-process timer alone: any live replica picks the work up.
 */
import type pg from 'pg';
import type { Logger } from './logger.ts';
import { reportDatabaseError, withConnection } from './db/pool.ts';

/**
 * Runs `work` while this process holds the session advisory lock `key`, or returns undefined when
 * another holds it. The lock's connection stays checked out (idle) while `work` runs on others: if
 * it is lost meanwhile, the server has freed the lock with it, so the unlock is skipped and the
 * connection is discarded, and `work`'s own outcome stands.
 */
export async function runExclusive<T>(sql: pg.Pool, key: number, work: () => Promise<T>): Promise<T | undefined> {
  return withConnection(sql, async (client, discard) => {
    const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]);
    if (!rows[0].ok) return undefined;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [key]).catch((err: Error) => discard(err));
    }
  });
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
      const run = runExclusive(sql, job.lockKey, job.run).catch((err) => reportDatabaseError(logger, err, `periodic job ${job.name} failed`, { job: job.name }));
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
