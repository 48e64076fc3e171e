import { afterAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../server/db/orm.ts';
import { migrateUnderLock, pendingMigrations } from '../../server/db/migrate.ts';
import { migrationsList } from '../../migrations/index.ts';
import { createLogger } from '../../server/logger.ts';
import { createTestDatabase } from '../support/server.ts';

describe('migrations', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('are applied once when two replicas start together', async () => {
    const database = await createTestDatabase();
    const logger = createLogger('silent');
    const [a, b] = await Promise.all([MikroORM.init(ormOptions(database.url)), MikroORM.init(ormOptions(database.url))]);
    cleanups.push(database.drop, () => b.close(true), () => a.close(true));
    const [appliedA, appliedB] = await Promise.all([migrateUnderLock(a, database.url, logger), migrateUnderLock(b, database.url, logger)]);
    expect([...appliedA, ...appliedB].sort()).toEqual(migrationsList.map((m) => m.name).sort());
    expect(await pendingMigrations(a)).toEqual([]);
    const executed = await a.em.getConnection().execute<{ n: string }[]>('select count(*) as n from lookout_migrations');
    expect(Number(executed[0].n)).toBe(migrationsList.length);
  });

  it('leave nothing for the schema generator to change (entities and migrations agree)', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url));
    cleanups.push(database.drop, () => orm.close(true));
    await migrateUnderLock(orm, database.url, createLogger('silent'));
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });
});
