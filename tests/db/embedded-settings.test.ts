/** The embedded PostgreSQL's own settings, read from the server it starts. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { openEmbeddedDatabase } from '../../server/db/embedded.ts';
import { warnWithoutAutovacuum } from '../../server/db/orm.ts';
import { loadConfig } from '../../server/config.ts';

describe('the embedded PostgreSQL', () => {
  it('reads in its backends, without I/O worker processes (io_method=sync: ~6 MB less memory at 1,000 services), with 100 connections and 32 MB of shared buffers', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-test-embedded-'));
    await fs.chmod(dir, 0o755); // as root it runs as postgres, which must reach the directory
    const embedded = await openEmbeddedDatabase(path.join(dir, 'db'), { logger: createLogger('warn'), ephemeral: true });
    const client = new pg.Client({ connectionString: embedded.url });
    try {
      await client.connect();
      expect((await client.query('show io_method')).rows[0].io_method).toBe('sync');
      const workers = await client.query(`select count(*)::int as n from pg_stat_activity where backend_type = 'io worker'`);
      expect(workers.rows[0].n).toBe(0);
      // Autovacuum runs (Lookout warns at start when it does not: tests/db/autovacuum-warning.test.ts).
      expect((await client.query('show autovacuum')).rows[0].autovacuum).toBe('on');
      expect(await warnWithoutAutovacuum(client as unknown as pg.Pool, createLogger('silent'))).toBe(false);
      // PostgreSQL's default of 100 connections (200 mapped 3.7 MB more shared memory): two workers' pools fit.
      expect((await client.query('show max_connections')).rows[0].max_connections).toBe('100');
      // Not PostgreSQL's 128 MB: every buffer a check was written into stays in the server's memory (BENCHMARKS.md, "Memory over a day").
      expect((await client.query('show shared_buffers')).rows[0].shared_buffers).toBe('32MB');
    } finally {
      await client.end();
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('takes its shared buffers from LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB, a whole number of MB PostgreSQL can start with', async () => {
    expect(loadConfig({}).embeddedSharedBuffersMb).toBe(32);
    expect(loadConfig({ LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB: '256' }).embeddedSharedBuffersMb).toBe(256);
    for (const bad of ['lots', '1.5', '-4', '1', '0', '2000000'])
      expect(() => loadConfig({ LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB: bad }), bad).toThrow(/LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB must be a/);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-test-embedded-'));
    await fs.chmod(dir, 0o755);
    const embedded = await openEmbeddedDatabase(path.join(dir, 'db'), { logger: createLogger('warn'), ephemeral: true, sharedBuffersMb: 48 });
    const client = new pg.Client({ connectionString: embedded.url });
    try {
      await client.connect();
      expect((await client.query('show shared_buffers')).rows[0].shared_buffers).toBe('48MB');
    } finally {
      await client.end();
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
