/**
 * The check writer and results that arrive out of order: a result older than the one stored (its
 * claim expired while the database stalled, and the check ran again meanwhile) stays in the history
 * but moves neither the service's state nor its uptime windows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordChecks, type CompletedCheck } from '../../server/monitoring/results.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

describe('the check writer', () => {
  let ts: TestServer;
  let serviceId: number;
  const result = (status: 'healthy' | 'down', at: string, from: 'healthy' | 'down' | null): CompletedCheck => ({
    serviceId,
    serviceName: 'ordered',
    critical: false,
    kind: 'tcp',
    checkedAt: new Date(at),
    result: { status, latencyMs: 7, error: status === 'down' ? 'refused' : null, details: {} },
    state: { status: from, pendingStatus: null, pendingCount: 0 },
    thresholds: { failureThreshold: 1, recoveryThreshold: 1 },
  });

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: 'ordered', kind: 'tcp', target: '127.0.0.1:9', interval: '1h' } }, { token: ts.adminToken });
    serviceId = (await ts.server.app.sql.query<{ id: number }>("select id from services where name = 'ordered'")).rows[0].id;
  });
  afterAll(() => ts?.close());

  it('keeps a result older than the stored one in the history only', async () => {
    const { sql } = ts.server.app;
    const first = await recordChecks(sql, [result('healthy', '2026-05-01T10:00:10Z', null)]);
    expect(first.transitions.map((t) => t.status)).toEqual(['healthy']);
    // Stored first: a later check found it down.
    const later = await recordChecks(sql, [result('down', '2026-05-01T10:00:30Z', 'healthy')]);
    expect(later.transitions.map((t) => t.status)).toEqual(['down']);
    // Then a result that began earlier, computed from the state it was claimed with, arrives.
    const stale = await recordChecks(sql, [result('healthy', '2026-05-01T10:00:20Z', 'down')]);
    expect(stale.transitions).toEqual([]);
    expect(stale.checks.map((c) => c.checkedAt)).toEqual(['2026-05-01T10:00:20.000Z']);
    const state = (await sql.query('select status, last_checked_at from service_states where service_id = $1', [serviceId])).rows[0];
    expect(state).toEqual({ status: 'down', last_checked_at: new Date('2026-05-01T10:00:30Z') });
    const windows = (await sql.query('select status from uptime_records where service_id = $1 order by id', [serviceId])).rows.map((r) => r.status);
    expect(windows).toEqual(['healthy', 'down']);
    const history = (await sql.query('select count(*)::int as n from health_checks where service_id = $1', [serviceId])).rows[0].n;
    expect(history).toBe(3);
  });
});
