/**
 * Regression (issue 15, bytes per check): `service_states` grew by about 150 bytes a check until
 * vacuum came. A check updates its service's row twice — the claim (moving the indexed
 * `next_due_at`) and the result — and on pages packed full half of the results' updates found no
 * room for the new version on their page: they went elsewhere, with new index entries, instead of
 * being HOT updates that the page prunes by itself. Half of each page is now kept free
 * (Migration20261211100000). This runs the real claim and result statements for 1,000 services and
 * pins that the table no longer grows with the checks (packed full, it was 4.6 times its size after
 * these 20 rounds). Pruning waits for every older transaction on the server to end, in any database:
 * the rounds wait for that (other test files run meanwhile), as a server's checks do for its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueChecks } from '../../server/monitoring/claims.ts';
import { recordChecks, recordSettled, STORED_ERROR_MAX, type CompletedCheck } from '../../server/monitoring/results.ts';
import { insertServices } from '../support/services.ts';
import { until } from '../support/signals.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe("service_states' row versions", () => {
  let ts: TestServer;
  const SERVICES = 1000;
  const HOUR = 3600_000;
  const base = Date.parse('2026-05-01T00:00:00Z');

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    const names = Array.from({ length: SERVICES }, (_, i) => `row-${String(i).padStart(4, '0')}`);
    await insertServices(ts.server.app.sql, names, { status: 'healthy' });
    // Each service as after some checks: due at `base`, its recent latencies full, details stored.
    await ts.server.app.sql.query(
      `update service_states set next_due_at = $1, last_checked_at = $1::timestamptz - interval '1 hour', recent_latencies = array_fill(5, array[20]),
              last_details = '{"status": 200, "url": "http://127.0.0.1:8080/health"}'`,
      [new Date(base)],
    );
  });
  afterAll(() => ts?.close());

  /** One round: every service claimed at its due time (hourly), then its healthy result stored in one statement. */
  const round = async (r: number) => {
    const { sql, pubsub } = ts.server.app;
    const now = new Date(base + r * HOUR);
    // The built-in services are due too: theirs are left claimed.
    const claims = (await claimDueChecks(sql, now, 2 * SERVICES, { owner: 'test-replica' })).filter((c) => c.name.startsWith('row-'));
    expect(claims).toHaveLength(SERVICES);
    await pastOlderTransactions();
    const checks: CompletedCheck[] = claims.map((c) => ({
      serviceId: c.serviceId,
      serviceName: c.name,
      critical: false,
      kind: 'tcp',
      checkedAt: new Date(now.getTime() + 10),
      result: { status: 'healthy', latencyMs: 5 + (r % 7), error: null, details: { status: 200, url: 'http://127.0.0.1:8080/health' } },
      claim: c.claim,
    }));
    const { stored } = await recordSettled(sql, checks, pubsub);
    expect(stored).toHaveLength(SERVICES);
    await pastOlderTransactions();
  };
  /**
   * Waits until no transaction that began before now runs on the server, in any database (other
   * test files run meanwhile): PostgreSQL prunes a row's old version only once no transaction can
   * still see it, and a page that could not prune gives no room to the next version.
   */
  const pastOlderTransactions = async () => {
    const { sql } = ts.server.app;
    const { rows } = await sql.query<{ mark: string }>('select pg_current_xact_id()::text as mark');
    await until(
      async () =>
        (
          await sql.query<{ ok: boolean }>(
            `select not exists (select 1 from pg_stat_activity where pid <> pg_backend_pid()
               and (age(backend_xid) >= age(xid($1::xid8)) or age(backend_xmin) >= age(xid($1::xid8)))) as ok`,
            [rows[0].mark],
          )
        ).rows[0].ok,
      'no transaction older than the last write is running',
      30_000,
    );
  };
  const heapBytes = async () => Number((await ts.server.app.sql.query<{ n: string }>("select pg_relation_size('service_states') as n")).rows[0].n);

  it('keeps its size over 20 rounds of checks of every service, with one vacuum between (it grew about 150 bytes a check)', async () => {
    await round(0);
    await round(1);
    const before = await heapBytes();
    // Ten rounds, a vacuum (as autovacuum would run: the claims' old versions leave line pointers
    // that only vacuum frees), ten more.
    for (let r = 2; r < 12; r++) await round(r);
    await ts.server.app.sql.query('vacuum service_states');
    for (let r = 12; r < 22; r++) await round(r);
    const after = await heapBytes();
    // 20,000 checks: 150 bytes each would be 3 MB on top of about 0.6 MB.
    expect(after / before).toBeLessThan(1.3);
    const { rows } = await ts.server.app.sql.query<{ options: string[] }>("select reloptions as options from pg_class where relname = 'service_states'");
    expect(rows[0].options).toContain('fillfactor=50');
  });

  it("keeps a result's error to its first 1,000 characters in the state row, as in the history (regression: the state row kept it whole, rewritten by every result)", async () => {
    const { sql, pubsub } = ts.server.app;
    const id = (await sql.query<{ id: number }>("select id from services where name = 'row-0000'")).rows[0].id;
    const down = (at: number): CompletedCheck => ({
      serviceId: id,
      serviceName: 'row-0000',
      critical: false,
      kind: 'tcp',
      checkedAt: new Date(base + 100 * HOUR + at),
      result: { status: 'down', latencyMs: 5, error: 'x'.repeat(100_000), details: {} },
    });
    const lengths = async () =>
      (
        await sql.query<{ state: number; history: number }>(
          `select (select length(last_error) from service_states where service_id = $1) as state,
                  (select max(length(error)) from health_checks where service_id = $1) as history`,
          [id],
        )
      ).rows[0];
    // The change to down goes through the transaction; the next down result, through the one statement.
    await recordChecks(sql, [down(0)], pubsub);
    expect(await lengths()).toEqual({ state: STORED_ERROR_MAX, history: STORED_ERROR_MAX });
    await sql.query('update service_states set last_error = null where service_id = $1', [id]);
    const { stored } = await recordSettled(sql, [down(1000)], pubsub);
    expect(stored).toHaveLength(1);
    expect(await lengths()).toEqual({ state: STORED_ERROR_MAX, history: STORED_ERROR_MAX });
  });
});
