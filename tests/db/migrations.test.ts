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

  it('move existing minute rollups into a partition per day, and back', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url));
    cleanups.push(database.drop, () => orm.close(true));
    const before = migrationsList[migrationsList.findIndex((m) => m.name.endsWith('_daily_minute_rollups')) - 1].name;
    await orm.migrator.up({ to: before });
    const sql = orm.em.getConnection();
    await sql.execute(
      `insert into health_rollups_minute (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
       values (1, '2026-01-01T23:59:00Z', 1, 0, 0, 5, 5, 5, 5), (1, '2026-01-02T00:00:00Z', 0, 1, 0, 7, 7, 7, 7), (2, '2026-01-02T10:00:00Z', 0, 0, 1, 9, 9, 9, 9)`,
    );
    await orm.migrator.up();
    const parts = await sql.execute<{ part: string; n: string }[]>('select tableoid::regclass::text as part, count(*) as n from health_rollups_minute group by 1 order by 1');
    expect(parts.map((p) => [p.part, Number(p.n)])).toEqual([
      ['health_rollups_minute_20260101', 1],
      ['health_rollups_minute_20260102', 2],
    ]);
    await orm.migrator.down({ to: before });
    const rows = await sql.execute<{ n: string }[]>('select count(*) as n from health_rollups_minute');
    expect(Number(rows[0].n)).toBe(3);
  });

  it('leave nothing for the schema generator to change (entities and migrations agree)', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url));
    cleanups.push(database.drop, () => orm.close(true));
    await migrateUnderLock(orm, database.url, createLogger('silent'));
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('revert the minute rollups without their primary key even once a minute holds two rows (an update rolled back)', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url));
    cleanups.push(database.drop, () => orm.close(true));
    await orm.migrator.up();
    const sql = orm.em.getConnection();
    await sql.execute(
      `insert into health_rollups_minute (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
       values (1, '2026-01-01T10:00:00Z', 1, 0, 0, 5, 5, 5, 5), (1, '2026-01-01T10:00:00Z', 1, 0, 0, 5, 5, 5, 5), (1, '2026-01-01T10:01:00Z', 2, 0, 0, 5, 5, 5, 5)`,
    );
    const before = migrationsList[migrationsList.findIndex((m) => m.name.endsWith('_minute_rollups_service_hour')) - 1].name;
    await orm.migrator.down({ to: before });
    const rows = await sql.execute<{ bucket: Date; healthy: number }[]>('select bucket, healthy from health_rollups_minute order by bucket');
    expect(rows.map((r) => [new Date(r.bucket).toISOString(), r.healthy])).toEqual([['2026-01-01T10:00:00.000Z', 1], ['2026-01-01T10:01:00.000Z', 2]]);
    await orm.migrator.up();
  });
});
