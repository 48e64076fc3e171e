/**
 * Paused time stays paused: a check recorded while a service is paused (a recheck by hand, or one
 * that was running when it was paused) is kept in its history but does not move its status or
 * open an uptime window; resuming opens a window in the status it had.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { recordChecks } from '../../server/monitoring/results.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

describe('a paused service', () => {
  let ts: TestServer;
  let target: http.Server;
  let failing = false;
  const clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
  const admin = () => ({ token: ts.adminToken });
  const recheck = async () => (await gqlOk<{ recheckService: { status: string } }>(ts, 'mutation { recheckService(name: "paused-api") { status } }', {}, admin())).recheckService.status;
  const read = async () =>
    (
      await gqlOk<{ service: { status: string | null; paused: boolean; recentChecks: { checks: { status: string }[] } }; uptimeTimeline: { windows: { status: string; endedAt: string | null }[] }[] }>(
        ts,
        '{ service(name: "paused-api") { status paused recentChecks(first: 10) { checks { status } } } uptimeTimeline(service: "paused-api") { windows { status endedAt } } }',
        {},
        admin(),
      )
    );

  beforeAll(async () => {
    target = http.createServer((_req, res) => {
      res.statusCode = failing ? 503 : 200;
      res.end(failing ? 'maintenance' : 'ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    ts = await startTestServer({ runScheduler: false, clock });
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: 'paused-api', kind: 'http', target: url, interval: '1h', failureThreshold: 1 } }, admin());
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('keeps checks recorded while paused in its history, without moving its status or its uptime windows', async () => {
    expect(await recheck()).toBe('HEALTHY');
    clock.advance(60_000);
    await gqlOk(ts, 'mutation { pauseService(name: "paused-api") { name } }', {}, admin());
    clock.advance(60_000);
    failing = true;
    expect(await recheck()).toBe('DOWN'); // the check itself runs and says so
    clock.advance(60_000);
    const paused = await read();
    expect(paused.service.paused).toBe(true);
    expect(paused.service.status).toBe('HEALTHY');
    expect(paused.service.recentChecks.checks.map((c) => c.status)).toEqual(['DOWN', 'HEALTHY']);
    expect(paused.uptimeTimeline[0].windows.map((w) => [w.status, w.endedAt === null])).toEqual([
      ['healthy', false],
      ['paused', true],
    ]);

    // Resumed: a window in the status it had, then the next check moves it as usual.
    await gqlOk(ts, 'mutation { resumeService(name: "paused-api") { name } }', {}, admin());
    clock.advance(60_000);
    expect(await recheck()).toBe('DOWN');
    clock.advance(60_000);
    const resumed = await read();
    expect(resumed.service.status).toBe('DOWN');
    expect(resumed.uptimeTimeline[0].windows.map((w) => w.status)).toEqual(['healthy', 'paused', 'healthy', 'down']);
  });

  it('does not move the uptime of a service paused while its check result is being stored', async () => {
    const { sql, pubsub } = ts.server.app;
    const { rows } = await sql.query<{ id: number }>("select id from services where name = 'paused-api'");
    const serviceId = rows[0].id;
    const windows = async () => (await sql.query<{ status: string; open: boolean }>('select status, ended_at is null as open from uptime_records where service_id = $1 order by id', [serviceId])).rows;
    const before = await windows();
    expect(before.at(-1)).toEqual({ status: 'down', open: true });
    // A pause in progress on another connection, as setPaused does it: the row locked, then written.
    const pause = await sql.connect();
    await pause.query('begin');
    await pause.query('select 1 from services where id = $1 for update', [serviceId]);
    await pause.query('update uptime_records set ended_at = now() where service_id = $1 and ended_at is null', [serviceId]);
    await pause.query("insert into uptime_records (service_id, status, started_at, reason) values ($1, 'paused', now(), 'paused')", [serviceId]);
    await pause.query('update services set paused = true where id = $1', [serviceId]);
    // Meanwhile a check that began before the pause is stored: it would turn the service healthy.
    const stored = recordChecks(sql, [
      {
        serviceId,
        serviceName: 'paused-api',
        critical: false,
        kind: 'http',
        checkedAt: new Date(),
        result: { status: 'healthy', latencyMs: 3, error: null, details: {} },
      },
    ], pubsub);
    // The writer is waiting for the pause's lock (not merely started) before the pause commits.
    const { rows: pid } = await pause.query<{ pid: number }>('select pg_backend_pid() as pid');
    for (;;) {
      const { rows: waiting } = await sql.query('select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid[0].pid]);
      if (waiting.length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await pause.query('commit');
    pause.release();
    const outcome = await stored;
    expect(outcome.transitions).toEqual([]); // it waited for the pause, then saw it
    expect(outcome.checks.map((c) => c.status)).toEqual(['healthy']);
    expect((await windows()).slice(before.length - 1)).toEqual([
      { status: 'down', open: false },
      { status: 'paused', open: true },
    ]);
    await gqlOk(ts, 'mutation { resumeService(name: "paused-api") { name } }', {}, admin());
  });
});
