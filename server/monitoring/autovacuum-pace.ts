/**
 * How often the embedded PostgreSQL's autovacuum looks at each database, set from what Lookout
 * writes. Each look is a worker process that starts, reads every table's statistics and exits: on
 * an idle install (the 5 built-in services) those looks, once a minute per database by default,
 * were most of PostgreSQL's CPU (0.19 of its 0.24% of a core with no statement sent; BENCHMARKS.md,
 * "Idle"). A small install writes a few rows a minute, which on-page pruning keeps in check between
 * looks; a busy one needs the default minute, whether its writes are checks or the run ledger's.
 * Only the embedded server is paced unless LOOKOUT_PACE_AUTOVACUUM says otherwise: a server given
 * by DATABASE_URL is its administrator's to tune.
 */
import type pg from 'pg';

/** autovacuum_naptime (seconds) by the checks per second the running services ask for: the first step reached. */
export const NAPTIME_STEPS: readonly { fromChecksPerSecond: number; naptimeS: number }[] = [
  { fromChecksPerSecond: 1, naptimeS: 60 }, // PostgreSQL's default
  { fromChecksPerSecond: 0.5, naptimeS: 120 },
  { fromChecksPerSecond: 0.2, naptimeS: 300 },
  { fromChecksPerSecond: 0, naptimeS: 600 },
];

/**
 * The same by the rows the database saw written a second (inserted, updated, deleted) since the
 * last look: a check writes about three (its row, and its service's state twice), and other work
 * writes too — the run ledger's claims, heartbeats and completions above all.
 */
export const WRITE_NAPTIME_STEPS: readonly { fromRowsPerSecond: number; naptimeS: number }[] = [
  { fromRowsPerSecond: 10, naptimeS: 60 },
  { fromRowsPerSecond: 5, naptimeS: 120 },
  { fromRowsPerSecond: 2, naptimeS: 300 },
  { fromRowsPerSecond: 0, naptimeS: 600 },
];

export function naptimeFor(checksPerSecond: number, rowsPerSecond: number | null = null): number {
  const byChecks = (NAPTIME_STEPS.find((s) => checksPerSecond >= s.fromChecksPerSecond) ?? NAPTIME_STEPS[NAPTIME_STEPS.length - 1]).naptimeS;
  if (rowsPerSecond === null) return byChecks;
  const byWrites = (WRITE_NAPTIME_STEPS.find((s) => rowsPerSecond >= s.fromRowsPerSecond) ?? WRITE_NAPTIME_STEPS[WRITE_NAPTIME_STEPS.length - 1]).naptimeS;
  return Math.min(byChecks, byWrites);
}

/** What a look keeps for the next (the job's state, stored: the next look may be on another replica). */
export interface PaceState {
  /** When it looked (ISO). */
  at: string;
  /** The database's rows written so far (pg_stat_database: inserted + updated + deleted). */
  writes: number;
}

/** The stored state as it was kept, or null (none yet, or not of this shape: it is read from the database). */
export function paceState(stored: unknown): PaceState | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const { at, writes } = stored as Record<string, unknown>;
  if (typeof at !== 'string' || !Number.isFinite(Date.parse(at)) || typeof writes !== 'number' || !Number.isFinite(writes) || writes < 0) return null;
  return { at, writes };
}

export interface AutovacuumPace {
  checksPerSecond: number;
  /** Rows written a second since the previous look (null: no previous look, or the counters were reset since). */
  rowsPerSecond: number | null;
  naptimeS: number;
  /** The setting was changed (and the configuration reloaded). */
  changed: boolean;
  /** For the next look (null when the database's counters could not be read). */
  state: PaceState | null;
}

/** The server refused to change the setting (not a superuser, ALTER SYSTEM turned off, a managed service). */
export class PaceRefused extends Error {}

/**
 * Sets autovacuum_naptime for the checks per second the running services ask for and the rows
 * written a second since `previous` (ALTER SYSTEM, kept across restarts, and a reload: the launcher
 * takes it at once). Changes nothing when it is already so.
 */
export async function paceAutovacuum(sql: pg.Pool, previous: PaceState | null, now: Date): Promise<AutovacuumPace> {
  const { rows } = await sql.query<{ per_second: number; naptime: string; writes: number | null }>(
    `select coalesce((select sum(1000.0 / greatest(interval_ms, 1)) from services where not paused), 0)::float8 as per_second,
            (select setting from pg_settings where name = 'autovacuum_naptime') as naptime,
            (select (tup_inserted + tup_updated + tup_deleted)::float8 from pg_stat_database where datname = current_database()) as writes`,
  );
  const checksPerSecond = Number(rows[0].per_second);
  const writes = rows[0].writes === null ? null : Number(rows[0].writes);
  const elapsedS = previous ? (now.getTime() - Date.parse(previous.at)) / 1000 : 0;
  // Counters reset since (a crash, pg_stat_reset) or a clock stepped back: no rate this time.
  const rowsPerSecond = previous && writes !== null && writes >= previous.writes && elapsedS >= 1 ? (writes - previous.writes) / elapsedS : null;
  const naptimeS = naptimeFor(checksPerSecond, rowsPerSecond);
  const state = writes === null ? null : { at: now.toISOString(), writes };
  if (Number(rows[0].naptime) === naptimeS) return { checksPerSecond, rowsPerSecond, naptimeS, changed: false, state };
  try {
    // A whole number from the tables above: ALTER SYSTEM takes no parameters.
    await sql.query(`alter system set autovacuum_naptime = ${Math.trunc(naptimeS)}`);
    await sql.query('select pg_reload_conf()');
  } catch (err) {
    throw new PaceRefused(`the database refused to set autovacuum_naptime: ${(err as Error).message}`);
  }
  return { checksPerSecond, rowsPerSecond, naptimeS, changed: true, state };
}
