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
    await orm.migrator.up({ to: 'Migration20261130062245_daily_minute_rollups' });
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
    await orm.migrator.up({ to: 'Migration20261210100000_minute_rollups_service_hour' });
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

  it('fold the minute rollups into five-minute rollups, in a partition per day, and make minute rollups again from the raw checks on the way down', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url));
    cleanups.push(database.drop, () => orm.close(true));
    const before = 'Migration20261210100000_minute_rollups_service_hour';
    await orm.migrator.up({ to: before });
    const sql = orm.em.getConnection();
    await sql.execute(
      `create table health_rollups_minute_20260101 partition of health_rollups_minute for values from ('2026-01-01T00:00:00Z') to ('2026-01-02T00:00:00Z')`,
    );
    // Five minutes of service 1 (10:00–10:04: 1 + 3 checks), the next five's first minute, and a row in the default partition.
    await sql.execute(
      `insert into health_rollups_minute (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
       values (1, '2026-01-01T10:00:00Z', 1, 0, 0, 10, 10, 10, 10), (1, '2026-01-01T10:04:00Z', 2, 0, 1, 20, 30, 50, 50),
              (1, '2026-01-01T10:05:00Z', 0, 1, 0, 7, 7, 7, 7), (2, '2026-03-01T00:01:00Z', 1, 0, 0, 9, 9, 9, 9)`,
    );
    await sql.execute(`insert into health_checks (checked_at, service_id, status, latency_ms) values ('2026-01-01T10:02:30Z', 1, 2, 40)`);
    await orm.migrator.up();
    const rows = await sql.execute<{ part: string; service_id: number; bucket: Date; healthy: number; degraded: number; down: number; latency_min: number; latency_avg: number; latency_max: number; latency_p95: number }[]>(
      'select tableoid::regclass::text as part, * from health_rollups_5m order by service_id, bucket',
    );
    expect(rows.map((r) => [r.part, r.service_id, new Date(r.bucket).toISOString(), r.healthy, r.degraded, r.down, r.latency_min, r.latency_avg, r.latency_max, r.latency_p95])).toEqual([
      // Average weighted by checks: (10 × 1 + 30 × 3) / 4; the 95th percentile is the highest minute's.
      ['health_rollups_5m_20260101', 1, '2026-01-01T10:00:00.000Z', 3, 0, 1, 10, 25, 50, 50],
      ['health_rollups_5m_20260101', 1, '2026-01-01T10:05:00.000Z', 0, 1, 0, 7, 7, 7, 7],
      ['health_rollups_5m_default', 2, '2026-03-01T00:00:00.000Z', 1, 0, 0, 9, 9, 9, 9],
    ]);
    expect(await sql.execute(`select 1 from pg_class where relname = 'health_rollups_minute'`)).toEqual([]);

    await orm.migrator.down({ to: before });
    const minutes = await sql.execute<{ bucket: Date; down: number; latency_max: number }[]>('select bucket, down, latency_max from health_rollups_minute');
    expect(minutes.map((r) => [new Date(r.bucket).toISOString(), r.down, r.latency_max])).toEqual([['2026-01-01T10:02:00.000Z', 1, 40]]);
    expect(await sql.execute(`select 1 from pg_class where relname = 'health_rollups_5m'`)).toEqual([]);
    await orm.migrator.up();
  });
  it('store a check\'s status and latency as one outcome without rewriting the checks stored before, which read the same, and put them back in their columns on the way down', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init(ormOptions(database.url));
    cleanups.push(database.drop, () => orm.close(true));
    const before = 'Migration20261211110000_paused_never_due';
    await orm.migrator.up({ to: before });
    const sql = orm.em.getConnection();
    await sql.execute(`insert into health_checks (checked_at, service_id, status, latency_ms, error) values ('2026-01-01T10:00:00Z', 1, 0, 5, null), ('2026-01-01T10:00:20Z', 1, 2, 300000, 'refused')`);
    const files = async () => (await sql.execute<{ ctid: string }[]>('select ctid::text from health_checks order by checked_at')).map((r) => r.ctid);
    const stored = await files();
    await orm.migrator.up();
    // Not rewritten: the rows are where they were.
    expect(await files()).toEqual(stored);
    const read = async () =>
      (await sql.execute<{ status: number; latency_ms: number; error: string | null }[]>('select status, latency_ms, error from health_checks_decoded order by checked_at')).map((r) => [r.status, r.latency_ms, r.error]);
    expect(await read()).toEqual([[0, 5, null], [2, 300000, 'refused']]);
    await sql.execute(`insert into health_checks (checked_at, service_id, outcome) values ('2026-01-01T10:00:40Z', 1, ${123 * 4 + 1})`);
    expect(await read()).toEqual([[0, 5, null], [2, 300000, 'refused'], [1, 123, null]]);

    await orm.migrator.down({ to: before });
    const rows = await sql.execute<{ status: number; latency_ms: number }[]>('select status, latency_ms from health_checks order by checked_at');
    expect(rows.map((r) => [r.status, r.latency_ms])).toEqual([[0, 5], [2, 300000], [1, 123]]);
    expect(await sql.execute(`select 1 from information_schema.columns where table_name = 'health_checks' and column_name = 'outcome'`)).toEqual([]);
    await orm.migrator.up();
  });
});
