/**
 * Issue 15 (bytes per check): a raw check's status and latency are one `int` column, `outcome`
 * (Migration20261212090000_check_outcome): the row is 40 bytes where it was 44 (and 52 with its
 * line pointer on the page, against 44 now). Both writers store it (the settled one-statement path
 * and the transaction of a status change), and every read gets the status and latency back exactly,
 * up to the longest latency a check can take; rows of the old kind (written before the upgrade, or
 * by a replica of the previous version during a rolling one) read the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOME_LATENCY_MAX_MS, checkOutcome, recordChecks, recordSettled, type CompletedCheck } from '../../server/monitoring/results.ts';
import { readLatencySeries, recentChecks } from '../../server/monitoring/check-reads.ts';
import { rollUp } from '../../server/monitoring/timeseries.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { insertServices } from '../support/services.ts';

describe('a raw check stored as one outcome', () => {
  let ts: TestServer;
  const ids = new Map<string, number>();

  const check = (service: string, status: 'healthy' | 'degraded' | 'down', at: string, latencyMs: number): CompletedCheck => ({
    serviceId: ids.get(service)!,
    serviceName: service,
    critical: false,
    kind: 'tcp',
    checkedAt: new Date(at),
    result: { status, latencyMs, error: status === 'healthy' ? null : `${status} after ${latencyMs} ms`, details: {} },
  });
  const stored = async (service: string) =>
    (
      await ts.server.app.sql.query<{ outcome: number | null; status: number | null; latency_ms: number | null; width: number }>(
        'select outcome, status, latency_ms, pg_column_size(h.*) as width from health_checks h where service_id = $1 order by checked_at',
        [ids.get(service)],
      )
    ).rows;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    for (const [name, id] of await insertServices(ts.server.app.sql, ['steady', 'changing', 'upgraded'])) ids.set(name, id);
  });
  afterAll(() => ts?.close());

  it('packs the status in the two low bits of the latency, up to the longest latency it can hold', () => {
    expect(checkOutcome('healthy', 0)).toBe(0);
    expect(checkOutcome('degraded', 12)).toBe(49);
    expect(checkOutcome('down', 300_000)).toBe(1_200_002);
    // Out of range (no check takes six days, none takes less than nothing): kept in range, never overflowing the int.
    expect(checkOutcome('down', 2 ** 40)).toBe(OUTCOME_LATENCY_MAX_MS * 4 + 2);
    expect(checkOutcome('down', 2 ** 40)).toBeLessThan(2 ** 31);
    expect(checkOutcome('healthy', -5)).toBe(0);
  });

  it('stores a check in 40 bytes and reads its status and latency back exactly, through both writers', async () => {
    const { sql, pubsub } = ts.server.app;
    // A status change: the transaction of recordChecks.
    const changed = await recordChecks(sql, [check('changing', 'healthy', '2026-05-01T10:00:00Z', 3), check('changing', 'down', '2026-05-01T10:00:20Z', 300_000)], pubsub);
    expect(changed.transitions.map((t) => t.status)).toEqual(['healthy', 'down']);
    // A service that keeps its status: the one statement of recordSettled.
    await recordChecks(sql, [check('steady', 'degraded', '2026-05-01T10:00:00Z', 1500)], pubsub);
    const settled = await recordSettled(sql, [check('steady', 'degraded', '2026-05-01T10:00:20Z', 1700), check('steady', 'degraded', '2026-05-01T10:00:40Z', 0)], pubsub);
    expect(settled.stored).toHaveLength(2);

    const changing = await stored('changing');
    expect(changing.map((r) => [r.outcome, r.status, r.latency_ms])).toEqual([[12, null, null], [1_200_002, null, null]]);
    // 24 bytes of header and 16 of data; a check without an error is 40 bytes (44 with a status and latency column each).
    expect(changing[0].width).toBe(40);
    expect((await stored('steady')).map((r) => r.outcome)).toEqual([6001, 6801, 1]);

    const read = async (service: string) => (await recentChecks(sql, ids.get(service)!, 10)).checks.map((c) => [c.status, c.latencyMs, c.error]);
    expect(await read('changing')).toEqual([['down', 300_000, 'down after 300000 ms'], ['healthy', 3, null]]);
    expect(await read('steady')).toEqual([['degraded', 0, 'degraded after 0 ms'], ['degraded', 1700, 'degraded after 1700 ms'], ['degraded', 1500, 'degraded after 1500 ms']]);

    // The chart's minutes (from the raw checks) and the five-minute rollups agree with them.
    const minute = await readLatencySeries(sql, ids.get('changing')!, new Date('2026-05-01T10:00:00Z'), new Date('2026-05-01T10:01:00Z'), null);
    expect(minute.points.map((p) => [p.healthy, p.degraded, p.down, p.maxMs])).toEqual([[1, 0, 1, 300_000]]);
    await rollUp(sql, '5m', new Date('2026-05-01T10:00:00Z'), new Date('2026-05-01T10:05:00Z'));
    const { rows } = await sql.query('select healthy, degraded, down, latency_min, latency_max from health_rollups_5m where service_id = $1', [ids.get('steady')]);
    expect(rows).toEqual([{ healthy: 0, degraded: 3, down: 0, latency_min: 0, latency_max: 1700 }]);
  });

  it('reads rows of the old kind (a status and a latency column) the same as new ones, side by side', async () => {
    const { sql } = ts.server.app;
    const service = ids.get('upgraded')!;
    // Written by the previous version: before the upgrade, or by one of its replicas during a rolling one.
    await sql.query(`insert into health_checks (checked_at, service_id, status, latency_ms, error) values ('2026-05-01T11:00:00Z', $1, 1, 250, 'slow')`, [service]);
    await recordChecks(sql, [check('upgraded', 'down', '2026-05-01T11:00:20Z', 40)], ts.server.app.pubsub);
    expect((await stored('upgraded')).map((r) => [r.outcome, r.status, r.latency_ms, r.width])).toEqual([[null, 1, 250, 49], [162, null, null, 60]]);
    expect((await recentChecks(sql, service, 10)).checks.map((c) => [c.status, c.latencyMs])).toEqual([['down', 40], ['degraded', 250]]);
    const minute = await readLatencySeries(sql, service, new Date('2026-05-01T11:00:00Z'), new Date('2026-05-01T11:01:00Z'), null);
    expect(minute.points.map((p) => [p.healthy, p.degraded, p.down, p.maxMs, p.avgMs])).toEqual([[0, 1, 1, 250, 145]]);
  });
});
