/**
 * /health's answer: the worst status among critical, unpaused services, computed by PostgreSQL as
 * one row, and one read at a time however many requests come (regression: every critical service's
 * row was sent and reduced for each request of an unauthenticated endpoint, 100,000 rows each at
 * 100,000 services, with no bound on the reads at once).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overallHealth } from '../../server/system/health.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { insertServices } from '../support/services.ts';

describe('overall health', () => {
  let ts: TestServer;
  let sql: pg.Pool;
  const setStatus = (name: string, status: string | null, extra = '') =>
    sql.query(`update service_states set status = $2 where service_id = (select id from services where name = $1); ${extra}`, [name, status]);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 2 });
    await insertServices(sql, ['a', 'b', 'c', 'minor'], { critical: (name) => name !== 'minor', status: 'healthy' });
  });
  afterAll(async () => {
    await sql?.end();
    await ts?.close();
  });

  it('is the worst status of the critical, unpaused services: a non-critical or paused one does not count, one not checked yet neither', async () => {
    const health = async () => (await (await fetch(`${ts.url}/health`)).json()).status;
    expect(await health()).toBe('healthy');
    await setStatus('minor', 'down');
    expect(await health()).toBe('healthy');
    await setStatus('a', 'degraded');
    expect(await health()).toBe('degraded');
    await setStatus('b', 'down');
    expect(await health()).toBe('down');
    expect((await fetch(`${ts.url}/health`)).status).toBe(503);
    await sql.query("update services set paused = true where name = 'b'");
    expect(await health()).toBe('degraded');
    await setStatus('a', null);
    expect(await health()).toBe('healthy');
    await sql.query("update services set paused = false where name = 'b'");
    await setStatus('a', 'healthy');
    await setStatus('b', 'healthy');
  });

  it('sends one statement for requests that come while one is in progress, and answers them all with its result', async () => {
    const lock = await sql.connect();
    try {
      await lock.query('begin');
      await lock.query('lock table service_states in access exclusive mode');
      const answers = Array.from({ length: 20 }, () => overallHealth(ts.server.app));
      // Wait for the read to reach the lock, then see that it is the only one.
      let waiting = 0;
      while (waiting === 0) {
        const { rows } = await sql.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        waiting = rows[0].n;
      }
      expect(waiting).toBe(1);
      await lock.query('commit');
      expect(new Set((await Promise.all(answers)).map((a) => a.status))).toEqual(new Set(['healthy']));
    } finally {
      await lock.query('rollback').catch(() => {}); // after a failed expectation: the lock goes with it
      lock.release();
    }
    // The next request reads again.
    await setStatus('c', 'down');
    expect((await overallHealth(ts.server.app)).status).toBe('down');
    await setStatus('c', 'healthy');
  });
});
