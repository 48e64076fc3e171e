/**
 * lookout_service_status on /metrics: the status after the failure/recovery thresholds (the one
 * /health and the API report), read from the database at scrape time, so it is the same on every
 * replica and deleted services disappear. Checks are driven by recheckService (no scheduler).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { startServer, type LookoutServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';

const LABELS = ['healthy', 'degraded', 'down', 'pending', 'paused'];

/** The lookout_service_status series of one service: status label → value. */
async function statusSeries(url: string, service: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series: Record<string, number> = {};
  for (const m of text.matchAll(/^lookout_service_status\{service="([^"]*)",status="([^"]*)"\} (\S+)$/gm)) {
    if (m[1] === service) series[m[2]] = Number(m[3]);
  }
  return series;
}

/** Exactly one series per known status, `status` at 1 and the others at 0. */
const only = (status: string) => Object.fromEntries(LABELS.map((l) => [l, l === status ? 1 : 0]));

describe('lookout_service_status', () => {
  let ts: TestServer;
  let target: http.Server;
  /** The target answers 503 to this many requests, then 200 again. */
  let failures = 0;
  let replica: LookoutServer | undefined;

  const admin = () => ({ token: ts.adminToken });
  const recheck = async (name: string) =>
    (await gqlOk<{ recheckService: { status: string } }>(ts, 'mutation($name: String!) { recheckService(name: $name) { status } }', { name }, admin())).recheckService.status;
  const apiStatus = async (name: string) =>
    (await gqlOk<{ service: { status: string | null } }>(ts, 'query($name: String!) { service(name: $name) { status } }', { name }, admin())).service.status;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, config: { metricsPublic: true } });
    target = http.createServer((_req, res) => {
      if (failures > 0) {
        failures--;
        res.statusCode = 503;
        return void res.end('maintenance');
      }
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    for (const name of ['flaky', 'steady']) {
      await gqlOk(
        ts,
        'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
        { input: { name, kind: 'http', target: url, interval: '1h', timeout: '2s', failureThreshold: 2, recoveryThreshold: 1, critical: true } },
        admin(),
      );
    }
  });
  afterAll(async () => {
    await replica?.close();
    target?.close();
    await ts?.close();
  });

  it('reports a service that was never checked as pending', async () => {
    expect(await apiStatus('flaky')).toBeNull();
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('pending'));
  });

  it('keeps a service healthy after one failed check when its failure threshold is 2', async () => {
    expect(await recheck('flaky')).toBe('HEALTHY');
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('healthy'));

    failures = 1;
    // The raw check is down and recorded...
    expect(await recheck('flaky')).toBe('DOWN');
    const { service } = await gqlOk<{ service: { recentChecks: { checks: { status: string }[] } } }>(
      ts, '{ service(name: "flaky") { recentChecks(first: 1) { checks { status } } } }', {}, admin(),
    );
    expect(service.recentChecks.checks.map((c) => c.status)).toEqual(['DOWN']);
    // ...but the service is still healthy, on the API, /health and /metrics alike.
    expect(await apiStatus('flaky')).toBe('HEALTHY');
    expect(await (await fetch(`${ts.url}/health`)).json()).toEqual({ status: 'healthy' });
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('healthy'));

    // The next answer is OK again: the single failure never counts.
    expect(await recheck('flaky')).toBe('HEALTHY');
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('healthy'));
  });

  it('reports it down after two failures in a row, and healthy again once it recovers', async () => {
    failures = 2;
    expect(await recheck('flaky')).toBe('DOWN');
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('healthy'));
    expect(await recheck('flaky')).toBe('DOWN');
    expect(await apiStatus('flaky')).toBe('DOWN');
    expect((await fetch(`${ts.url}/health`)).status).toBe(503);
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('down'));

    expect(await recheck('flaky')).toBe('HEALTHY');
    expect(await apiStatus('flaky')).toBe('HEALTHY');
    expect(await statusSeries(ts.url, 'flaky')).toEqual(only('healthy'));
  });

  it('is the same on a replica that checked nothing itself', async () => {
    failures = 2;
    await recheck('steady');
    await recheck('steady');
    failures = 0;
    expect(await apiStatus('steady')).toBe('DOWN');
    replica = await startServer({ ...ts.config, port: 0 }, { logger: createLogger('silent'), runScheduler: false });
    expect(await statusSeries(replica.url, 'steady')).toEqual(only('down'));
    expect(await statusSeries(replica.url, 'flaky')).toEqual(only('healthy'));
  });

  it('reports a paused service as paused, not as its last status', async () => {
    await gqlOk(ts, 'mutation { pauseService(name: "steady") { name } }', {}, admin());
    expect(await statusSeries(ts.url, 'steady')).toEqual(only('paused'));
    await gqlOk(ts, 'mutation { resumeService(name: "steady") { name } }', {}, admin());
    expect(await statusSeries(ts.url, 'steady')).toEqual(only('down'));
  });

  it('drops every series of a deleted service', async () => {
    await gqlOk(ts, 'mutation { deleteService(name: "flaky") }', {}, admin());
    const text = await (await fetch(`${ts.url}/metrics`)).text();
    expect(text).not.toMatch(/service="flaky"/);
    expect(text).toMatch(/^lookout_service_status\{service="steady",status="down"\} 1$/m);
    expect(await statusSeries(replica!.url, 'flaky')).toEqual({});
  });
});

describe('lookout_check_results_held', () => {
  let ts: TestServer;
  let target: http.Server;
  beforeAll(async () => {
    ts = await startTestServer();
    target = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: 'busy', kind: 'http', target: url, interval: '1s' } }, { token: ts.adminToken });
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  const sample = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${ts.url}/metrics`)).text())?.[1]);
  async function until(name: string, ok: (value: number) => boolean): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const value = await sample(name);
      if (ok(value)) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} never met its condition`);
  }

  it('shows the check results held while their table is locked, and none once they are stored', async () => {
    expect(await sample('lookout_check_results_dropped_total')).toBe(0);
    const { default: pg } = await import('pg');
    const locker = new pg.Client({ connectionString: ts.databaseUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table health_checks in exclusive mode');
      expect(await until('lookout_check_results_held', (v) => v > 0)).toBeGreaterThan(0);
      await locker.query('commit');
      expect(await until('lookout_check_results_held', (v) => v === 0)).toBe(0);
      expect(await sample('lookout_check_results_dropped_total')).toBe(0);
    } finally {
      await locker.end();
    }
  });
});

/**
 * Regression (found by an attack review): /metrics listed every service by name and status to
 * anyone, although a badge or a status page keeps to the services it shows so that the list cannot
 * be probed. Anonymous scrapes now get everything else; a scraper with an API token (any role), or
 * every scraper with LOOKOUT_METRICS_PUBLIC=true, gets every service.
 */
describe('who may read every service on /metrics', () => {
  let ts: TestServer;
  let viewer: string;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await gqlOk(ts, 'mutation { createService(input: { name: "hidden-db", kind: "tcp", target: "127.0.0.1:9" }) { name } }', {}, { token: ts.adminToken });
    viewer = (await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "prometheus", role: VIEWER }) { secret } }', {}, { token: ts.adminToken })).createApiToken.secret;
  });
  afterAll(() => ts?.close());
  const scrape = (authorization?: string) => fetch(`${ts.url}/metrics`, { headers: authorization ? { authorization } : {} });

  it('keeps service names from an anonymous scrape, and says how to get them', async () => {
    const response = await scrape();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('hidden-db');
    expect(text).not.toMatch(/^lookout_service_status\{/m);
    expect(text).toMatch(/^# lookout_service_status \(each service by name\) is sent to scrapers with an API token/m);
    expect(text).toMatch(/^lookout_scheduler_lag_seconds_count /m);
  });

  it('lists every service to a scraper with an API token', async () => {
    const text = await (await scrape(`Bearer ${viewer}`)).text();
    expect(text).toMatch(/^lookout_service_status\{service="hidden-db",status="pending"\} 1$/m);
  });

  it("leaves credentials that are not Lookout's to the proxy that added them: Basic gets what anyone may read", async () => {
    const response = await scrape('Basic cHJvbWV0aGV1czpzZWNyZXQ=');
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain('hidden-db');
  });

  it('answers 401 to a token that is not valid', async () => {
    const response = await scrape('Bearer lko_not-a-token');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.text()).toMatch(/not valid/);
  });
});
