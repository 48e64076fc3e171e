/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so replicas that start
 * together take turns: the first migrates, the others find nothing left to do.
 */
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.ts';
import { CONNECT_TIMEOUT_MS, guardClient } from './pool.ts';

/** Arbitrary but fixed: the advisory lock key of Lookout's migrations. */
export const MIGRATION_LOCK_KEY = 0x4c6f6f6b; // "Look"

export async function migrateUnderLock(orm: MikroORM, url: string, logger: Logger): Promise<string[]> {
  // The lock's connection waits for the lock, then sits idle while the migrations run on the ORM's
  // pool (all in one transaction): losing it fails the wait, or is logged, instead of ending the
  // process through an `error` event nobody listens to.
  const lockClient = guardClient(new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }), (err) =>
    logger.warn({ err }, 'lost the connection holding the migration lock'),
  );
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await orm.migrator.up();
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    return applied.map((m) => m.name);
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lockClient.end().catch(() => {});
  }
}

/** Names of migrations not yet applied (for readiness and `lookout migrate --check`). */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.migrator.getPending()).map((m) => m.name);
}
