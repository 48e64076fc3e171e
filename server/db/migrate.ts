/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so replicas that start
 * together take turns: the first migrates, the others find nothing left to do.
 */
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.ts';
import { CONNECT_TIMEOUT_MS, guardClient } from './pool.ts';
import { BadInputError } from '../errors.ts';

/** Arbitrary but fixed: the advisory lock key of Lookout's migrations. */
export const MIGRATION_LOCK_KEY = 0x4c6f6f6b; // "Look"

export async function migrateUnderLock(orm: MikroORM, url: string, logger: Logger): Promise<string[]> {
  return underMigrationLock(url, logger, async () => {
    const applied = await orm.migrator.up();
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    return applied.map((m) => m.name);
  });
}

/** Runs `work` while holding the migrations' advisory lock (on its own connection). */
async function underMigrationLock<T>(url: string, logger: Logger, work: () => Promise<T>): Promise<T> {
  // The lock's connection waits for the lock, then sits idle while the migrations run on the ORM's
  // pool (all in one transaction): losing it fails the wait, or is logged, instead of ending the
  // process through an `error` event nobody listens to.
  const lockClient = guardClient(new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }), (err) =>
    logger.warn({ err }, 'lost the connection holding the migration lock'),
  );
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lockClient.end().catch(() => {});
  }
}

/** Names of the applied migrations, oldest first (for `lookout migrate --list-applied`). */
export async function appliedMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.migrator.getExecuted()).map((m) => m.name);
}

/** `revertMigrationsTo`'s `name` that reverts every applied migration. */
export const REVERT_ALL = '0';

/**
 * Reverts the migrations applied after `name` (all of them for `REVERT_ALL`), newest first, in one
 * transaction under the migrations' lock: an update's rollback with the new version's own code,
 * which knows how to undo what it applied. Returns the reverted names, newest first.
 */
export async function revertMigrationsTo(orm: MikroORM, url: string, name: string, logger: Logger): Promise<string[]> {
  return underMigrationLock(url, logger, async () => {
    const applied = await appliedMigrations(orm);
    const index = name === REVERT_ALL ? -1 : applied.indexOf(name);
    if (name !== REVERT_ALL && index === -1) {
      throw new BadInputError('down-to', `The migration "${name}" is not applied (the last applied is ${applied.at(-1) ?? 'none'}): name one of the applied migrations (lookout migrate --list-applied).`);
    }
    const toRevert = applied.slice(index + 1);
    if (!toRevert.length) return [];
    // MikroORM skips an applied migration it has no code for: refuse instead of leaving it applied.
    const known = knownMigrationNames(orm);
    const unknown = toRevert.filter((m) => !known.has(m));
    if (unknown.length) {
      throw new BadInputError('down-to', `This version of Lookout has no code for the applied migration${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}: revert with the version that applied ${unknown.length === 1 ? 'it' : 'them'}.`);
    }
    const reverted = await orm.migrator.down(name === REVERT_ALL ? { to: 0 } : { to: name });
    logger.info({ migrations: reverted.map((m) => m.name) }, 'migrations reverted');
    return reverted.map((m) => m.name);
  });
}

/** Names of migrations not yet applied (for readiness and `lookout migrate --check`). */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.migrator.getPending()).map((m) => m.name);
}

/** The migrations this version's code has (its `migrationsList`). */
function knownMigrationNames(orm: MikroORM): Set<string> {
  const list = orm.config.get('migrations').migrationsList ?? [];
  return new Set(list.map((m) => (typeof m === 'function' ? m.name : m.name)));
}
