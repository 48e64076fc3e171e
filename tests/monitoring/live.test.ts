/** End to end: a real target goes down and comes back; subscribers, /health and /metrics see it. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, serviceStatusBecomes, takeEvents, wsClient } from '../support/graphql.ts';

describe('live status of a real target', () => {
  let ts: TestServer;
  let target: http.Server;
  let mode: 'up' | 'down' | 'slow' = 'up';

  beforeAll(async () => {
    ts = await startTestServer({ config: { metricsPublic: true } });
    target = http.createServer((_req, res) => {
      if (mode === 'down') {
        res.statusCode = 503;
        return void res.end('maintenance');
      }
      setTimeout(() => res.end('ok'), mode === 'slow' ? 300 : 0);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    await gqlOk(
      ts,
      'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
      { input: { name: 'checkout', kind: 'http', target: url, interval: '1s', timeout: '900ms', degradedLatency: '200ms', failureThreshold: 1, critical: true } },
      { token: ts.adminToken },
    );
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('is checked by the scheduler and becomes healthy', async () => {
    expect(await serviceStatusBecomes(ts, 'checkout', 'HEALTHY')).toBe('HEALTHY');
  });

  it('tells a subscriber when the target goes down, and again when it comes back', async () => {
    const client = wsClient(ts, { token: ts.adminToken });
    const changes = takeEvents<{ serviceStatusChanged: { service: string; previousStatus: string; status: string; reason: string } }>(
      client, 'subscription { serviceStatusChanged(criticalOnly: true) { service previousStatus status reason } }', 2,
    );
    await new Promise((r) => setTimeout(r, 300));
    mode = 'down';
    const health = await (async () => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const response = await fetch(`${ts.url}/health`);
        if (response.status === 503) return response.json();
        await new Promise((r) => setTimeout(r, 200));
      }
      return null;
    })();
    expect(health).toEqual({ status: 'down' });
    mode = 'up';
    const [down, up] = await changes;
    await client.dispose();
    expect(down.serviceStatusChanged).toMatchObject({ service: 'checkout', previousStatus: 'HEALTHY', status: 'DOWN' });
    expect(down.serviceStatusChanged.reason).toMatch(/503/);
    expect(up.serviceStatusChanged).toMatchObject({ service: 'checkout', previousStatus: 'DOWN', status: 'HEALTHY' });
    expect((await fetch(`${ts.url}/health`)).status).toBe(200);
  });

  it('replays the transitions recorded since a given instant before live ones, none twice', async () => {
    const until = async (status: string) => expect(await serviceStatusBecomes(ts, 'checkout', status)).toBe(status);
    await until('HEALTHY');
    // The grid's data is read, then the target fails before anyone subscribes.
    const { generatedAt } = (await gqlOk<{ healthOverview: { generatedAt: string } }>(ts, '{ healthOverview { generatedAt } }', {}, { token: ts.adminToken })).healthOverview;
    mode = 'down';
    await until('DOWN');
    const client = wsClient(ts, { token: ts.adminToken });
    type Change = { serviceStatusChanged: { service: string; previousStatus: string; status: string; reason: string; at: string } };
    const query = 'subscription($since: DateTime) { serviceStatusChanged(service: "checkout", since: $since) { service previousStatus status reason at } }';
    const changes = takeEvents<Change>(client, query, 2, { since: generatedAt });
    await new Promise((r) => setTimeout(r, 500));
    mode = 'up';
    const [missed, live] = await changes;
    // From the instant of the recovery: the recovery again (stored when its check ended, after its
    // `at`), nothing earlier, then the next one, live.
    const later = takeEvents<Change>(client, query, 2, { since: live.serviceStatusChanged.at });
    await new Promise((r) => setTimeout(r, 300));
    mode = 'down';
    const [again, next] = await later;
    expect(again.serviceStatusChanged).toEqual(live.serviceStatusChanged);
    mode = 'up';
    await client.dispose();
    expect(missed.serviceStatusChanged).toMatchObject({ service: 'checkout', previousStatus: 'HEALTHY', status: 'DOWN' });
    expect(missed.serviceStatusChanged.reason).toMatch(/503/);
    expect(missed.serviceStatusChanged.at > generatedAt).toBe(true);
    expect(live.serviceStatusChanged).toMatchObject({ previousStatus: 'DOWN', status: 'HEALTHY' });
    expect(live.serviceStatusChanged.at > missed.serviceStatusChanged.at).toBe(true);
    expect(next.serviceStatusChanged).toMatchObject({ previousStatus: 'HEALTHY', status: 'DOWN' });
    expect(next.serviceStatusChanged.at > live.serviceStatusChanged.at).toBe(true);
    await until('HEALTHY');
  });

  it('streams every recorded check of a service', async () => {
    const client = wsClient(ts, { token: ts.adminToken });
    const events = await takeEvents<{ healthCheckRecorded: { service: string; status: string; latencyMs: number } }>(
      client, 'subscription { healthCheckRecorded(service: "checkout") { service status latencyMs checkedAt } }', 2,
    );
    await client.dispose();
    expect(events.map((e) => e.healthCheckRecorded.service)).toEqual(['checkout', 'checkout']);
  });

  it('reports a slow target as degraded, and /health as degraded with 200', async () => {
    mode = 'slow';
    const deadline = Date.now() + 10_000;
    let body: unknown;
    while (Date.now() < deadline) {
      body = await (await fetch(`${ts.url}/health`)).json();
      if ((body as { status: string }).status === 'degraded') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toEqual({ status: 'degraded' });
    mode = 'up';
  });

  it('exports status per service, check durations and scheduler lag', async () => {
    const text = await (await fetch(`${ts.url}/metrics`)).text();
    expect(text).toMatch(/^lookout_service_status\{service="checkout",status="(healthy|degraded)"\} 1$/m);
    expect(text).toMatch(/^lookout_check_duration_seconds_count\{kind="http"\} [1-9]/m);
    expect(text).toMatch(/^lookout_scheduler_lag_seconds_count [1-9]/m);
  });
});
