/**
 * How often the embedded PostgreSQL's autovacuum looks at each database, set from what Lookout
 * writes. Each look is a worker process that starts, reads every table's statistics and exits: on
 * an idle install (the 5 built-in services) those looks, once a minute per database by default,
 * were most of PostgreSQL's CPU (0.19 of its 0.24% of a core with no statement sent; BENCHMARKS.md,
 * "Idle"). A small install writes a few rows a minute, which on-page pruning keeps in check between
 * looks; a busy one needs the default minute. Only the embedded server is paced: a server given by
 * DATABASE_URL is its administrator's to tune.
 */
import type pg from 'pg';

/** autovacuum_naptime (seconds) by the checks per second the running services ask for: the first step reached. */
export const NAPTIME_STEPS: readonly { fromChecksPerSecond: number; naptimeS: number }[] = [
  { fromChecksPerSecond: 1, naptimeS: 60 }, // PostgreSQL's default
  { fromChecksPerSecond: 0.5, naptimeS: 120 },
  { fromChecksPerSecond: 0.2, naptimeS: 300 },
  { fromChecksPerSecond: 0, naptimeS: 600 },
];

export function naptimeFor(checksPerSecond: number): number {
  return (NAPTIME_STEPS.find((s) => checksPerSecond >= s.fromChecksPerSecond) ?? NAPTIME_STEPS[NAPTIME_STEPS.length - 1]).naptimeS;
}

export interface AutovacuumPace {
  checksPerSecond: number;
  naptimeS: number;
  /** The setting was changed (and the configuration reloaded). */
  changed: boolean;
}

/**
 * Sets autovacuum_naptime for the checks per second the running services ask for (ALTER SYSTEM,
 * kept across restarts, and a reload: the launcher takes it at once). Changes nothing when it is
 * already so.
 */
export async function paceAutovacuum(sql: pg.Pool): Promise<AutovacuumPace> {
  const { rows } = await sql.query<{ per_second: number; naptime: string }>(
    `select coalesce(sum(1000.0 / greatest(interval_ms, 1)), 0)::float8 as per_second,
            (select setting from pg_settings where name = 'autovacuum_naptime') as naptime
       from services where not paused`,
  );
  const checksPerSecond = Number(rows[0].per_second);
  const naptimeS = naptimeFor(checksPerSecond);
  if (Number(rows[0].naptime) === naptimeS) return { checksPerSecond, naptimeS, changed: false };
  // A whole number from the table above: ALTER SYSTEM takes no parameters.
  await sql.query(`alter system set autovacuum_naptime = ${Math.trunc(naptimeS)}`);
  await sql.query('select pg_reload_conf()');
  return { checksPerSecond, naptimeS, changed: true };
}
