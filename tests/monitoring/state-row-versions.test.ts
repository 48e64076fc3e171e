/**
 * Regression (issue 15, bytes per check): `service_states` grew by about 150 bytes a check until
 * vacuum came. A check updates its service's row twice — the claim (moving the indexed
 * `next_due_at`) and the result — and on pages packed full half of the results' updates found no
 * room for the new version on their page: they went elsewhere, with new index entries, instead of
 * being HOT updates that the page prunes by itself. Half of each page is now kept free
 * (Migration20261211100000). This runs the real claim and result statements for 1,000 services and
 * pins that the table no longer grows with the checks (packed full, it was 4.6 times its size after
 * these 20 rounds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueChecks } from '../../server/monitoring/claims.ts';
import { recordSettled, type CompletedCheck } from '../../server/monitoring/results.ts';
import { insertServices } from '../support/services.ts';
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
});
