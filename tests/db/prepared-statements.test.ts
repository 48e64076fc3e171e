/**
 * The statements that run several times a second whatever the load (the result writer's batch, the
 * claims, the alerting look, the job and delivery claims) are prepared once per connection
 * (`prepared` in server/db/sql.ts; issue 15, CPU per check: the writer's statement cost its backend
 * 1.5 ms a batch unprepared, 0.7 prepared). PostgreSQL then settles on a generic plan, made without
 * the values: at 20,000 services each must still find its rows by index, not read whole tables.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passIsQuiet } from '../../server/alerting/incidents.ts';
import { prepared, preparedStatements, runPrepared } from '../../server/db/sql.ts';
import { claimDue } from '../../server/monitoring/claims.ts';
import { recordSettled, type CompletedCheck } from '../../server/monitoring/results.ts';
import { insertServices } from '../support/services.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('prepared statements', () => {
  let ts: TestServer;
  let one: pg.Pool;
  const SERVICES = 20_000;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    const ids = await insertServices(ts.server.app.sql, Array.from({ length: SERVICES }, (_, i) => `prep-${String(i).padStart(5, '0')}`), { status: 'healthy' });
    const { sql } = ts.server.app;
    await sql.query(`update service_states set last_checked_at = now() - interval '1 hour', next_due_at = now() + (service_id % 60) * interval '1 second'`);
    // A history of transitions as a busy install has: windows for every service.
    await sql.query(
      `insert into uptime_records (service_id, status, started_at, reason) select id, 'healthy', now() - interval '1 day', 'first check' from unnest($1::int[]) as id`,
      [[...ids.values()]],
    );
    // And a long history of deliveries, all sent but one pending batch.
    await sql.query(
      `insert into alert_deliveries (channel, event, message_id, notice, state, attempts, max_attempts, next_attempt_at, created_at, sent_at)
       select 'hook', 'trigger', 'prep-' || i, '{}'::jsonb, case when i % 1000 = 0 then 'pending' else 'sent' end, 1, 5,
              now() - i * interval '1 second', now() - i * interval '1 second', now() - i * interval '1 second'
         from generate_series(1, 20000) as i`,
    );
    await sql.query('analyze');
    // One connection, so what it has prepared can be read on it.
    one = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
  });
  afterAll(async () => {
    await one?.end();
    await ts?.close();
  });

  it('one name has one text', () => {
    expect(prepared('test-one-text', 'select 1')).toEqual({ name: 'test-one-text', text: 'select 1' });
    expect(prepared('test-one-text', 'select 1')).toEqual({ name: 'test-one-text', text: 'select 1' });
    expect(() => prepared('test-one-text', 'select 2')).toThrow('Two texts for the prepared statement "test-one-text".');
  });

  it('the writer, the claim and the alerting look run prepared, again and again on one connection', async () => {
    const { pubsub } = ts.server.app;
    const ids = (await one.query<{ id: number }>(`select id from services where name like 'prep-%' order by id limit 30`)).rows.map((r) => r.id);
    const now = Date.now();
    for (let round = 0; round < 3; round++) {
      const checks: CompletedCheck[] = ids.slice(round * 10, round * 10 + 10).map((id, i) => ({
        serviceId: id,
        serviceName: `prep-${id}`,
        critical: false,
        kind: 'tcp',
        checkedAt: new Date(now + round * 100 + i),
        result: { status: 'healthy', latencyMs: 4, error: null, details: {} },
      }));
      const { stored, rest } = await recordSettled(one, checks, pubsub);
      expect(stored).toHaveLength(10);
      expect(rest).toHaveLength(0);
      const { claims } = await claimDue(one, new Date(now + round * 1000), 5, { owner: `prep-test-${round}` }, 1500);
      expect(claims.length).toBeGreaterThan(0);
      expect(await passIsQuiet(one, new Date())).toMatchObject({ quiet: false });
    }
    const { rows } = await one.query<{ name: string }>('select name from pg_prepared_statements order by name');
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['alerting-pass-is-quiet', 'claim-due-checks', 'record-settled']));
    const stored = await one.query<{ n: number }>(`select count(*)::int as n from health_checks where service_id = any($1::int[])`, [ids]);
    expect(stored.rows[0].n).toBe(30);
  });

  it("every prepared statement's generic plan finds service and transition rows by index at 20,000 services", async () => {
    const statements = [...preparedStatements()].filter(([name]) => !name.startsWith('test-'));
    expect(statements.map(([name]) => name)).toEqual(
      expect.arrayContaining(['record-settled', 'claim-due-checks', 'renew-check-claims', 'alerting-pass-is-quiet', 'claim-due-jobs', 'claim-due-deliveries']),
    );
    const client = await one.connect();
    try {
      await client.query('set plan_cache_mode = force_generic_plan');
      for (const [index, [name, text]] of statements.entries()) {
        await client.query(`prepare generic_${index} as ${text}`);
        const { rows: types } = await client.query<{ n: number }>(`select cardinality(parameter_types)::int as n from pg_prepared_statements where name = $1`, [`generic_${index}`]);
        const nulls = Array.from({ length: types[0].n }, () => 'null').join(', ');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain (costs off) execute generic_${index}${nulls ? `(${nulls})` : ''}`);
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        for (const table of ['service_states', 'services', 'uptime_records', 'alert_deliveries']) {
          expect(plan, `${name} reads all of ${table}:\n${plan}`).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
        }
      }
    } finally {
      // Its statements were prepared behind node-postgres' back: the connection is not handed out again.
      client.release(true);
    }
  });

  it('a statement made stale by a change of its table (a migration of another replica) still answers: each connection that prepared it is dropped and it is prepared anew', async () => {
    const { sql } = ts.server.app;
    await sql.query('create table prep_stale (a int)');
    await sql.query('insert into prep_stale values (1)');
    const stale = prepared('test-stale', 'select * from prep_stale');
    const three = new pg.Pool({ connectionString: ts.databaseUrl, max: 3, application_name: 'prep-stale-three' });
    try {
      // Each of the pool's three connections prepares it (all three held at once, then handed back).
      const held = await Promise.all([1, 2, 3].map(() => three.connect()));
      for (const client of held) expect((await client.query(stale)).rows).toEqual([{ a: 1 }]);
      for (const client of held) client.release();
      expect(three.totalCount).toBe(3);
      const backends = async () => (await sql.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name = 'prep-stale-three'")).rows[0].n;
      expect(await backends()).toBe(3);
      await sql.query('alter table prep_stale add column b int');
      // Each of the three fails once, before anything ran, and is dropped; the fourth try prepares it anew.
      expect((await runPrepared(three, stale, [])).rows).toEqual([{ a: 1, b: null }]);
      expect(three.totalCount).toBe(1);
      // Any other failure is the caller's, at once: only a stale statement is tried again.
      await expect(runPrepared(three, { name: 'test-broken', text: 'select * from prep_missing' }, [])).rejects.toThrow(/prep_missing/);
    } finally {
      await three.end();
    }
  });
});
