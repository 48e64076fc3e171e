/**
 * Issue 15 (idle under 1% of a core): the embedded PostgreSQL's autovacuum, looking at each database
 * once a minute, was most of what an idle PostgreSQL cost (0.19 of its 0.24% of a core with no
 * statement sent). Lookout sets autovacuum_naptime on its embedded server from the checks per
 * second its running services ask for; a server given by DATABASE_URL only when
 * LOOKOUT_PACE_AUTOVACUUM=true says it serves Lookout alone.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { openEmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/logger.ts';
import { startServer, type LookoutServer } from '../../server/main.ts';
import { NAPTIME_STEPS, naptimeFor, paceAutovacuum, paceState, WRITE_NAPTIME_STEPS } from '../../server/monitoring/autovacuum-pace.ts';
import { capturedLogger } from '../support/signals.ts';
import { startTestServer } from '../support/server.ts';
import { insertServices } from '../support/services.ts';
import { until } from '../support/signals.ts';

const naptimeOf = async (sql: pg.Pool | pg.Client) =>
  Number((await sql.query<{ setting: string }>(`select setting from pg_settings where name = 'autovacuum_naptime'`)).rows[0].setting);
const paceRan = async (sql: pg.Pool) =>
  (await sql.query(`select 1 from periodic_jobs where name = 'autovacuum-pace' and last_finished_at is not null and last_error is null`)).rowCount === 1;

describe('autovacuum pace', () => {
  it('steps from once every 10 minutes at a few checks a minute to PostgreSQL’s default minute from one check a second', () => {
    expect(naptimeFor(0)).toBe(600);
    expect(naptimeFor(5 / 30)).toBe(600); // the 5 built-in services
    expect(naptimeFor(0.2)).toBe(300);
    expect(naptimeFor(0.5)).toBe(120);
    expect(naptimeFor(1)).toBe(60);
    expect(naptimeFor(1667)).toBe(60);
    // Steps from the busiest down, each slower than the one before.
    for (let i = 1; i < NAPTIME_STEPS.length; i++) {
      expect(NAPTIME_STEPS[i].fromChecksPerSecond).toBeLessThan(NAPTIME_STEPS[i - 1].fromChecksPerSecond);
      expect(NAPTIME_STEPS[i].naptimeS).toBeGreaterThan(NAPTIME_STEPS[i - 1].naptimeS);
      expect(WRITE_NAPTIME_STEPS[i].fromRowsPerSecond).toBeLessThan(WRITE_NAPTIME_STEPS[i - 1].fromRowsPerSecond);
    }
    // The rows written count too: few checks but a busy run ledger is looked at every minute.
    expect(naptimeFor(5 / 30, 1)).toBe(600);
    expect(naptimeFor(5 / 30, 3)).toBe(300);
    expect(naptimeFor(5 / 30, 250)).toBe(60);
    expect(naptimeFor(50, 0)).toBe(60);
  });

  it('reads the state a look kept defensively (it comes from the database)', () => {
    expect(paceState({ at: '2026-12-07T00:00:00.000Z', writes: 12 })).toEqual({ at: '2026-12-07T00:00:00.000Z', writes: 12 });
    for (const bad of [null, 'x', 3, [], {}, { at: 'never', writes: 1 }, { at: '2026-12-07T00:00:00.000Z', writes: -1 }, { at: '2026-12-07T00:00:00.000Z', writes: '12' }, { at: '2026-12-07T00:00:00.000Z', writes: Infinity }]) {
      expect(paceState(bad)).toBeNull();
    }
  });

  describe('on the embedded PostgreSQL', () => {
    let server: LookoutServer | undefined;
    let dir: string | undefined;
    afterAll(async () => {
      await server?.close();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it('is set by the server for its built-in services, and follows the services asked for; a look that changes nothing changes nothing', async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-pace-'));
      await fs.chmod(dir, 0o755); // as root the embedded server runs as postgres, which must reach it
      const config = { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: undefined, dataDir: path.join(dir, 'data'), logLevel: 'silent' };
      server = await startServer(config, { logger: createLogger('silent') });
      const sql = server.app.sql;
      expect(server.db.embedded).toBeDefined();
      // The job runs at the first start: the 5 built-in services @30 s ask for a sixth of a check a second.
      await until(() => paceRan(sql), 'the autovacuum-pace job has run', 30_000);
      // Each session takes the reload's signal in its own time (CI once read 60 just after the job).
      await until(async () => (await naptimeOf(sql)) === 600, 'the server reads the naptime the job set');

      // The job kept the database's writes for the next look; at idle they are a few rows a second at most.
      const kept = paceState((await sql.query('select state from periodic_jobs where name = $1', ['autovacuum-pace'])).rows[0].state);
      expect(kept).not.toBeNull();
      const again = await paceAutovacuum(sql, null, new Date());
      expect(again).toMatchObject({ checksPerSecond: expect.closeTo(5 / 30, 5), rowsPerSecond: null, naptimeS: 600, changed: false });

      // Busy with other writes (the run ledger's, say): 6,000 rows more than a minute ago is 100 a second, the default minute.
      // (PostgreSQL counts a session's writes in pg_stat_database up to 10 s late: the job looks every 5 min.)
      const busy = await paceAutovacuum(sql, { at: new Date(Date.now() - 60_000).toISOString(), writes: again.state!.writes - 6000 }, new Date());
      expect(busy.rowsPerSecond).toBeGreaterThanOrEqual(99);
      expect(busy).toMatchObject({ naptimeS: 60, changed: true });
      await until(async () => (await naptimeOf(sql)) === 60, 'the server reads the naptime for the writes');
      // Counters reset since the last look (fewer rows than it saw): no rate, the checks alone decide.
      expect(await paceAutovacuum(sql, { at: new Date(Date.now() - 60_000).toISOString(), writes: busy.state!.writes + 1e9 }, new Date())).toMatchObject({ rowsPerSecond: null, naptimeS: 600, changed: true });
      await until(async () => (await naptimeOf(sql)) === 600, 'the server reads the naptime back');

      const ids = await insertServices(sql, Array.from({ length: 40 }, (_, i) => `pace-${i}`));
      await sql.query('update services set interval_ms = 30000 where id = any($1::int[])', [[...ids.values()]]);
      expect(await paceAutovacuum(sql, null, new Date())).toMatchObject({ checksPerSecond: expect.closeTo(45 / 30, 5), naptimeS: 60, changed: true });
      // A reload tells the launcher and every session (each as it takes the signal).
      await until(async () => (await naptimeOf(sql)) === 60, 'the server reads the new naptime');

      await sql.query('update services set paused = true where id = any($1::int[])', [[...ids.values()]]);
      expect((await paceAutovacuum(sql, null, new Date())).naptimeS).toBe(600);
      await until(async () => (await naptimeOf(sql)) === 600, 'the server reads the naptime back at 600 s');
    }, 90_000);
  });

  it('reads LOOKOUT_PACE_AUTOVACUUM as true or false, and refuses anything else naming it', () => {
    expect(loadConfig({}).paceAutovacuum).toBeUndefined();
    expect(loadConfig({ LOOKOUT_PACE_AUTOVACUUM: 'true' }).paceAutovacuum).toBe(true);
    expect(loadConfig({ LOOKOUT_PACE_AUTOVACUUM: 'false' }).paceAutovacuum).toBe(false);
    expect(() => loadConfig({ LOOKOUT_PACE_AUTOVACUUM: 'yes' })).toThrow('LOOKOUT_PACE_AUTOVACUUM must be true or false, got "yes"');
  });

  it('paces a DATABASE_URL server when LOOKOUT_PACE_AUTOVACUUM says it serves Lookout alone', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-pace-url-'));
    await fs.chmod(dir, 0o755);
    const embedded = await openEmbeddedDatabase(path.join(dir, 'db'), { logger: createLogger('silent'), ephemeral: true });
    let own: LookoutServer | undefined;
    try {
      const config = { ...loadConfig({ LOOKOUT_PACE_AUTOVACUUM: 'true' }), host: '127.0.0.1', port: 0, databaseUrl: embedded.url, dataDir: path.join(dir, 'data'), logLevel: 'silent' };
      own = await startServer(config, { logger: createLogger('silent') });
      expect(own.db.embedded).toBeUndefined();
      await until(() => paceRan(own!.app.sql), 'the autovacuum-pace job has run', 30_000);
      await until(async () => (await naptimeOf(own!.app.sql)) === 600, 'the server reads the naptime set');
      await own.close();
      own = undefined;

      // A user that may not ALTER SYSTEM: said once as a warning, the job itself succeeds, nothing changes.
      const admin = new pg.Client({ connectionString: embedded.url });
      await admin.connect();
      await admin.query(`alter system set autovacuum_naptime = 60`);
      await admin.query('select pg_reload_conf()');
      await admin.query(`create role pace_plain login password 'pace-plain-secret'`);
      await admin.query('create database pace_plain owner pace_plain');
      await admin.end();
      const plainUrl = new URL(embedded.url);
      plainUrl.username = 'pace_plain';
      plainUrl.password = 'pace-plain-secret';
      plainUrl.pathname = '/pace_plain';
      const captured = capturedLogger();
      own = await startServer({ ...config, databaseUrl: plainUrl.toString(), dataDir: path.join(dir, 'data-plain') }, { logger: captured.logger });
      await until(() => paceRan(own!.app.sql), 'the autovacuum-pace job has run as the plain user', 30_000);
      const warnings = captured.lines().filter((l) => /refused to set autovacuum_naptime/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].level).toBe(40);
      await until(async () => (await naptimeOf(own!.app.sql)) === 60, 'the naptime stays as the administrator set it');
    } finally {
      await own?.close();
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('leaves a server given by DATABASE_URL as its administrator set it', async () => {
    const ts = await startTestServer();
    try {
      expect(ts.server.db.embedded).toBeUndefined();
      const before = await naptimeOf(ts.server.app.sql);
      await until(() => paceRan(ts.server.app.sql), 'the autovacuum-pace job has run', 30_000);
      expect(await naptimeOf(ts.server.app.sql)).toBe(before);
      const file = (await ts.server.app.sql.query<{ n: number }>(`select count(*)::int as n from pg_file_settings where name = 'autovacuum_naptime'`)).rows[0].n;
      expect(file).toBe(0);
    } finally {
      await ts.close();
    }
  }, 60_000);
});
